"""The external channels, each a small client of the channel's documented interface.

Every channel takes a `Message` and an address and either returns an `Outcome` or raises
`Retry` (a temporary failure: a 5xx, a timeout, a busy server — try again later, with
backoff) or `Refused` (the channel said no to this message: a wrong number, an unknown
user, a rejected template — trying again would only be refused again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from duban.notify.channels.base import (
    Channel,
    Message,
    Outcome,
    Refused,
    Retry,
    TokenCache,
)

__all__ = ["Channel", "Message", "Outcome", "Refused", "Retry", "TokenCache", "build"]


def build(
    kind: str, options: dict[str, Any], secrets: dict[str, Any], tokens: TokenCache
) -> Channel:
    """The client of one channel kind, from the administrator's stored configuration."""
    from duban.notify.channels import dingtalk, email, sms, wecom

    makers: dict[str, Callable[[], Channel]] = {
        "email": lambda: email.EmailChannel(options, secrets),
        "sms": lambda: sms.SmsChannel(options, secrets),
        "wecom_app": lambda: wecom.WeComApp(options, secrets, tokens),
        "wecom_robot": lambda: wecom.WeComRobot(options, secrets),
        "dingtalk_work": lambda: dingtalk.DingTalkWork(options, secrets, tokens),
        "dingtalk_robot": lambda: dingtalk.DingTalkRobot(options, secrets),
    }
    if kind not in makers:
        raise ValueError(f"unknown channel {kind}")
    return makers[kind]()
