"""SMS: the generic gateway template, 阿里云 dysms and 腾讯云 SendSms, against local receivers."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from duban.notify.channels import Message, Refused, Retry
from duban.notify.channels.sms import SmsChannel, aliyun_signature, segments
from tests.notify.receivers import HttpReceiver, Request

MSG = Message(title="催办：城东污水处理厂建设", body="请于3日内报送进展情况。")


def test_aliyun_signature_matches_the_documented_example() -> None:
    # The worked example of 阿里云短信's "签名机制" page (AccessKeySecret testSecret).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_long_text_goes_in_numbered_70_character_segments() -> None:
    assert segments("短" * 70) == ["短" * 70]
    parts = segments("长" * 150)
    assert len(parts) == 3 and all(len(p) <= 70 for p in parts)
    assert [p[:5] for p in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert "".join(p[5:] for p in parts) == "长" * 150
    cut = segments("长" * 1000, limit=3)
    assert len(cut) == 3 and cut[-1].endswith("…")


def test_aliyun_request_is_signed_and_carries_the_template() -> None:
    def respond(req: Request) -> Any:
        q = dict(req.query)
        assert req.method == "GET" and req.path == "/"
        signature = q.pop("Signature")
        assert signature == aliyun_signature(q, "ak-secret")
        assert q["Action"] == "SendSms" and q["Version"] == "2017-05-25"
        assert (q["PhoneNumbers"], q["SignName"], q["TemplateCode"]) == (
            "13800000001",
            "云溪县政府办",
            "SMS_123456",
        )
        assert json.loads(q["TemplateParam"]) == {
            "content": "催办：城东污水处理厂建设：请于3日内报送进展情况。"
        }
        if q["PhoneNumbers"] == "13800000001":
            return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}
        return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}

    options = {
        "preset": "aliyun",
        "endpoint": "",
        "access_key_id": "ak-id",
        "sign_name": "云溪县政府办",
        "template_id": "SMS_123456",
    }
    with HttpReceiver(respond) as rx:
        options["endpoint"] = rx.url + "/"
        outcome = SmsChannel(options, {"access_key_secret": "ak-secret"}).send(MSG, "13800000001")
    assert (outcome.state, outcome.external_id) == ("sent", "900619746936498440^0")


def test_aliyun_refusal_and_throttling() -> None:
    answers = iter(
        [
            (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
            (200, {"Code": "Throttling.User", "Message": "flow control"}),
            (503, {}),
        ]
    )
    with HttpReceiver(lambda req: next(answers)) as rx:
        sms = SmsChannel(
            {
                "preset": "aliyun",
                "endpoint": rx.url,
                "access_key_id": "a",
                "sign_name": "s",
                "template_id": "t",
            },
            {"access_key_secret": "k"},
        )
        with pytest.raises(Refused, match="MOBILE_NUMBER_ILLEGAL"):
            sms.send(MSG, "1")
        with pytest.raises(Retry, match="Throttling"):
            sms.send(MSG, "13800000001")
        with pytest.raises(Retry, match="HTTP 503"):
            sms.send(MSG, "13800000001")


def test_tencent_request_carries_a_valid_tc3_signature() -> None:
    def respond(req: Request) -> Any:
        # Checked step by step as Tencent Cloud's "签名方法 v3" page describes it.
        h = req.headers
        assert (h["x-tc-action"], h["x-tc-version"], h["x-tc-region"]) == (
            "SendSms",
            "2021-01-11",
            "ap-guangzhou",
        )
        ts = int(h["x-tc-timestamp"])
        day = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
        canonical = (
            f"POST\n/\n\ncontent-type:{h['content-type']}\nhost:{h['host']}\n\n"
            f"content-type;host\n{hashlib.sha256(req.body).hexdigest()}"
        )
        to_sign = (
            f"TC3-HMAC-SHA256\n{ts}\n{day}/sms/tc3_request\n"
            f"{hashlib.sha256(canonical.encode()).hexdigest()}"
        )
        k = hmac.new(b"TC3tc-key", day.encode(), hashlib.sha256).digest()
        k = hmac.new(k, b"sms", hashlib.sha256).digest()
        k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
        sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        assert h["authorization"] == (
            f"TC3-HMAC-SHA256 Credential=AKIDtc/{day}/sms/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={sig}"
        )
        assert req.json() == {
            "PhoneNumberSet": ["+8613800000001"],
            "SmsSdkAppId": "1400000001",
            "SignName": "云溪县政府办",
            "TemplateId": "449739",
            "TemplateParamSet": ["催办：城东污水处理厂建设：请于3日内报送进展情况。"],
        }
        return 200, {
            "Response": {
                "SendStatusSet": [{"SerialNo": "5000:1045710669157053657849499619", "Code": "Ok"}],
                "RequestId": "a0aabda6",
            }
        }

    with HttpReceiver(respond) as rx:
        sms = SmsChannel(
            {
                "preset": "tencent",
                "endpoint": rx.url,
                "secret_id": "AKIDtc",
                "sdk_app_id": "1400000001",
                "sign_name": "云溪县政府办",
                "template_id": "449739",
            },
            {"secret_key": "tc-key"},
        )
        assert sms.send(MSG, "13800000001").external_id.startswith("5000:")


def test_tencent_error_response_is_refused() -> None:
    answer = {
        "Response": {
            "Error": {
                "Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                "Message": "模板未审批",
            }
        }
    }
    with HttpReceiver(lambda req: (200, answer)) as rx:
        sms = SmsChannel(
            {
                "preset": "tencent",
                "endpoint": rx.url,
                "secret_id": "i",
                "sdk_app_id": "1",
                "sign_name": "s",
                "template_id": "t",
            },
            {"secret_key": "k"},
        )
        with pytest.raises(Refused, match="TemplateIncorrectOrUnapproved"):
            sms.send(MSG, "13800000001")


def test_generic_gateway_template_with_md5_signature_and_segments() -> None:
    long = Message(title="督办通知", body="请" + "按时报送进展情况" * 12)

    def respond(req: Request) -> Any:
        assert req.method == "POST" and req.path == "/sms/send"
        f = req.form()
        sign = f.pop("sign")
        joined = "&".join(f"{k}={v}" for k, v in sorted(f.items()))
        assert sign == hashlib.md5(f"{joined}&key=gw-key".encode()).hexdigest().upper()
        assert (f["account"], f["phone"], f["tpl"]) == ("yxx", "13800000001", "T100")
        assert len(f["text"]) <= 70
        return 200, {"code": 0, "msg": "ok", "msgid": f"m{len(received)}"}

    received = []
    with HttpReceiver(respond) as rx:
        received = rx.requests
        sms = SmsChannel(
            {
                "preset": "generic",
                "url": rx.url + "/sms/send",
                "method": "POST",
                "format": "form",
                "account": "yxx",
                "template_id": "T100",
                "fields": {
                    "account": "{account}",
                    "phone": "{mobile}",
                    "text": "{content}",
                    "tpl": "{template_id}",
                    "ts": "{timestamp}",
                },
                "sign_method": "md5",
                "sign_param": "sign",
                "success_field": "code",
                "success_value": "0",
            },
            {"sign_key": "gw-key"},
        )
        outcome = sms.send(long, "13800000001")
    texts = [r.form()["text"] for r in received]
    assert len(texts) == 2 and texts[0].startswith("(1/2)督办通知：请按时")
    assert outcome.state == "sent"


def test_generic_gateway_failure_code_is_refused() -> None:
    with HttpReceiver(lambda req: (200, {"code": 1004, "msg": "余额不足"})) as rx:
        sms = SmsChannel(
            {"url": rx.url, "fields": {"m": "{mobile}", "c": "{content}"}, "format": "json"}, {}
        )
        with pytest.raises(Refused, match="余额不足"):
            sms.send(MSG, "13800000001")
    assert rx.requests[0].json() == {
        "m": "13800000001",
        "c": "催办：城东污水处理厂建设：请于3日内报送进展情况。",
    }
