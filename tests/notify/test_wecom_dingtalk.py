"""企业微信/政务微信 and 钉钉 clients against a local receiver that checks the documented shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime
from typing import Any

import pytest

from duban.notify.channels import Message, Refused, Retry
from duban.notify.channels.dingtalk import DingTalkRobot, DingTalkWork
from duban.notify.channels.wecom import WeComApp, WeComRobot
from tests.notify.receivers import HttpReceiver, Request

MSG = Message(title="新交办事项：城东污水处理厂建设", body="请于6月30日前完成主体工程。")
TEXT = "新交办事项：城东污水处理厂建设\n请于6月30日前完成主体工程。"


class Tokens:
    """The token cache the worker keeps in the database, in memory."""

    def __init__(self, token: str | None = None):
        self.token = token
        self.puts = 0

    def get(self) -> str | None:
        return self.token

    def put(self, token: str, expires_at: datetime) -> None:
        self.token, self.puts = token, self.puts + 1

    def clear(self) -> None:
        self.token = None


class WeComServer:
    """企业微信's gettoken and message/send as documented; a token can be made to expire."""

    def __init__(self) -> None:
        self.issued = 0
        self.valid: set[str] = set()
        self.send_answer: Any = None

    def __call__(self, req: Request) -> Any:
        if req.path == "/cgi-bin/gettoken":
            assert req.method == "GET"
            if req.query != {"corpid": "ww1234567890", "corpsecret": "s3cr3t"}:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            self.issued += 1
            token = f"TOKEN{self.issued}"
            self.valid = {token}
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        if req.path == "/cgi-bin/message/send":
            assert req.method == "POST"
            assert req.headers["content-type"].startswith("application/json")
            if req.query.get("access_token") not in self.valid:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            assert req.json() == {
                "touser": "ZhangSan",
                "msgtype": "text",
                "agentid": 1000002,
                "text": {"content": TEXT},
                "safe": 0,
            }
            if self.send_answer is not None:
                return self.send_answer
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "MSG1"}
        return 404, {"errcode": 404}


def wecom_app(url: str, tokens: Tokens, timeout: float = 2) -> WeComApp:
    options = {"base_url": url, "corpid": "ww1234567890", "agentid": "1000002", "timeout": timeout}
    return WeComApp(options, {"secret": "s3cr3t"}, tokens)


def test_wecom_app_fetches_a_token_caches_it_and_sends() -> None:
    server, tokens = WeComServer(), Tokens()
    with HttpReceiver(server) as rx:
        app = wecom_app(rx.url, tokens)
        assert app.send(MSG, "ZhangSan").state == "delivered"
        assert app.send(MSG, "ZhangSan").external_id == "MSG1"
    paths = [r.path for r in rx.requests]
    assert paths == ["/cgi-bin/gettoken", "/cgi-bin/message/send", "/cgi-bin/message/send"]
    assert tokens.token == "TOKEN1" and tokens.puts == 1


def test_wecom_app_refreshes_an_expired_token_and_sends_once_more() -> None:
    server, tokens = WeComServer(), Tokens("OLD-TOKEN")  # cached, but the server expired it
    with HttpReceiver(server) as rx:
        assert wecom_app(rx.url, tokens).send(MSG, "ZhangSan").state == "delivered"
    assert [r.path for r in rx.requests] == [
        "/cgi-bin/message/send",  # 42001
        "/cgi-bin/gettoken",
        "/cgi-bin/message/send",
    ]
    assert rx.requests[-1].query["access_token"] == "TOKEN1" == tokens.token


def test_wecom_app_retries_on_5xx_and_on_busy() -> None:
    server = WeComServer()
    with HttpReceiver(server) as rx:
        server.send_answer = (502, {"errcode": -1})
        with pytest.raises(Retry, match="HTTP 502"):
            wecom_app(rx.url, Tokens()).send(MSG, "ZhangSan")
        server.send_answer = (200, {"errcode": -1, "errmsg": "system busy"})
        with pytest.raises(Retry, match="errcode=-1"):
            wecom_app(rx.url, Tokens()).send(MSG, "ZhangSan")


def test_wecom_app_timeout_is_a_retry() -> None:
    server = WeComServer()
    with HttpReceiver(server) as rx:
        server.send_answer = "hang"
        started = time.monotonic()
        with pytest.raises(Retry, match="超时"):
            wecom_app(rx.url, Tokens(), timeout=0.5).send(MSG, "ZhangSan")
        assert time.monotonic() - started < 3


def test_wecom_app_refusal_and_unknown_user_are_refused() -> None:
    server = WeComServer()
    with HttpReceiver(server) as rx:
        server.send_answer = (200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"})
        with pytest.raises(Refused, match="81013"):
            wecom_app(rx.url, Tokens()).send(MSG, "ZhangSan")
        server.send_answer = (200, {"errcode": 0, "errmsg": "ok", "invaliduser": "ZhangSan"})
        with pytest.raises(Refused, match="接收人无效"):
            wecom_app(rx.url, Tokens()).send(MSG, "ZhangSan")


def test_wecom_app_wrong_secret_waits_for_the_administrator() -> None:
    with HttpReceiver(WeComServer()) as rx:
        app = WeComApp(
            {"base_url": rx.url, "corpid": "ww1234567890", "agentid": "1000002"},
            {"secret": "wrong"},
            Tokens(),
        )
        with pytest.raises(Retry, match="40001"):
            app.send(MSG, "ZhangSan")


def test_wecom_robot_posts_to_the_webhook_with_the_mention() -> None:
    def respond(req: Request) -> Any:
        assert (req.method, req.path, req.query) == (
            "POST",
            "/cgi-bin/webhook/send",
            {"key": "K-1"},
        )
        assert req.json() == {
            "msgtype": "text",
            "text": {"content": TEXT, "mentioned_mobile_list": ["13800000001"]},
        }
        return 200, {"errcode": 0, "errmsg": "ok"}

    with HttpReceiver(respond) as rx:
        robot = WeComRobot({"base_url": rx.url}, {"key": "K-1"})
        assert robot.send(MSG, "13800000001").state == "delivered"
    assert len(rx.requests) == 1


# ---------------------------------------------------------------- 钉钉


def test_dingtalk_work_notice_with_token_expiry() -> None:
    issued: list[str] = []

    def respond(req: Request) -> Any:
        if req.path == "/gettoken":
            assert req.query == {"appkey": "dingabc", "appsecret": "dsecret"}
            issued.append(f"DT{len(issued) + 1}")
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": issued[-1],
                "expires_in": 7200,
            }
        assert req.path == "/topapi/message/corpconversation/asyncsend_v2"
        if not issued or req.query["access_token"] != issued[-1]:
            return 200, {"errcode": 40014, "errmsg": "不合法的access_token"}
        assert req.json() == {
            "agent_id": 8888,
            "userid_list": "user001",
            "msg": {"msgtype": "text", "text": {"content": TEXT}},
        }
        return 200, {"errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "x"}

    tokens = Tokens("STALE")
    with HttpReceiver(respond) as rx:
        work = DingTalkWork(
            {"base_url": rx.url, "appkey": "dingabc", "agent_id": "8888"},
            {"appsecret": "dsecret"},
            tokens,
        )
        outcome = work.send(MSG, "user001")
    assert (outcome.state, outcome.external_id) == ("sent", "256271667526")
    assert [r.path for r in rx.requests] == [
        "/topapi/message/corpconversation/asyncsend_v2",
        "/gettoken",
        "/topapi/message/corpconversation/asyncsend_v2",
    ]
    assert tokens.token == "DT1"


def test_dingtalk_robot_signs_as_documented() -> None:
    secret = "SEC1234567890abcdef"

    def respond(req: Request) -> Any:
        assert (req.method, req.path) == ("POST", "/robot/send")
        assert req.query["access_token"] == "robot-token"
        ts = req.query["timestamp"]
        assert abs(int(ts) - time.time() * 1000) < 60_000
        # The documented recipe: HMAC-SHA256 over "timestamp\nsecret", keyed with the
        # secret, base64, then urlencoded (the query parser has decoded it once already).
        mac = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        if req.query["sign"] != base64.b64encode(mac).decode():
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        assert req.json() == {
            "msgtype": "text",
            "text": {"content": f"{TEXT}\n@13800000001"},
            "at": {"atMobiles": ["13800000001"], "isAtAll": False},
        }
        return 200, {"errcode": 0, "errmsg": "ok"}

    with HttpReceiver(respond) as rx:
        robot = DingTalkRobot(
            {"base_url": rx.url}, {"access_token": "robot-token", "sign_secret": secret}
        )
        assert robot.send(MSG, "13800000001").state == "delivered"
        bad = DingTalkRobot(
            {"base_url": rx.url}, {"access_token": "robot-token", "sign_secret": "x"}
        )
        with pytest.raises(Refused, match="310000"):
            bad.send(MSG, "13800000001")


def test_dingtalk_robot_rate_limit_answer_is_a_retry() -> None:
    with HttpReceiver(lambda req: (200, {"errcode": 130101, "errmsg": "send too fast"})) as rx:
        robot = DingTalkRobot({"base_url": rx.url}, {"access_token": "t"})
        with pytest.raises(Retry, match="130101"):
            robot.send(MSG, "")


def test_wecom_text_is_cut_to_2048_bytes() -> None:
    long = Message(title="督办通知", body="进展情况" * 400)  # 4,800 bytes

    def respond(req: Request) -> Any:
        content = req.json()["text"]["content"]
        assert len(content.encode("utf-8")) <= 2048 and content.endswith("…")
        return 200, {"errcode": 0, "errmsg": "ok"}

    with HttpReceiver(respond) as rx:
        assert WeComRobot({"base_url": rx.url}, {"key": "K"}).send(long, "").state == "delivered"
