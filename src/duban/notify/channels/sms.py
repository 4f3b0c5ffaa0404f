"""SMS through a county's gateway: a configurable HTTP template, or a cloud SMS preset.

- `generic`: URL, method, form or JSON fields with placeholders ({mobile} {content}
  {template_id} {sign_name} {timestamp} {nonce} {account} {password}), an optional
  signature over the sorted fields (`md5`: MD5(k1=v1&k2=v2…&key=KEY), upper-case hex —
  the shape most domestic gateways use — or `hmac-sha256`: hex HMAC of the same string),
  and the answer field and value that mean success. The text goes in 70-character
  segments (one SMS holds 70 Chinese characters), numbered "(1/3)", one request each.
- `aliyun`: 阿里云短信 dysms SendSms, RPC style, Version 2017-05-25, signature method
  HMAC-SHA1 version 1.0: StringToSign = "GET&%2F&" + percentEncode(sorted query), key
  AccessKeySecret + "&", base64. Success: {"Code":"OK"}.
- `tencent`: 腾讯云短信 SendSms, Version 2021-01-11, POST JSON with the TC3-HMAC-SHA256
  Authorization header. Success: Response.SendStatusSet[0].Code == "Ok".
Cloud SMS only sends approved templates, so the message goes in as one template
variable (its name and length limit are settings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from typing import Any

from duban.notify.channels.base import (
    Message,
    Outcome,
    Refused,
    Retry,
    http,
    json_of,
    option,
    timeout_of,
)

SEGMENT = 70
PRESETS = ("generic", "aliyun", "tencent")


def segments(text: str, *, size: int = SEGMENT, limit: int = 3) -> list[str]:
    """Split into SMS of at most `size` characters, each numbered when there are several;
    past `limit` segments the text is cut with "…" (nobody reads a tenth SMS)."""
    text = " ".join(text.split())
    if len(text) <= size:
        return [text]
    for count in range(2, limit + 1):
        width = size - len(f"({count}/{count})")
        if len(text) <= width * count:
            break
    else:
        count = limit
        width = size - len(f"({count}/{count})")
        text = text[: width * count - 1] + "…"
    parts = [text[i : i + width] for i in range(0, len(text), width)]
    return [f"({i}/{len(parts)}){p}" for i, p in enumerate(parts, 1)]


def sms_text(message: Message) -> str:
    head = f"【特急】{message.title}" if message.urgent else message.title
    return f"{head}：{message.body}" if message.body else head


def percent(value: str) -> str:
    """Aliyun's percentEncode: RFC 3986 unreserved kept, space as %20, upper-case hex."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    query = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent('/')}&{percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    payload: str,
    timestamp: int,
    service: str = "sms",
) -> str:
    """Tencent Cloud API 3.0 signature v3 (TC3-HMAC-SHA256) for a JSON POST to '/'."""
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode("utf-8")).hexdigest(),
        ]
    )
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    key = mac(mac(mac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def generic_signature(fields: dict[str, str], method: str, key: str) -> str:
    joined = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v != "")
    if method == "md5":
        return hashlib.md5(f"{joined}&key={key}".encode()).hexdigest().upper()
    if method == "hmac-sha256":
        return hmac.new(key.encode("utf-8"), joined.encode("utf-8"), hashlib.sha256).hexdigest()
    raise Retry(f"不支持的签名方法：{method}")


class SmsChannel:
    def __init__(self, options: dict[str, Any], secrets: dict[str, Any]):
        self.options, self.secrets = options, secrets
        self.timeout = timeout_of(options)

    def send(self, message: Message, address: str) -> Outcome:
        preset = str(self.options.get("preset") or "generic")
        if preset == "aliyun":
            return self._aliyun(message, address)
        if preset == "tencent":
            return self._tencent(message, address)
        if preset != "generic":
            raise Retry(f"未知的短信接口类型：{preset}")
        ids = [self._generic(part, address) for part in segments(sms_text(message))]
        return Outcome("sent", ",".join(i for i in ids if i)[:120])

    def _param(self, message: Message) -> str:
        try:
            limit = int(self.options.get("param_max") or 35)
        except (TypeError, ValueError):
            limit = 35
        text = " ".join(sms_text(message).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    # ---- generic gateway
    def _generic(self, content: str, mobile: str) -> str:
        url = option(self.options, "url", "短信网关地址")
        method = str(self.options.get("method") or "POST").upper()
        fields_spec = self.options.get("fields") or {}
        if not isinstance(fields_spec, dict) or not fields_spec:
            raise Retry("短信网关字段未配置")
        values = {
            "mobile": mobile,
            "content": content,
            "template_id": str(self.options.get("template_id") or ""),
            "sign_name": str(self.options.get("sign_name") or ""),
            "account": str(self.options.get("account") or ""),
            "password": str(self.secrets.get("password") or ""),
            "timestamp": str(int(time.time())),
            "nonce": uuid.uuid4().hex,
        }
        try:
            fields = {str(k): str(v).format_map(values) for k, v in fields_spec.items()}
        except (KeyError, ValueError, IndexError) as e:
            raise Retry(f"短信网关字段模板有误：{e}") from e
        sign_method = str(self.options.get("sign_method") or "none")
        if sign_method != "none":
            param = str(self.options.get("sign_param") or "sign")
            fields[param] = generic_signature(
                fields, sign_method, option(self.secrets, "sign_key", "短信签名密钥")
            )
        if str(self.options.get("format") or "form") == "json":
            body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8"}
        else:
            body = urllib.parse.urlencode(fields).encode("ascii")
            headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if method == "GET":
            sep = "&" if "?" in url else "?"
            status, data = http("GET", f"{url}{sep}{body.decode()}", timeout=self.timeout)
        else:
            status, data = http(method, url, timeout=self.timeout, body=body, headers=headers)
        if status >= 400:
            raise Refused(f"HTTP {status}")
        answer = json_of(status, data)
        field = str(self.options.get("success_field") or "code")
        want = str(self.options.get("success_value") or "0")
        got = answer.get(field)
        if str(got) != want:
            why = answer.get("msg") or answer.get("message") or ""
            raise Refused(f"短信网关拒绝：{field}={got} {why}".strip())
        return str(answer.get("msgid") or answer.get("id") or "")

    # ---- 阿里云 dysms
    def _aliyun(self, message: Message, mobile: str) -> Outcome:
        endpoint = str(self.options.get("endpoint") or "https://dysmsapi.aliyuncs.com/")
        params = {
            "AccessKeyId": option(self.options, "access_key_id", "AccessKey ID"),
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mobile,
            "RegionId": str(self.options.get("region") or "cn-hangzhou"),
            "SignName": option(self.options, "sign_name", "短信签名"),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": option(self.options, "template_id", "模板编号"),
            "TemplateParam": json.dumps(
                {str(self.options.get("template_param") or "content"): self._param(message)},
                ensure_ascii=False,
            ),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        secret = option(self.secrets, "access_key_secret", "AccessKey Secret")
        signature = aliyun_signature(params, secret)
        query = f"Signature={percent(signature)}&" + "&".join(
            f"{percent(k)}={percent(v)}" for k, v in sorted(params.items())
        )
        status, data = http("GET", f"{endpoint.rstrip('/')}/?{query}", timeout=self.timeout)
        answer = json_of(status, data)
        code = str(answer.get("Code", ""))
        if code == "OK":
            return Outcome("sent", str(answer.get("BizId", "")))
        detail = f"阿里云短信：{code} {answer.get('Message', '')}".strip()
        if code.startswith("Throttling") or code in {"isp.RAM_PERMISSION_DENY", "isp.SYSTEM_ERROR"}:
            raise Retry(detail)
        raise Refused(detail)

    # ---- 腾讯云短信
    def _tencent(self, message: Message, mobile: str) -> Outcome:
        endpoint = str(self.options.get("endpoint") or "https://sms.tencentcloudapi.com")
        host = urllib.parse.urlsplit(endpoint).netloc
        phone = mobile if mobile.startswith("+") else f"+86{mobile}"
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": option(self.options, "sdk_app_id", "SdkAppId"),
                "SignName": option(self.options, "sign_name", "短信签名"),
                "TemplateId": option(self.options, "template_id", "模板编号"),
                "TemplateParamSet": [self._param(message)],
            },
            ensure_ascii=False,
        )
        ts = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=option(self.options, "secret_id", "SecretId"),
                secret_key=option(self.secrets, "secret_key", "SecretKey"),
                host=host,
                payload=payload,
                timestamp=ts,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(ts),
            "X-TC-Region": str(self.options.get("region") or "ap-guangzhou"),
        }
        status, data = http(
            "POST", endpoint, timeout=self.timeout, body=payload.encode("utf-8"), headers=headers
        )
        response = json_of(status, data).get("Response") or {}
        error = response.get("Error")
        if error:
            code = str(error.get("Code", ""))
            detail = f"腾讯云短信：{code} {error.get('Message', '')}".strip()
            if code.startswith(("InternalError", "RequestLimitExceeded")):
                raise Retry(detail)
            raise Refused(detail)
        status_set = response.get("SendStatusSet") or [{}]
        first = status_set[0]
        if str(first.get("Code")) != "Ok":
            raise Refused(f"腾讯云短信：{first.get('Code')} {first.get('Message', '')}".strip())
        return Outcome("sent", str(first.get("SerialNo", "")))
