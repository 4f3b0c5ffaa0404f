"""The dashboard (统计): every figure against a hand count, its scope, its charts, its queries."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.org.models import User
from duban.web import charts
from duban.work import actions, selectors, stats
from duban.work.models import Task
from tests.conftest import County, at
from tests.web.test_ledger import make

NOW = at("2026-03-20 12:00")


def closed(county: County, task: Task, by: User, *, submitted: str, closed_at: str) -> None:
    actions.receive(task=task, by=by, now=task.assigned_at)
    actions.submit_done(task=task, text="已办结", by=by, now=at(submitted))
    actions.verify(
        confirm_silent_co=True, task=task, accept=True, by=county.alice, now=at(submitted)
    )
    actions.close(task=task, by=county.alice, now=at(closed_at))


def directive(county: County, registered: str, assigned: str | None, lead: Any) -> None:
    """A directive registered at one time and sent out at another (or not yet)."""
    d = actions.register(
        by=county.alice,
        now=at(registered),
        kind="instruction",
        title="隔夜测试",
        urgency="normal",
        received_at=at(registered),
        issuer_leader=county.leader_lily,
    )
    [t] = actions.decompose(
        directive=d,
        tasks=[actions.TaskDraft(content="隔夜测试事项", lead=[lead], due={"days": 30})],
        by=county.alice,
        now=at(registered),
    )
    if assigned:
        actions.assign(task=t, by=county.alice, now=at(assigned))


class Year:
    """Closed and open tasks over a year; the expected figures are counted by hand below."""

    def __init__(self, c: County) -> None:
        a1 = make(c, at("2026-01-05 09:00"), lead=[c.a], leader=c.leader_lily, due="2026-01-31")
        # Closed late on the last evening of January: a January figure in Shanghai time.
        closed(c, a1, c.amy, submitted="2026-01-20 09:00", closed_at="2026-01-31 23:30")
        a2 = make(c, at("2026-01-10 09:00"), kind="meeting", lead=[c.a], due="2026-01-15")
        closed(c, a2, c.amy, submitted="2026-01-20 10:00", closed_at="2026-02-03 09:00")
        b1 = make(
            c, at("2026-02-02 09:00"), kind="meeting", lead=[c.b], leader=c.leader_wang,
            due="2026-02-28",
        )  # fmt: skip
        closed(c, b1, c.bob, submitted="2026-02-10 09:00", closed_at="2026-02-12 09:00")
        c1 = make(
            c, at("2026-03-02 09:00"), kind="superior", lead=[c.c], leader=c.leader_lily,
            due="2026-03-10",
        )  # fmt: skip
        closed(c, c1, c.carl, submitted="2026-03-12 09:00", closed_at="2026-03-13 09:00")
        c2 = make(c, at("2025-03-14 09:00"), lead=[c.c], due="2025-03-31")  # assigned earlier
        closed(c, c2, c.carl, submitted="2025-03-30 09:00", closed_at="2025-04-02 09:00")
        # Closed before the twelve months: in no rate and no month.
        c0 = make(c, at("2025-03-02 09:00"), lead=[c.c], due="2025-03-20")
        closed(c, c0, c.carl, submitted="2025-03-10 09:00", closed_at="2025-03-25 09:00")
        # Assigned half an hour into March in Shanghai (still February in UTC).
        make(c, at("2026-03-01 00:30"), lead=[c.d], due="2026-04-30")
        directive(c, "2026-02-10 16:00", "2026-02-11 09:00", c.b)  # overnight, February
        directive(c, "2026-03-18 17:00", "2026-03-19 09:00", c.b)  # overnight, March
        directive(c, "2026-03-19 10:00", None, c.a)  # still waiting the next day: overnight
        directive(c, "2026-03-20 09:00", None, c.a)  # registered today: not yet


@pytest.fixture
def year(county: County) -> Year:
    return Year(county)


def rates(rows: list[stats.Rate]) -> dict[str, tuple[int, int]]:
    return {r.label: (r.on_time, r.closed) for r in rows}


def test_on_time_rates_match_a_hand_count(county: County, year: Year) -> None:
    figures = stats.on_time(county.alice, now=NOW)
    assert figures.since == date(2025, 4, 1)
    assert (figures.overall.on_time, figures.overall.closed) == (3, 5)
    assert figures.overall.percent == 60.0
    assert rates(figures.by_unit) == {"县发改局": (1, 2), "县财政局": (1, 1), "城关镇": (1, 2)}
    # 李丽's line: the tasks she leads (a1, c1) and those led by her units A and B (a2, b1).
    # 王刚's: b1 which he leads, and c1 and c2 led by 城关镇 in his portfolio.
    assert rates(figures.by_line) == {"副县长李丽": (2, 4), "副县长王刚": (2, 3)}
    kinds = rates(figures.by_kind)
    assert kinds["领导批示"] == (2, 2) and kinds["会议议定事项"] == (1, 2)
    assert kinds["上级交办件"] == (0, 1) and kinds["其他"] == (0, 0)
    assert [r.percent for r in figures.by_line] == [50.0, 66.7]
    assert next(r for r in figures.by_kind if r.key == "other").percent is None


def test_the_counts_agree_with_the_selectors(county: County, year: Year) -> None:
    for user in (county.alice, county.bob, county.carl):
        figures = stats.counts(user)
        assert figures.lights == selectors.light_counts(user)
        assert figures.statuses == selectors.status_counts(user)
    assert stats.counts(county.alice).lights["on_time"] == 4  # a1, b1, c2, c0


def test_the_monthly_trend_matches_a_hand_count(county: County, year: Year) -> None:
    trend = stats.monthly_trend(county.alice, now=NOW)
    assert trend[0].month == date(2025, 4, 1)
    assert trend[-1].month == date(2026, 3, 1) and len(trend) == 12
    by_month = {m.month: (m.new, m.closed) for m in trend}
    assert by_month[date(2025, 4, 1)] == (0, 1)
    assert by_month[date(2026, 1, 1)] == (2, 1)
    assert by_month[date(2026, 2, 1)] == (2, 2)  # b1, and the February overnight directive
    assert by_month[date(2026, 3, 1)] == (3, 1)  # c1, the 00:30 task, the March overnight one
    assert sum(n for n, _ in by_month.values()) == 7 and sum(c for _, c in by_month.values()) == 5


def test_the_overnight_count_matches_a_hand_count(county: County, year: Year) -> None:
    assert stats.overnight_this_month(county.alice, now=NOW) == 2
    assert stats.overnight_this_month(county.alice, now=at("2026-02-27 12:00")) == 1
    assert stats.overnight_this_month(county.alice, now=at("2026-03-19 08:00")) == 1


def test_a_liaison_counts_only_their_unit(county: County, year: Year) -> None:
    figures = stats.on_time(county.bob, now=NOW)
    assert (figures.overall.on_time, figures.overall.closed) == (1, 1)
    assert rates(figures.by_unit) == {"县财政局": (1, 1)}
    assert stats.overnight_this_month(county.bob, now=NOW) == 1
    trend = {m.month: (m.new, m.closed) for m in stats.monthly_trend(county.bob, now=NOW)}
    assert trend[date(2026, 2, 1)] == (2, 1) and trend[date(2026, 1, 1)] == (0, 0)
    assert trend[date(2026, 3, 1)] == (1, 0)


def test_the_page_shows_the_figures_and_four_inline_charts(county: County, client_for: Any) -> None:
    """The page uses the clock, so its tasks are dated from today."""
    now = timezone.now()
    day = timedelta(days=1)
    for late in (False, True):
        t = make(
            county, now - 40 * day, lead=[county.a], leader=county.leader_lily,
            due=timezone.localdate(now - 20 * day).isoformat(),
        )  # fmt: skip
        submitted = now - (10 if late else 30) * day
        actions.receive(task=t, by=county.amy, now=now - 39 * day)
        actions.submit_done(task=t, text="已办结", by=county.amy, now=submitted)
        actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=submitted)
        actions.close(task=t, by=county.alice, now=now - 5 * day)
    response = client_for(county.alice).get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<svg class="chart"') == 4
    assert "<script src" not in page.split("</head>")[1]  # the charts need no script
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "按期办结率 <strong>50%</strong>" in page
    assert "副县长李丽" in page and "50%（1/2）" in page
    assert re.search(r'<span class="n">1</span><span class="light on_time">按期办结</span>', page)
    assert re.search(r'<span class="n">1</span><span class="light late">逾期办结</span>', page)
    assert f"/ledger/?line={county.leader_lily.pk}&amp;status=closed" in page
    assert "本月隔夜件" in page


def test_the_query_count_is_constant(county: County, client_for: Any) -> None:
    client = client_for(county.alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/").status_code == 200
        return len(ctx)

    count()  # the first request after sign-in writes the session's start (session_timeouts)
    empty = count()
    Year(county)
    assert count() == empty


@pytest.mark.parametrize("who", ["alice", "lily", "amy", "adam"])
def test_the_work_roles_may_see_it(county: County, client_for: Any, who: str) -> None:
    assert client_for(getattr(county, who)).get("/dashboard/").status_code == 200


def test_the_three_administrators_may_not(county: County, client_for: Any) -> None:
    for who in (county.sam, county.sec, county.aud):
        assert client_for(who).get("/dashboard/").status_code == 403


def test_charts_escape_their_text() -> None:
    svg = charts.hbar_chart([charts.Bar("<b>单位</b>", 50.0, "50%", "/x?a=1&b=2")], title="标题&")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "/x?a=1&amp;b=2" in svg
    svg = charts.month_chart(["1月"], [3], [2], title="<t>", bar_name="新交办", line_name="办结")
    assert "<t>" not in svg and "新交办" in svg


def test_month_starts_cross_the_year() -> None:
    starts = stats.month_starts(date(2026, 2, 14), 3)
    assert starts == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert isinstance(NOW, datetime)
