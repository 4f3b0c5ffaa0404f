"""The three administrators' pages through the test client: forms, messages, the log."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from duban.audit.access import record
from duban.audit.models import AccessKind, AccessLog
from duban.org.loader import dump
from duban.org.models import Leader, Role, UnitAlias, UnitGroup, User
from tests.conftest import County


def test_the_sysadmin_creates_a_user_and_sees_the_one_time_password(
    county: County, client_for: Any
) -> None:
    sam = client_for(county.sam)
    bad = sam.post("/sysadmin/users/new/", {"username": "", "full_name": "", "unit": ""})
    html = bad.content.decode()
    assert "请填写用户名" in html and "请填写姓名" in html and "请选择所在单位" in html
    page = sam.post(
        "/sysadmin/users/new/", {"username": "liu", "full_name": "刘一", "unit": county.b.pk}
    )
    password = re.search(r'class="temp-password">([^<]+)<', page.content.decode()).group(1)
    user = User.objects.get(username="liu")
    assert user.check_password(password) and user.must_change_password
    taken = sam.post(
        "/sysadmin/users/new/", {"username": "liu", "full_name": "刘二", "unit": county.b.pk}
    )
    assert "已被使用" in taken.content.decode()


def test_the_sysadmin_adds_an_alias_the_ledger_import_asked_for(
    county: County, client_for: Any
) -> None:
    sam = client_for(county.sam)
    response = sam.post(f"/sysadmin/units/{county.b.pk}/aliases/", {"alias": "财政"})
    assert response.status_code == 302
    assert UnitAlias.objects.filter(unit=county.b, alias="财政").exists()
    page = sam.get(f"/sysadmin/units/{county.b.pk}/").content.decode()
    assert "财政" in page
    again = sam.post(f"/sysadmin/units/{county.a.pk}/aliases/", {"alias": "财政"}, follow=True)
    assert "已被其他单位或分组使用" in again.content.decode()


def test_the_sysadmin_edits_a_group_and_a_leaders_line(county: County, client_for: Any) -> None:
    sam = client_for(county.sam)
    group = UnitGroup.objects.get()
    sam.post(f"/sysadmin/groups/{group.pk}/", {"name": group.name, "members": [county.c.pk]})
    assert list(group.members.all()) == [county.c]
    sam.post(
        f"/sysadmin/leaders/{county.leader_wang.pk}/",
        {
            "code": "wang",
            "name": "王刚",
            "title": "常务副县长",
            "units": [county.c.pk, county.d.pk],
        },
    )
    wang = Leader.objects.get(code="wang")
    assert wang.title == "常务副县长" and set(wang.units.all()) == {county.c, county.d}


def test_the_org_file_page_exports_and_imports(county: County, client_for: Any) -> None:
    sam = client_for(county.sam)
    exported = sam.get("/sysadmin/org/export/")
    assert exported["Content-Disposition"].startswith("attachment;")
    text = exported.content.decode()
    assert text == dump()
    changed = text.replace("- 发改局", "- 发改局\n  - 发展改革局")
    upload = SimpleUploadedFile("org.yaml", changed.encode(), content_type="text/yaml")
    assert sam.post("/sysadmin/org/", {"file": upload}).status_code == 302
    assert UnitAlias.objects.filter(alias="发展改革局").exists()
    broken = SimpleUploadedFile("org.yaml", b"units: [", content_type="text/yaml")
    page = sam.post("/sysadmin/org/", {"file": broken}).content.decode()
    assert "YAML格式错误" in page
    gbk = SimpleUploadedFile("org.yaml", "单位".encode("gbk"), content_type="text/yaml")
    assert "UTF-8" in sam.post("/sysadmin/org/", {"file": gbk}).content.decode()


def test_the_secadmin_gives_a_role_on_the_page(county: County, client_for: Any) -> None:
    sec = client_for(county.sec)
    missing = sec.post(f"/secadmin/users/{county.alice.pk}/", {"role": "liaison", "unit": ""})
    assert "须选择所在单位" in missing.content.decode()
    ok = sec.post(f"/secadmin/users/{county.bob.pk}/", {"role": "supervisor", "unit": ""})
    assert ok.status_code == 302
    county.bob.refresh_from_db()
    assert county.bob.role == Role.SUPERVISOR
    own = sec.get(f"/secadmin/users/{county.sec.pk}/").content.decode()
    assert "不能修改自己的角色" in own and 'name="role"' not in own


def test_the_secadmin_saves_the_policy_and_a_bad_value_is_named(
    county: County, client_for: Any
) -> None:
    sec = client_for(county.sec)
    form = {
        "min_length": "10",
        "min_classes": "3",
        "expiry_days": "90",
        "history_count": "5",
        "idle_minutes": "15",
        "absolute_hours": "8",
        "lockout_threshold": "5",
        "lockout_minutes": "30",
        "ip_failure_limit": "20",
        "mfa_roles": ["supervisor"],  # not the secadmin: this client has no second factor
        "ip_sysadmin": "10.1.0.0/16",
    }
    assert sec.post("/secadmin/policy/", form).status_code == 302
    page = sec.get("/secadmin/policy/").content.decode()
    assert 'value="15"' in page and "10.1.0.0/16" in page
    bad = sec.post("/secadmin/policy/", form | {"idle_minutes": "abc"}).content.decode()
    assert "空闲超时须为1至240之间的整数" in bad
    bad_ip = sec.post("/secadmin/policy/", form | {"ip_auditor": "10.1.2"}).content.decode()
    assert "不是有效的地址或网段" in bad_ip and 'value="15"' in bad_ip


def test_the_auditor_lands_on_the_log_and_filters_it(county: County, client_for: Any) -> None:
    aud = client_for(county.aud)
    assert aud.get("/")["Location"] == "/audit/"
    record(AccessKind.LOGIN_FAILED, username="mallory", ip="10.6.6.6")
    record(AccessKind.VIEW, user=county.amy, target="task:1", detail="2026-001-1")
    page = aud.get("/audit/?outcome=failed").content.decode()
    assert "完整性校验通过" in page and "mallory" in page and "task:1" not in page
    page = aud.get("/audit/?view=reads&who=amy").content.decode()
    assert "task:1" in page and "mallory" not in page


def test_the_auditor_sees_a_tampered_row_on_the_page(county: County, client_for: Any) -> None:
    record(AccessKind.VIEW, user=county.amy, target="task:1")
    record(AccessKind.VIEW, user=county.amy, target="task:2")
    with connection.cursor() as c:
        c.execute("UPDATE audit_accesslog SET username = 'bob' WHERE target = 'task:1'")
    page = client_for(county.aud).get("/audit/").content.decode()
    assert "完整性校验失败" in page and "内容被改动" in page


def test_the_export_is_logged_and_safe_to_open(county: County, client_for: Any) -> None:
    aud = client_for(county.aud)
    record(AccessKind.LOGIN_FAILED, username='=HYPERLINK("http://x","y")')
    xlsx = aud.get("/audit/export/?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # no formula (ASVS 1.2.10)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)
    text = aud.get("/audit/export/?format=csv&outcome=failed").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "序号" and rows[1][4].startswith("'=")
    assert AccessLog.objects.filter(kind=AccessKind.EXPORT, user=county.aud).count() == 2


def test_reading_a_task_and_an_attachment_reaches_the_auditor(
    county: County, client_for: Any
) -> None:
    from django.core.files.base import ContentFile

    from duban.work import actions
    from tests.conftest import at
    from tests.work import flow

    now = at("2026-03-02 09:00")
    task = flow.task(county, now)
    actions.receive(task=task, by=county.amy, now=now)
    report = actions.report_progress(
        task=task, text="x", by=county.amy, now=now, attachments=[ContentFile(b"1", name="a.txt")]
    )
    amy = client_for(county.amy)
    amy.get(f"/tasks/{task.pk}/")
    response = amy.get(f"/attachments/{report.event.attachments.get().pk}/")
    b"".join(response.streaming_content)
    page = client_for(county.aud).get("/audit/?view=reads").content.decode()
    assert f"task:{task.pk}" in page and "下载附件" in page
