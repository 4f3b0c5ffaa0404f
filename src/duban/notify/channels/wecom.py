"""企业微信 / 政务微信: application messages and group robots.

政务微信 is 企业微信's government edition with the same server API on the province's
own host, so `base_url` is a setting (default https://qyapi.weixin.qq.com).
- application message: GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET →
  {"errcode":0,"access_token":…,"expires_in":7200}; then
  POST /cgi-bin/message/send?access_token=… with
  {"touser":"UserID","msgtype":"text","agentid":1000002,"text":{"content":"…"}} →
  {"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"…"}.
- group robot: POST /cgi-bin/webhook/send?key=KEY with
  {"msgtype":"text","text":{"content":"…","mentioned_mobile_list":["138…"]}}.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from duban.notify.channels.base import (
    Message,
    Outcome,
    Refused,
    Retry,
    TokenCache,
    get_json,
    option,
    post_json,
    text_of,
    timeout_of,
)
from duban.notify.channels.tokens import call_with_token, check

DEFAULT_BASE = "https://qyapi.weixin.qq.com"
# 企业微信 text messages hold at most 2048 bytes (application messages and robots alike).
MAX_BYTES = 2048
# 45009: the API's frequency limit; 45033: too many concurrent calls — both "later".
BUSY = frozenset({-1, 45009, 45033})


def _base(options: dict[str, Any]) -> str:
    return str(options.get("base_url") or DEFAULT_BASE).rstrip("/")


class WeComApp:
    def __init__(self, options: dict[str, Any], secrets: dict[str, Any], tokens: TokenCache):
        self.options, self.secrets, self.tokens = options, secrets, tokens

    def send(self, message: Message, address: str) -> Outcome:
        base, timeout = _base(self.options), timeout_of(self.options)
        corpid = option(self.options, "corpid", "企业ID（corpid）")
        agentid = option(self.options, "agentid", "应用AgentId")
        secret = option(self.secrets, "secret", "应用Secret")
        if not agentid.isdigit():
            raise Retry("应用AgentId应为数字")
        query = urllib.parse.urlencode({"corpid": corpid, "corpsecret": secret})
        payload = {
            "touser": address,
            "msgtype": "text",
            "agentid": int(agentid),
            "text": {"content": text_of(message, max_bytes=MAX_BYTES)},
            "safe": 0,
        }
        answer = call_with_token(
            get_token=lambda: get_json(f"{base}/cgi-bin/gettoken?{query}", timeout=timeout),
            tokens=self.tokens,
            call=lambda token: post_json(
                f"{base}/cgi-bin/message/send?access_token={urllib.parse.quote(token)}",
                payload,
                timeout=timeout,
            ),
        )
        check(answer, busy=BUSY)
        if answer.get("invaliduser"):
            raise Refused(f"接收人无效：{answer['invaliduser']}")
        return Outcome("delivered", str(answer.get("msgid", "")))


class WeComRobot:
    def __init__(self, options: dict[str, Any], secrets: dict[str, Any]):
        self.options, self.secrets = options, secrets

    def send(self, message: Message, address: str) -> Outcome:
        key = option(self.secrets, "key", "机器人Webhook密钥（key）")
        url = f"{_base(self.options)}/cgi-bin/webhook/send?key={urllib.parse.quote(key)}"
        text: dict[str, Any] = {"content": text_of(message, max_bytes=MAX_BYTES)}
        if address:
            text["mentioned_mobile_list"] = [address]
        answer = post_json(url, {"msgtype": "text", "text": text}, timeout=timeout_of(self.options))
        check(answer, busy=BUSY)
        return Outcome("delivered")
