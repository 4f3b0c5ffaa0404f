"""E-mail over SMTP (RFC 5321) with STARTTLS (RFC 3207) or implicit TLS, and AUTH.

The message is built by the stdlib's `email` package with the SMTP policy: the Chinese
subject and sender name become RFC 2047 encoded-words (=?utf-8?b?…?=) and the body
is UTF-8 in base64, which every mail server accepts without SMTPUTF8.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from duban.notify.channels.base import Message, Outcome, Refused, Retry, option, timeout_of


def build_message(message: Message, *, sender: str, sender_name: str, to: str) -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = f"【特急】{message.title}" if message.urgent else message.title
    mail["From"] = formataddr((sender_name, sender)) if sender_name else sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(message.body or message.title, charset="utf-8", cte="base64")
    return mail


class EmailChannel:
    def __init__(self, options: dict[str, Any], secrets: dict[str, Any]):
        self.options, self.secrets = options, secrets

    def _context(self) -> ssl.SSLContext:
        # `cafile`: a county's own CA for an intranet mail server.
        cafile = str(self.options.get("cafile") or "") or None
        return ssl.create_default_context(cafile=cafile)

    def send(self, message: Message, address: str) -> Outcome:
        host = option(self.options, "host", "SMTP服务器")
        sender = option(self.options, "sender", "发件人地址")
        security = str(self.options.get("security") or "starttls")
        try:
            port = int(self.options.get("port") or {"ssl": 465, "starttls": 587}.get(security, 25))
        except (TypeError, ValueError) as e:
            raise Retry("SMTP端口应为数字") from e
        mail = build_message(
            message,
            sender=sender,
            sender_name=str(self.options.get("sender_name") or ""),
            to=address,
        )
        timeout = timeout_of(self.options)
        try:
            smtp: smtplib.SMTP
            if security == "ssl":
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            with smtp:
                smtp.ehlo()
                if security == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                username = str(self.options.get("username") or "")
                if username:
                    smtp.login(username, str(self.secrets.get("password") or ""))
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as e:
            return self._refused(e.recipients)
        except smtplib.SMTPResponseException as e:
            # 5xx is permanent for this message; 4xx (greylisting, a full queue) is not.
            # A failed login is the administrator's to fix: retried until dead-lettered.
            raw = e.smtp_error
            why = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            text = f"SMTP {e.smtp_code} {why}"
            if 500 <= e.smtp_code < 600 and not isinstance(e, smtplib.SMTPAuthenticationError):
                raise Refused(text) from e
            raise Retry(text) from e
        except TimeoutError as e:
            raise Retry("SMTP超时") from e
        except (smtplib.SMTPException, ssl.SSLError, OSError) as e:
            raise Retry(f"SMTP连接失败：{e}") from e
        if refused:
            return self._refused(refused)
        return Outcome("sent", str(mail["Message-ID"]))

    def _refused(self, recipients: dict[str, tuple[int, bytes]]) -> Outcome:
        code, text = next(iter(recipients.values()))
        detail = f"SMTP {code} {text.decode('utf-8', 'replace')}"
        if 400 <= code < 500:
            raise Retry(detail)
        raise Refused(detail)
