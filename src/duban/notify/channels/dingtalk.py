"""钉钉 (and 浙政钉-style private deployments on their own host): work notices and robots.

- work notice: GET /gettoken?appkey=KEY&appsecret=SECRET →
  {"errcode":0,"access_token":…,"expires_in":7200}; then
  POST /topapi/message/corpconversation/asyncsend_v2?access_token=… with
  {"agent_id":123,"userid_list":"user1","msg":{"msgtype":"text","text":{"content":"…"}}}
  → {"errcode":0,"task_id":…}. The send is asynchronous, so the outcome is "sent".
- group robot, signed: POST /robot/send?access_token=T&timestamp=MS&sign=S where
  S = urlencode(base64(HMAC-SHA256(key=secret, msg="MS\\nsecret"))), with
  {"msgtype":"text","text":{"content":"… @138…"},"at":{"atMobiles":["138…"]}}.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

from duban.notify.channels.base import (
    Message,
    Outcome,
    Retry,
    TokenCache,
    get_json,
    option,
    post_json,
    text_of,
    timeout_of,
)
from duban.notify.channels.tokens import call_with_token, check

DEFAULT_BASE = "https://oapi.dingtalk.com"
# -1 系统繁忙; 130101 the robot's 20-per-minute limit; 90018 the API's frequency limit.
BUSY = frozenset({-1, 130101, 90018})


def _base(options: dict[str, Any]) -> str:
    return str(options.get("base_url") or DEFAULT_BASE).rstrip("/")


def robot_sign(secret: str, timestamp_ms: int) -> str:
    """The signed robot's `sign` parameter, already urlencoded as the documentation shows."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


class DingTalkWork:
    def __init__(self, options: dict[str, Any], secrets: dict[str, Any], tokens: TokenCache):
        self.options, self.secrets, self.tokens = options, secrets, tokens

    def send(self, message: Message, address: str) -> Outcome:
        base, timeout = _base(self.options), timeout_of(self.options)
        appkey = option(self.options, "appkey", "应用AppKey")
        agent_id = option(self.options, "agent_id", "应用AgentId")
        secret = option(self.secrets, "appsecret", "应用AppSecret")
        if not agent_id.isdigit():
            raise Retry("应用AgentId应为数字")
        query = urllib.parse.urlencode({"appkey": appkey, "appsecret": secret})
        payload = {
            "agent_id": int(agent_id),
            "userid_list": address,
            "msg": {"msgtype": "text", "text": {"content": text_of(message)}},
        }
        path = "/topapi/message/corpconversation/asyncsend_v2"
        answer = call_with_token(
            get_token=lambda: get_json(f"{base}/gettoken?{query}", timeout=timeout),
            tokens=self.tokens,
            call=lambda token: post_json(
                f"{base}{path}?access_token={urllib.parse.quote(token)}", payload, timeout=timeout
            ),
        )
        check(answer, busy=BUSY)
        return Outcome("sent", str(answer.get("task_id", "")))


class DingTalkRobot:
    def __init__(self, options: dict[str, Any], secrets: dict[str, Any]):
        self.options, self.secrets = options, secrets

    def send(self, message: Message, address: str) -> Outcome:
        token = option(self.secrets, "access_token", "机器人access_token")
        url = f"{_base(self.options)}/robot/send?access_token={urllib.parse.quote(token)}"
        secret = str(self.secrets.get("sign_secret") or "")
        if secret:  # the 加签 security setting; without it the robot must use keywords or IPs
            ts = int(time.time() * 1000)
            url += f"&timestamp={ts}&sign={robot_sign(secret, ts)}"
        content = text_of(message)
        payload: dict[str, Any] = {"msgtype": "text", "text": {"content": content}}
        if address:
            payload["text"]["content"] = f"{content}\n@{address}"
            payload["at"] = {"atMobiles": [address], "isAtAll": False}
        answer = post_json(url, payload, timeout=timeout_of(self.options))
        check(answer, busy=BUSY)
        return Outcome("delivered")
