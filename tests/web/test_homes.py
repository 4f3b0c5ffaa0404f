"""The liaison's home (本单位事项) and the leader's home (我的分管), and their selectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.coordination.tick import tick
from duban.work import actions, homes
from duban.work.models import Task
from tests.conftest import County, at
from tests.work import flow

FAR = {"date": "2030-06-30"}


def now() -> Any:
    return timezone.now()


def overdue(county: County, content: str, **kw: Any) -> Task:
    """A task whose deadline passed two days ago, lit red by tick."""
    t = flow.task(
        county,
        now() - timedelta(days=30),
        due={"date": (timezone.localdate() - timedelta(days=2)).isoformat()},
        content=content,
        **kw,
    )
    tick(now=now())
    t.refresh_from_db()
    return t


# ---------------------------------------------------------------- who may open them


def test_each_home_is_for_its_roles(county: County, client_for: Any) -> None:
    for who, unit_home, leader_home in [
        ("amy", 200, 403),
        ("adam", 200, 403),
        ("bob", 200, 403),
        ("lily", 403, 200),
        ("wang", 403, 200),
        ("alice", 403, 403),
        ("aud", 403, 403),
        ("sam", 403, 403),
    ]:
        c = client_for(getattr(county, who))
        assert c.get("/unit/").status_code == unit_home, who
        assert c.get("/leader/").status_code == leader_home, who


def test_signed_out_visitors_are_sent_to_sign_in(client: Any, county: County) -> None:
    for path in ("/unit/", "/leader/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


# ---------------------------------------------------------------- the liaison's home


def test_tasks_to_receive_with_a_button_each(county: County, client_for: Any) -> None:
    t = flow.task(county, now(), due=FAR, content="城东片区排水改造")
    amy = client_for(county.amy).get("/unit/").content.decode()
    assert "待签收（1）" in amy and "城东片区排水改造" in amy
    assert f'action="/tasks/{t.pk}/receive/"' in amy and 'name="next" value="unit_home"' in amy
    bob = client_for(county.bob).get("/unit/").content.decode()  # the co-unit receives too
    assert "待签收（1）" in bob and "城东片区排水改造" in bob
    carl = client_for(county.carl).get("/unit/").content.decode()
    assert "城东片区排水改造" not in carl and "待签收（0）" in carl
    actions.receive(task=t, by=county.amy, now=now())
    amy = client_for(county.amy).get("/unit/").content.decode()
    assert "待签收（0）" in amy and "本单位在办事项（1）" in amy


def test_reports_due_this_week(county: County) -> None:
    monday = at("2026-03-02 09:00")  # a Monday
    weekly = flow.task(county, monday, due=FAR, cycle="weekly", cycle_day=5, content="每周五")
    monthly = flow.task(county, monday, due=FAR, cycle="monthly", cycle_day=20, content="每月")
    flow.task(county, monday, due=FAR, content="不定期")
    co_only = flow.task(county, monday, due=FAR, cycle="weekly", lead=[county.b], co=[county.a])
    for t in (weekly, monthly, co_only):
        actions.receive(task=t, by=county.amy, now=monday)

    def due_on(today: date) -> list[tuple[str, date, bool]]:
        rows = homes.reports_due_this_week(county.amy, today=today)
        return [(r.task.content, r.slot, r.late) for r in rows]

    # Week 1: Friday's report is due; the monthly one (20 March) is not this week.
    assert due_on(date(2026, 3, 3)) == [("每周五", date(2026, 3, 6), False)]
    # Week 3: the monthly slot falls this week, and the weekly one missed twice shows the
    # earliest missed slot, late.
    assert due_on(date(2026, 3, 16)) == [
        ("每周五", date(2026, 3, 6), True),
        ("每月", date(2026, 3, 20), False),
    ]
    # A report fills the missed slot first; the next missed one is still owed.
    actions.report_progress(task=weekly, text="补报", by=county.amy, now=at("2026-03-16 10:00"))
    assert due_on(date(2026, 3, 16))[0] == ("每周五", date(2026, 3, 13), True)
    # Only the lead unit owes reports: bob's unit leads co_only, amy's does not.
    assert [r.task for r in homes.reports_due_this_week(county.bob, today=date(2026, 3, 3))] == [
        co_only
    ]


def test_reports_due_appear_on_the_page(county: County, client_for: Any) -> None:
    t = flow.task(
        county, now() - timedelta(days=10), due=FAR, cycle="weekly", cycle_day=7, content="周报"
    )
    actions.receive(task=t, by=county.amy, now=now())
    html = client_for(county.amy).get("/unit/").content.decode()
    assert "本周应报进展（1）" in html and "周报" in html and "已逾期，请补报" in html
    assert f'href="/tasks/{t.pk}/?open=report#act-report"' in html
    assert "本周应报进展（0）" in client_for(county.bob).get("/unit/").content.decode()


def test_tasks_sent_back_and_extensions_refused(county: County, client_for: Any) -> None:
    back = flow.task(county, now(), due=FAR, content="被退回重办的事项")
    actions.receive(task=back, by=county.amy, now=now())
    actions.submit_done(task=back, text="已完成", by=county.amy, now=now())
    actions.verify(
        confirm_silent_co=True,
        task=back,
        accept=False,
        reason="缺少验收材料",
        by=county.alice,
        now=now(),
    )
    actions.urge(task=back, message="请尽快补充", by=county.alice, now=now())  # still listed

    refused = flow.task(county, now(), due=FAR, content="延期未获同意的事项")
    actions.receive(task=refused, by=county.amy, now=now())
    req = actions.request_extension(
        task=refused, new_due=date(2030, 9, 30), reason="汛期", by=county.amy, now=now()
    )
    actions.decide_extension(
        request=req, approve=False, reason="理由不充分", by=county.alice, now=now()
    )

    assert list(homes.sent_back(county.amy)) == [back]
    assert homes.sent_back(county.amy)[0].back_reason == "缺少验收材料"
    assert [e.task for e in homes.rejected_extensions(county.amy)] == [refused]
    html = client_for(county.amy).get("/unit/").content.decode()
    assert "被退回的事项（2）" in html
    for text in ("被退回重办的事项", "缺少验收材料", "延期未获同意的事项", "理由不充分"):
        assert text in html, text
    # the co-unit and other units are not told
    assert not homes.sent_back(county.bob) and not homes.rejected_extensions(county.bob)
    assert "被退回的事项（0）" in client_for(county.carl).get("/unit/").content.decode()

    # Resubmitted: no longer returned to us. A new request supersedes the refusal.
    actions.submit_done(task=back, text="已补材料", by=county.amy, now=now())
    actions.request_extension(
        task=refused, new_due=date(2030, 8, 31), reason="补充理由", by=county.amy, now=now()
    )
    assert not homes.sent_back(county.amy) and not homes.rejected_extensions(county.amy)


def test_the_liaison_home_reads_a_fixed_number_of_queries(county: County, client_for: Any) -> None:
    amy = client_for(county.amy)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert amy.get("/unit/").status_code == 200
        return len(ctx.captured_queries)

    def add_one_of_each() -> None:
        flow.task(county, now(), due=FAR)  # to receive
        weekly = flow.task(county, now() - timedelta(days=10), due=FAR, cycle="weekly")
        actions.receive(task=weekly, by=county.amy, now=now())  # report due, in progress
        back = flow.task(county, now(), due=FAR)
        actions.receive(task=back, by=county.amy, now=now())
        actions.submit_done(task=back, text="x", by=county.amy, now=now())
        actions.verify(
            confirm_silent_co=True, task=back, accept=False, reason="x", by=county.alice, now=now()
        )
        ext = flow.task(county, now(), due=FAR)
        actions.receive(task=ext, by=county.amy, now=now())
        req = actions.request_extension(
            task=ext, new_due=date(2030, 9, 30), reason="x", by=county.amy, now=now()
        )
        actions.decide_extension(request=req, approve=False, reason="x", by=county.alice)

    add_one_of_each()
    before = count()
    for _ in range(4):
        add_one_of_each()
    assert count() == before


# ---------------------------------------------------------------- the leader's home


def test_the_line_is_counted_by_light_per_unit(county: County) -> None:
    overdue(county, "红灯一")
    overdue(county, "红灯二", lead=[county.b], co=[])
    flow.task(county, now(), due=FAR, content="绿灯")
    flow.task(county, now(), due=FAR, lead=[county.c], co=[])  # wang's line, not lily's
    with CaptureQueriesContext(connection) as ctx:
        line = homes.line_lights(county.lily)
    assert len(ctx.captured_queries) == 2  # the units, then one grouped count
    rows = {r.label: (r.red, r.yellow, r.green, r.open) for r in line.rows}
    # 城关镇's task is led by 李丽 (flow's default leader): in her line, outside her units.
    assert rows == {
        "县发改局": (1, 0, 1, 2),
        "县财政局": (1, 0, 0, 1),
        "线外单位（本人牵头）": (0, 0, 1, 1),
    }
    assert (line.totals.red, line.totals.open) == (2, 4)
    assert [(r.label, r.open) for r in homes.line_lights(county.wang).rows] == [("城关镇", 1)]
    assert homes.line_lights(county.amy).rows == []


def test_the_leader_sees_their_line_red_and_key_tasks(county: County, client_for: Any) -> None:
    red = overdue(county, "逾期的事项")
    theirs = overdue(county, "王县长牵头的逾期事项", leader=county.leader_wang)
    key = flow.task(county, now(), due=FAR, is_key=True, content="重点的事项")
    assert red.light == "red" and theirs.light == "red"
    html = client_for(county.lily).get("/leader/").content.decode()
    for text in ("逾期的事项", "重点的事项", "县发改局", "县财政局", "分管单位亮灯情况"):
        assert text in html, text
    # 王县长 leads it, but 县发改局 is in 李丽's portfolio: it is in her line (分线督查 agrees).
    assert "王县长牵头的逾期事项" in html
    assert "分管条线的红灯、黄灯事项（2）" in html and "我牵头的重点督办事项（1）" in html
    assert f'href="/tasks/{red.pk}/#act-comment"' in html  # 批示 from the list
    assert f"/ledger/?unit={county.a.pk}&amp;unit_role=lead&amp;light=red" in html
    wang = client_for(county.wang).get("/leader/").content.decode()
    assert "王县长牵头的逾期事项" in wang and "逾期的事项</a>" not in wang
    assert key.pk not in [t.pk for t in homes.my_key_tasks(county.wang)]


def test_a_long_line_says_there_is_more_and_links_the_ledger(
    county: County, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duban.web.views import homes as home_views

    monkeypatch.setattr(home_views, "LIST_LIMIT", 2)
    for i in range(3):
        overdue(county, f"逾期的事项{i}")
    html = client_for(county.lily).get("/leader/").content.decode()
    assert "分管条线的红灯、黄灯事项（2+）" in html
    assert f"/ledger/?line={county.leader_lily.pk}&amp;light=red" in html
    ledger = client_for(county.lily).get(f"/ledger/?line={county.leader_lily.pk}&light=red")
    assert all(f"逾期的事项{i}" in ledger.content.decode() for i in range(3))


def test_closed_tasks_leave_the_warning_list(county: County) -> None:
    t = overdue(county, "逾期后办结")
    actions.receive(task=t, by=county.amy, now=now())
    actions.submit_done(task=t, text="x", by=county.amy, now=now())
    assert [x.pk for x in homes.line_warning_tasks(county.lily)] == [t.pk]  # submitted late
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=now())
    actions.close(task=t, by=county.alice, now=now())
    assert not homes.line_warning_tasks(county.lily)
    [row] = [r for r in homes.line_lights(county.lily).rows if r.unit == county.a]
    assert (row.red, row.late) == (0, 1)


@pytest.mark.parametrize("growth", [3])
def test_the_leader_home_reads_a_fixed_number_of_queries(
    county: County, client_for: Any, growth: int
) -> None:
    lily = client_for(county.lily)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert lily.get("/leader/").status_code == 200
        return len(ctx.captured_queries)

    overdue(county, "红", is_key=True)
    before = count()
    for i in range(growth):
        overdue(county, f"红{i}", is_key=True, lead=[county.b], co=[])
        flow.task(county, now(), due=FAR, is_key=True)
    assert count() == before
