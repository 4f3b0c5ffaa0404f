"""The access-token dance shared by 企业微信/政务微信 and 钉钉 application messages.

Both hand out a token (`gettoken`, valid `expires_in` seconds, 7200 today) that every
call carries as `?access_token=`. The token is cached (in the channel's row, so all
workers share it) and fetched again five minutes before it expires, or at once when a
call answers 42001 (expired) or 40014 (invalid) — then the call is made once more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from duban.notify.channels.base import Refused, Retry, TokenCache

TOKEN_ERRORS = frozenset({40014, 42001, 41001})  # invalid, expired, missing access_token
BUSY = frozenset({-1})  # 系统繁忙: both platforms document "try again later"


def errcode_of(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        return -1


def is_token_error(answer: dict[str, Any]) -> bool:
    code = errcode_of(answer)
    if code in TOKEN_ERRORS:
        return True
    # 钉钉 may wrap it: {"errcode": 88, "sub_code": "40014", …}
    return code == 88 and str(answer.get("sub_code", "")) in {"40014", "42001"}


def fetch(get: Callable[[], dict[str, Any]], tokens: TokenCache) -> str:
    answer = get()
    code = errcode_of(answer)
    token = answer.get("access_token")
    if code != 0 or not isinstance(token, str) or not token:
        # Wrong corpid/secret: the administrator's to fix, so the message waits (Retry).
        raise Retry(f"获取access_token失败：errcode={code} {answer.get('errmsg', '')}")
    try:
        ttl = int(answer.get("expires_in", 7200))
    except (TypeError, ValueError):
        ttl = 7200
    tokens.put(token, datetime.now(UTC) + timedelta(seconds=max(60, ttl - 300)))
    return token


def call_with_token(
    *,
    get_token: Callable[[], dict[str, Any]],
    tokens: TokenCache,
    call: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """`call(token)` with a cached token; on a token error, refresh once and call again."""
    token = tokens.get() or fetch(get_token, tokens)
    answer = call(token)
    if is_token_error(answer):
        tokens.clear()
        answer = call(fetch(get_token, tokens))
        if is_token_error(answer):
            raise Retry(f"access_token刷新后仍无效：errcode={errcode_of(answer)}")
    return answer


def check(answer: dict[str, Any], *, busy: frozenset[int] = BUSY) -> None:
    code = errcode_of(answer)
    if code == 0:
        return
    detail = f"errcode={code} {answer.get('errmsg', '')}".strip()
    if code in busy:
        raise Retry(detail)
    raise Refused(detail)
