"""The supervision pages (web/views/supervision.py): who sees what, 403, 405, the POST flows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.supervise import actions as sv
from duban.supervise import scores
from duban.supervise.models import Campaign, ScoreAppeal, SpotCheck
from duban.supervise.spotchecks import Filters
from duban.work import actions
from duban.work.models import EventKind, Task
from tests.conftest import County, at
from tests.work import flow

START = at("2026-03-02 09:00")
MARCH = "?period=2026-03"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def history(county: County) -> dict[str, Any]:
    """A: one task closed on time, one overdue; C: one closed; a spot check, a campaign."""
    c = county
    done = flow.task(c, START, co=[], due={"date": "2026-03-20"})
    late = flow.task(c, START, co=[], due={"date": "2026-03-13"})
    town = flow.task(c, START, lead=[c.c], co=[], due={"date": "2026-03-20"})
    for t, who in ((done, c.amy), (late, c.amy), (town, c.carl)):
        actions.receive(task=t, by=who, now=START)
    for t, who in ((done, c.amy), (town, c.carl)):
        actions.submit_done(task=t, text="完成", by=who, now=at("2026-03-10 09:00"))
        actions.verify(
            confirm_silent_co=True, task=t, accept=True, by=c.alice, now=at("2026-03-10 10:00")
        )
        actions.close(task=t, by=c.alice, now=at("2026-03-10 11:00"))
    check = sv.draw_spot_check(
        title="三月抽查", filters=Filters(), size=2, seed=7, by=c.alice, now=at("2026-03-20 09:00")
    )
    campaign = sv.create_campaign(
        title="营商环境专项督查",
        theme="",
        checklist=["窗口是否一次办结", "是否公开办事指南"],
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 30),
        units=[c.a, c.c],
        by=c.alice,
        now=at("2026-04-01 09:00"),
    )
    return {"done": done, "late": late, "town": town, "check": check, "campaign": campaign}


def pages(h: dict[str, Any], county: County) -> list[str]:
    return [
        "/supervise/today/",
        "/supervise/lines/",
        f"/supervise/lines/{county.leader_lily.pk}/",
        "/supervise/key/",
        "/supervise/spotchecks/",
        f"/supervise/spotchecks/{h['check'].pk}/",
        "/supervise/campaigns/",
        f"/supervise/campaigns/{h['campaign'].pk}/",
        f"/supervise/scores/{MARCH}",
        f"/supervise/scores/{county.a.pk}/{MARCH}",
        "/supervise/appeals/",
        "/supervise/settlement/?month=2026-03",
    ]


def test_the_office_sees_every_page(county: County, client_for: Any, history: Any) -> None:
    alice = client_for(county.alice)
    for url in pages(history, county):
        response = alice.get(url)
        assert response.status_code == 200, url
    assert alice.get("/supervise/").url == "/supervise/today/"


def test_who_may_not_see_what(county: County, client_for: Any, history: Any) -> None:
    office_only = pages(history, county)[:8]
    amy, sam = client_for(county.amy), client_for(county.sam)
    for url in office_only:
        assert amy.get(url).status_code == 403, url
    for url in pages(history, county):
        assert sam.get(url).status_code == 403, url  # 三员分立: no work data
    lily = client_for(county.lily)
    assert lily.get("/supervise/today/").status_code == 403  # the office's own inbox
    assert lily.get(f"/supervise/lines/{county.leader_wang.pk}/").status_code == 200
    assert lily.get("/supervise/").url == f"/supervise/lines/{county.leader_lily.pk}/"
    assert amy.get("/supervise/").url == "/supervise/scores/"


def test_a_liaison_sees_only_their_own_units_score_details(
    county: County, client_for: Any, history: Any
) -> None:
    carl = client_for(county.carl)
    assert carl.get(f"/supervise/scores/{county.a.pk}/{MARCH}").status_code == 403
    own = carl.get(f"/supervise/scores/{county.c.pk}/{MARCH}")
    assert own.status_code == 200 and "按期办结" in own.content.decode()
    board = carl.get(f"/supervise/scores/{MARCH}").content.decode()
    # Seeded rules: on time +1, and early (8 working days ahead) +0.5.
    assert "城关镇：101.50分" in board and "县发改局" not in board
    settlement = carl.get("/supervise/settlement/?month=2026-03").content.decode()
    assert "城关镇" in settlement and "县发改局" not in settlement


def test_the_score_page_shows_the_rule_text_and_each_deduction_with_its_task(
    county: County, client_for: Any, history: Any
) -> None:
    page = client_for(county.adam).get(f"/supervise/scores/{county.a.pk}/{MARCH}")
    html = page.content.decode()
    late = history["late"]
    assert late.code in html and "逾期未报送办结" in html
    assert "超过完成时限未报送办结" in html  # the rule's text (seeded 考评细则)
    assert "提交申诉" in html  # the unit head may appeal a deduction
    assert (
        "提交申诉"
        not in client_for(county.amy)
        .get(f"/supervise/scores/{county.a.pk}/{MARCH}")
        .content.decode()
    )  # a liaison may not


def test_an_appeal_and_its_decision_through_the_pages(
    county: County, client_for: Any, history: Any
) -> None:
    [item] = [
        i
        for r in scores.compute(scores.periods.parse("2026-03"), now=at("2026-11-01 09:00")).rows
        if r.unit == county.a
        for i in r.items
        if i.points < 0
    ]
    url = f"/supervise/scores/{county.a.pk}/appeal/{MARCH}"
    form = {"a-item_key": item.key, "a-reason": "该事项已于时限前报送纸质材料"}
    assert client_for(county.amy).post(url, form).status_code == 403
    response = client_for(county.adam).post(url, form)
    assert response.status_code == 302
    appeal = ScoreAppeal.objects.get()
    assert history["late"].events.filter(kind=EventKind.SCORE_APPEALED).exists()
    decide = f"/supervise/appeals/{appeal.pk}/decide/{MARCH}"
    body = {f"d{appeal.pk}-uphold": "0", f"d{appeal.pk}-reason": "未见纸质材料"}
    assert client_for(county.adam).post(decide, body).status_code == 403
    empty = client_for(county.alice).post(decide, {f"d{appeal.pk}-uphold": "0"})
    assert empty.status_code == 400 and "请填写裁定意见" in empty.content.decode()
    assert client_for(county.alice).post(decide, body).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "rejected"


def test_a_spot_check_through_the_pages(county: County, client_for: Any, history: Any) -> None:
    alice = client_for(county.alice)
    bad = alice.post("/supervise/spotchecks/new/", {"title": "抽查"})
    assert bad.status_code == 400 and "请填写样本量或抽查比例" in bad.content.decode()
    response = alice.post(
        "/supervise/spotchecks/new/",
        {"title": "再抽", "size": "1", "seed": "11", "units": [county.a.pk]},
    )
    check = SpotCheck.objects.get(title="再抽")
    assert response.url == f"/supervise/spotchecks/{check.pk}/"
    page = alice.get(response.url).content.decode()
    # The office sees 可复核 and a button; the command line and digests are the auditor's.
    assert "可复核" in page and "重新抽取核对" in page
    assert "duban spotcheck" not in page and check.population_digest not in page
    verified = alice.get(response.url + "?verify=1").content.decode()
    assert "已重新抽取：结果与记录一致（1项样本逐项相同）。" in verified
    # 三员: the auditor reads no supervision pages; the seed and digests stay checkable with
    # `duban spotcheck verify` (README).
    assert client_for(county.aud).get(response.url).status_code == 403
    item = check.items.get()
    url = f"/supervise/spotchecks/items/{item.pk}/finding/"
    assert client_for(county.amy).post(url, {f"i{item.pk}-verdict": "true"}).status_code == 403
    missing = alice.post(url, {f"i{item.pk}-verdict": "false"})
    assert missing.status_code == 400 and "请填写核查发现的问题" in missing.content.decode()
    done = alice.post(url, {f"i{item.pk}-verdict": "false", f"i{item.pk}-notes": "与实际不符"})
    assert done.status_code == 302
    task = Task.objects.get(pk=item.task_id)
    assert task.status == "in_progress"
    closed = alice.post(f"/supervise/spotchecks/{check.pk}/close/", {"summary": "抽1项，不属实1项"})
    assert closed.status_code == 302
    check.refresh_from_db()
    assert check.status == "closed"


def test_a_campaign_through_the_pages(county: County, client_for: Any, history: Any) -> None:
    alice = client_for(county.alice)
    created = alice.post(
        "/supervise/campaigns/new/",
        {
            "title": "河长制专项督查",
            "checklist": "巡河记录\n问题整改",
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-31",
            "task_codes": f"{history['late'].code}",
        },
    )
    c = Campaign.objects.get(title="河长制专项督查")
    assert created.url == f"/supervise/campaigns/{c.pk}/" and c.tasks.get() == history["late"]
    visit = {
        "unit": county.a.pk,
        "visited_on": "2026-05-06",
        "inspectors": "艾丽",
        "check_0": "done",
        "check_1": "not_done",
        "note_1": "两处问题未整改",
        "rectify": "on",
    }
    assert (
        client_for(county.lily).post(f"/supervise/campaigns/{c.pk}/visit/", visit).status_code
        == 403
    )
    ok = alice.post(f"/supervise/campaigns/{c.pk}/visit/", visit)
    assert ok.status_code == 302
    assert c.visits.get().rectification is not None
    page = alice.get(f"/supervise/campaigns/{c.pk}/").content.decode()
    assert "两处问题未整改" in page
    assert (
        alice.post(f"/supervise/campaigns/{c.pk}/close/", {"report": "督查报告正文"}).status_code
        == 302
    )
    c.refresh_from_db()
    assert (
        c.status == "closed"
        and "督查报告正文" in alice.get(f"/supervise/campaigns/{c.pk}/").content.decode()
    )


def test_key_items_through_the_pages(county: County, client_for: Any, history: Any) -> None:
    alice = client_for(county.alice)
    late = history["late"]
    unknown = alice.post("/supervise/key/mark/", {"code": "2026-9999-1", "reason": "重点"})
    assert unknown.status_code == 400 and "没有这个编号" in unknown.content.decode()
    assert (
        client_for(county.amy)
        .post("/supervise/key/mark/", {"code": late.code, "reason": "重点"})
        .status_code
        == 403
    )
    assert (
        alice.post("/supervise/key/mark/", {"code": late.code, "reason": "县长批示"}).status_code
        == 302
    )
    late.refresh_from_db()
    assert late.is_key
    assert late.code in client_for(county.lily).get("/supervise/key/").content.decode()
    assert alice.post(f"/supervise/key/{late.pk}/unmark/", {"reason": "已办结"}).status_code == 302
    late.refresh_from_db()
    assert not late.is_key


ACTION_URLS = [
    "/supervise/key/mark/",
    "/supervise/key/1/unmark/",
    "/supervise/spotchecks/new/",
    "/supervise/spotchecks/1/close/",
    "/supervise/spotchecks/items/1/finding/",
    "/supervise/scores/1/appeal/",
    "/supervise/appeals/1/decide/",
    "/supervise/campaigns/new/",
    "/supervise/campaigns/1/visit/",
    "/supervise/campaigns/1/close/",
]


@pytest.mark.parametrize("url", ACTION_URLS)
def test_every_action_url_refuses_get(county: County, client_for: Any, url: str) -> None:
    assert client_for(county.alice).get(url).status_code == 405


def test_the_leader_home_shows_key_items_first_and_links_the_line(
    county: County, client_for: Any, history: Any
) -> None:
    html = client_for(county.lily).get("/leader/").content.decode()
    assert html.index("重点督办事项") < html.index("红灯、黄灯事项")
    assert f"/ledger/?line={county.leader_lily.pk}&amp;status=open" in html


def test_the_line_page_reads_a_fixed_number_of_queries(
    county: County, client_for: Any, history: Any
) -> None:
    lily = client_for(county.lily)
    url = f"/supervise/lines/{county.leader_lily.pk}/"
    lily.get(url)
    with CaptureQueriesContext(connection) as few:
        lily.get(url)
    for i in range(6):
        flow.task(county, START, co=[], due={"date": "2026-03-04"}, is_key=i % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        lily.get(url)
    assert len(many) == len(few)


def test_the_line_page_hands_the_line_out_as_an_excel_ledger(
    county: County, client_for: Any, history: Any
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    c = county
    mine = flow.task(c, START, co=[], leader=c.leader_lily, content="李县长条线的在办事项")
    theirs = flow.task(c, START, lead=[c.c], co=[], leader=c.leader_wang, content="王县长条线事项")
    lily = client_for(c.lily)
    page = lily.get(f"/supervise/lines/{c.leader_lily.pk}/").content.decode()
    link = f"/ledger/export/?line={c.leader_lily.pk}&amp;status=open"
    assert link in page
    response = lily.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    ws = load_workbook(BytesIO(b"".join(response.streaming_content)))["督办台账"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    contents = [row[5] for row in rows]
    assert mine.content in contents and theirs.content not in contents
    # history: unit A (lily's line) has one open task left; the closed ones stay out.
    assert len(rows) == 2


def test_periods_and_dates_outside_working_years_are_refused_not_a_crash(
    county: County, client_for: Any
) -> None:
    amy = client_for(county.amy)
    page = amy.get("/supervise/scores/?period=0001-01", follow=True)
    assert page.status_code == 200 and "期间“0001-01”无效" in page.content.decode()
    alice = client_for(county.alice)
    bad = alice.post(
        "/supervise/spotchecks/new/",
        {"title": "抽查", "size": "1", "seed": "1", "closed_from": "0001-01-01"},
    )
    assert bad.status_code == 400 and "日期须在2000年至2100年之间" in bad.content.decode()
    assert not SpotCheck.objects.exists()


def test_a_tampered_spot_check_does_not_verify_on_the_page(
    county: County, client_for: Any, history: Any
) -> None:
    alice = client_for(county.alice)
    alice.post("/supervise/spotchecks/new/", {"title": "复核", "size": "1", "seed": "5"})
    check = SpotCheck.objects.get(title="复核")
    SpotCheck.objects.filter(pk=check.pk).update(population_digest="0" * 64)
    page = alice.get(f"/supervise/spotchecks/{check.pk}/?verify=1").content.decode()
    assert "重新抽取结果与记录不一致，请联系审计员核查。" in page
    assert "结果与记录一致（" not in page
