"""Tokens: issued by the system administrator, stored hashed, scoped, revocable, logged, limited."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from duban import crypto
from duban.api import tokens
from duban.api.models import ApiToken, Integration
from duban.audit.models import AccessKind, AccessLog
from duban.work.errors import Invalid, Refused
from tests.api.conftest import Caller
from tests.conftest import County
from tests.work import flow


def test_only_the_system_administrator_creates_tokens(county: County) -> None:
    with pytest.raises(Refused):
        tokens.create_integration(name="x", role="supervisor", by=county.alice)
    with pytest.raises(Invalid, match="须指定单位"):
        tokens.create_integration(name="x", role="liaison", by=county.sam)
    with pytest.raises(Invalid, match="只能以"):
        tokens.create_integration(name="x", role="secadmin", by=county.sam)


def test_it_stores_only_a_digest_and_the_account_cannot_sign_in(county: County) -> None:
    issued = tokens.create_integration(name="县政府OA", role="supervisor", by=county.sam)
    row = ApiToken.objects.get()
    assert issued.raw not in (row.digest, row.prefix)
    assert row.digest == hashlib.sha256(issued.raw.encode()).hexdigest()
    user = Integration.objects.get().user
    assert not user.has_usable_password()
    assert AccessLog.objects.filter(kind=AccessKind.ADMIN, user=county.sam).exists()


def test_a_missing_or_wrong_token_is_a_401_problem(county: County) -> None:
    r = Client().get("/api/v1/tasks")
    assert r.status_code == 401
    assert r["Content-Type"] == "application/problem+json"
    assert r["WWW-Authenticate"] == "Bearer"
    body = r.json()
    assert body["code"] == "unauthorized" and "令牌" in body["detail"]
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    r = Client(HTTP_AUTHORIZATION="Bearer dbn_00000000_wrong").get("/api/v1/tasks")
    assert r.status_code == 401
    assert AccessLog.objects.filter(kind=AccessKind.REFUSED, detail__contains="/api/v1/tasks")


def test_a_revoked_token_stops_at_once(county: County, city: Caller) -> None:
    assert city.get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get(integration__name="市督查平台")
    tokens.revoke_token(token=token, by=county.sam)
    assert city.get("/api/v1/me").status_code == 401


def test_every_call_is_access_logged(county: County, city: Caller) -> None:
    city.get("/api/v1/tasks", status="open")
    city.post("/api/v1/directives", {"kind": "other", "title": ""})
    rows = list(AccessLog.objects.filter(kind=AccessKind.API).order_by("id"))
    assert [r.detail.split(" -> ")[0] for r in rows] == [
        "GET /api/v1/tasks?status=open",
        "POST /api/v1/directives",
    ]
    assert rows[1].detail.startswith("POST /api/v1/directives -> 422 validation_error")
    assert rows[0].user == Integration.objects.get(name="市督查平台").user


def test_it_limits_calls_per_token(county: County) -> None:
    issued = tokens.create_integration(
        name="限流测试", role="auditor", rate_per_minute=3, by=county.sam
    )
    other = Caller(tokens.create_integration(name="另一个", role="auditor", by=county.sam).raw)
    caller = Caller(issued.raw)
    codes = [caller.get("/api/v1/me").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    if codes[3] == 200:  # the minute turned between the calls; the next one counts on
        codes = [caller.get("/api/v1/me").status_code for _ in range(4)]
    r = caller.get("/api/v1/me")
    assert r.status_code == 429
    assert r["Content-Type"] == "application/problem+json"
    assert 1 <= int(r["Retry-After"]) <= 60
    assert r.json()["code"] == "rate_limited" and "每分钟最多3次" in r.json()["detail"]
    assert other.get("/api/v1/me").status_code == 200  # per token


def test_a_unit_token_sees_and_acts_as_that_unit(
    county: County, city: Caller, oa_a: Caller, oa_b: Caller
) -> None:
    from django.utils import timezone

    mine = flow.task(county, timezone.now(), lead=[county.a], co=[], due={"workdays": 20})
    other = flow.task(county, timezone.now(), lead=[county.c], co=[], due={"workdays": 20})
    listed = oa_a.get("/api/v1/ledger").json()
    assert [t["id"] for t in listed["items"]] == [mine.pk]
    assert oa_a.get(f"/api/v1/tasks/{other.pk}").status_code == 404
    assert oa_a.get(f"/api/v1/tasks/{mine.pk}").json()["actions"] == ["receive", "return"]
    # Acting on another unit's task: refused by the action, with its Chinese message.
    r = oa_b.post(f"/api/v1/tasks/{mine.pk}/receive")
    assert r.status_code == 403
    assert r.json()["detail"] == "县财政局不是该事项的承办单位，无权签收。"
    # The office's actions are not a unit's.
    r = oa_a.post(f"/api/v1/tasks/{mine.pk}/close", {})
    assert r.status_code == 403 and r.json()["detail"] == "您（联络员）无权办结销号。"
    # A state the action refuses is a 409 with the action's message.
    oa_a.post(f"/api/v1/tasks/{mine.pk}/receive")
    r = oa_a.post(f"/api/v1/tasks/{mine.pk}/receive")
    assert r.status_code == 409 and r.json()["code"] == "state_conflict"
    assert "无需再签收" in r.json()["detail"]


def test_validation_errors_name_the_field_in_chinese(county: County, city: Caller) -> None:
    r = city.post(
        "/api/v1/directives",
        {"kind": "meeting", "title": "x" * 201, "tasks": [{"content": "做", "lead": []}]},
    )
    assert r.status_code == 422
    body = r.json()
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["title"] == "“标题”不能超过200个字符。"
    assert fields["tasks.0.lead"] == "第1项任务的“牵头单位”不能为空。"
    r = city.post(
        "/api/v1/directives",
        {
            "kind": "meeting",
            "title": "会议纪要",
            "tasks": [{"content": "做", "lead": ["无此单位"]}],
        },
    )
    assert r.status_code == 422
    assert r.json()["field"] == "tasks.0.lead"
    assert r.json()["detail"] == "第1项任务：单位“无此单位”不存在。"
    r = city.post(
        "/api/v1/directives",
        {
            "kind": "meeting",
            "title": "会议纪要",
            "tasks": [{"content": "做", "lead": ["fgj"], "due": "下辈子"}],
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "tasks.0.due"
    assert not city.get("/api/v1/directives").json()["items"]  # nothing half-registered
    r = city.client.post("/api/v1/directives", "{not json", content_type="application/json")
    assert r.status_code in (400, 422) and r["Content-Type"] == "application/problem+json"


def test_unknown_addresses_and_methods_are_problems(county: County, city: Caller) -> None:
    r = city.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = city.client.delete("/api/v1/tasks")
    assert r.status_code == 405 and r["Content-Type"] == "application/problem+json"


def test_an_oa_hands_over_a_document_with_its_attachments(county: County, city: Caller) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    meta = json.dumps(
        {
            "kind": "superior",
            "title": "关于做好冬季安全生产工作的通知",
            "doc_no": "云市安〔2026〕9号",
            "tasks": [
                {"content": "开展冬季安全生产大检查", "lead": ["县发改局"], "due": "2026-12-31"}
            ],
        }
    )
    pdf = SimpleUploadedFile("通知.pdf", b"%PDF-1.4 notice", content_type="application/pdf")
    r = city.form("/api/v1/directives/upload", {"directive": meta, "attachments": [pdf]})
    assert r.status_code == 201, r.content.decode()
    body = r.json()
    assert body["attachments"][0]["name"] == "通知.pdf"
    attachment = body["attachments"][0]
    # Recorded with SM3 at upload (issue 17 point 5), the same digest the download checks.
    assert attachment["algorithm"] == "sm3"
    assert attachment["digest"] == crypto.sm3(b"%PDF-1.4 notice")
    assert body["tasks"][0]["due"] == "2026-12-31"
    r = city.form("/api/v1/directives/upload", {"directive": '{"kind": "x"}'})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("directive.")


def test_the_command_creates_lists_and_revokes(county: County) -> None:
    out = StringIO()
    call_command(
        "apitoken",
        "create",
        "--by",
        "sam",
        "--name",
        "县发改局OA",
        "--role",
        "liaison",
        "--unit",
        "fgj",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("dbn_")
    assert Caller(raw).get("/api/v1/me").json()["unit"]["code"] == "fgj"
    out = StringIO()
    call_command("apitoken", "list", stdout=out)
    assert "县发改局OA：联络员 县发改局" in out.getvalue() and raw not in out.getvalue()
    call_command("apitoken", "revoke", raw[:12], "--by", "sam", stdout=StringIO())
    assert Caller(raw).get("/api/v1/me").status_code == 401


def _admin(client_for: Any, county: County) -> Client:
    return client_for(county.sam)  # type: ignore[no-any-return]


def test_the_sysadmin_page_issues_a_token_once(county: County) -> None:
    c = Client()
    c.force_login(county.sam)
    r = c.post(
        "/integrations/",
        {"name": "市督查平台", "role": "supervisor", "rate_per_minute": "60"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    raw = html.split('<code class="secret token">')[1].split("<")[0]
    assert Caller(raw).get("/api/v1/me").json()["integration"] == "市督查平台"
    assert raw not in c.get("/integrations/").content.decode()
    r = c.post("/integrations/", {"name": "市督查平台", "role": "supervisor"})
    assert r.status_code == 400 and "已有名为“市督查平台”的对接系统。" in r.content.decode()
    liaison = Client()
    liaison.force_login(county.amy)
    assert liaison.get("/integrations/").status_code == 403
