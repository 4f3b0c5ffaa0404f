"""Request ids in the log (issue 18 defect 2).

Every web request gets an id (the `X-Request-ID` a proxy sent, if it is sane, else a new
one); every log line written while the request runs carries it, the response returns it in
`X-Request-ID`, and the 500 page shows it so a user can quote it to the administrator. A
management command gets an id of its own for its run (`cmd-…`).
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_current: contextvars.ContextVar[str] = contextvars.ContextVar("duban_request_id", default="-")

# What a proxy may hand us: short, and nothing that could forge a log line.
_SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def new_id(given: str | None = None, *, prefix: str = "") -> str:
    if given and _SANE.fullmatch(given):
        return given
    return prefix + uuid.uuid4().hex[:16]


def current() -> str:
    return _current.get()


def bind(request_id: str) -> contextvars.Token[str]:
    return _current.set(request_id)


def unbind(token: contextvars.Token[str]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (named in settings.LOGGING's formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
