"""What every channel shares: the message, the outcome, the two failures, and HTTP."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    urgent: bool = False


@dataclass(frozen=True)
class Outcome:
    """`delivered` when the channel put it in the person's hands (an app message, a group
    post); `sent` when it only accepted it for onward delivery (SMTP, an SMS gateway)."""

    state: str
    external_id: str = ""


class Retry(Exception):
    """A temporary failure: try again later."""


class Refused(Exception):
    """The channel refused this message; trying again would be refused again."""


class TokenCache(Protocol):
    def get(self) -> str | None: ...
    def put(self, token: str, expires_at: datetime) -> None: ...
    def clear(self) -> None: ...


class Channel(Protocol):
    def send(self, message: Message, address: str) -> Outcome: ...


def option(options: dict[str, Any], name: str, label: str) -> str:
    value = str(options.get(name) or "").strip()
    if not value:
        # A channel enabled without a required field: not the message's fault, so it is
        # retried (and reaches the dead-letter list) until the administrator fixes it.
        raise Retry(f"{label}未配置")
    return value


def timeout_of(options: dict[str, Any]) -> float:
    try:
        return max(0.1, float(options.get("timeout") or 10))
    except (TypeError, ValueError):
        return 10.0


def http(
    method: str,
    url: str,
    *,
    timeout: float,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One HTTP request with the stdlib. A 5xx, 429, refused connection or timeout raises
    `Retry`; any other status comes back to the caller with its body."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as e:
        data = e.read()
        if e.code >= 500 or e.code == 429:
            raise Retry(f"HTTP {e.code}") from e
        return int(e.code), bytes(data)
    except TimeoutError as e:
        raise Retry("超时") from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError | socket.timeout):
            raise Retry("超时") from e
        raise Retry(f"连接失败：{e.reason}") from e
    except OSError as e:
        raise Retry(f"连接失败：{e}") from e


def json_of(status: int, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Retry(f"HTTP {status}，应答不是JSON") from e
    if not isinstance(value, dict):
        raise Retry(f"HTTP {status}，应答不是JSON对象")
    return value


def post_json(url: str, payload: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    status, data = http(
        "POST",
        url,
        timeout=timeout,
        body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    if status >= 400:
        raise Refused(f"HTTP {status}")
    return json_of(status, data)


def get_json(url: str, *, timeout: float) -> dict[str, Any]:
    status, data = http("GET", url, timeout=timeout)
    if status >= 400:
        raise Refused(f"HTTP {status}")
    return json_of(status, data)


def text_of(message: Message, *, max_bytes: int | None = None) -> str:
    """Title and body as one text; cut (with "…") to the channel's limit in UTF-8 bytes."""
    text = f"{message.title}\n{message.body}".strip() if message.body else message.title
    if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
        data = text.encode("utf-8")[: max_bytes - 3]
        text = data.decode("utf-8", "ignore") + "…"
    return text
