"""分线督查: a leader's line by unit and light, the ledger link, the weekly summary."""

from __future__ import annotations

from django.utils import timezone

from duban.coordination.tick import tick
from duban.notify.models import Notification, Outbox
from duban.notify.worker import deliver
from duban.supervise.lines import line_board, send_weekly_summaries
from duban.supervise.models import SupervisionConfig
from tests.conftest import County, at
from tests.work import flow

START = at("2026-03-02 09:00")  # Monday


def test_the_line_by_unit_and_light_with_key_items_first(county: County) -> None:
    c = county
    # lily's line: units A and B, plus what she leads elsewhere (C here).
    red_a = flow.task(c, START, co=[], due={"date": "2026-03-04"})
    key_a = flow.task(c, START, co=[], due={"date": "2026-06-30"}, is_key=True)
    green_b = flow.task(c, START, lead=[c.b], co=[], due={"date": "2026-06-30"}, leader=None)
    led_c = flow.task(c, START, lead=[c.c], co=[], due={"date": "2026-06-30"})
    wang_c = flow.task(
        c, START, lead=[c.c], co=[], due={"date": "2026-06-30"}, leader=c.leader_wang
    )
    tick(now=at("2026-03-05 08:00"))
    board = line_board(c.lily, c.leader_lily, today=timezone.localdate(at("2026-03-05 09:00")))
    rows = {r.label: (r.red, r.yellow, r.green, r.key_open) for r in board.rows}
    assert rows == {
        "县发改局": (1, 0, 1, 1),
        "县财政局": (0, 0, 1, 0),
        "线外单位（本人牵头）": (0, 0, 1, 0),
    }
    assert (board.totals.red, board.totals.open) == (1, 4)
    assert board.key_tasks == [key_a] and board.red_tasks == [red_a]
    assert board.ledger == f"/ledger/?line={c.leader_lily.pk}&status=open"
    assert green_b.leader is None and led_c.leader == c.leader_lily
    wang = line_board(c.wang, c.leader_wang, today=timezone.localdate(START))
    assert wang.totals.open == 2 and wang_c.pk  # C is in wang's portfolio: both C tasks


def test_the_weekly_line_summary_reaches_the_leader_once_a_week(county: County) -> None:
    c = county
    flow.task(c, START, co=[], due={"date": "2026-03-04"})
    flow.task(c, START, co=[], due={"date": "2026-06-30"}, is_key=True)
    # Monday is the default day: every tick of the day, one summary per leader.
    for hour in ("08:00", "09:00", "17:00"):
        tick(now=at(f"2026-03-09 {hour}"))
    sent = Outbox.objects.filter(kind="line_summary")
    assert sorted(sent.values_list("recipient__username", flat=True)) == ["lily", "wang"]
    deliver(now=at("2026-03-09 17:01"))
    note = Notification.objects.get(user=c.lily, kind="line_summary")
    assert note.title == "分管事项周报（2026年第11周）"
    # The key task reports weekly (the key cycle) and missed Friday 03-06: yellow.
    assert "在办2项：红灯1项、黄灯1项、绿灯0项；其中重点督办1项。" in note.body
    assert f"/ledger/?line={c.leader_lily.pk}&status=open" in note.body
    # Tuesday to Sunday: nothing more; the next Monday: the next one.
    for day in range(10, 16):
        tick(now=at(f"2026-03-{day} 08:00"))
    assert sent.count() == 2
    tick(now=at("2026-03-16 08:00"))
    assert sent.count() == 4


def test_the_summary_day_is_a_setting_and_a_missed_day_is_caught_up(county: County) -> None:
    SupervisionConfig.objects.filter(pk=1).update(line_summary_weekday=5)  # Friday
    assert send_weekly_summaries(now=at("2026-03-12 08:00")) == 0  # Thursday
    assert send_weekly_summaries(now=at("2026-03-14 08:00")) == 2  # Saturday: Friday missed
    assert send_weekly_summaries(now=at("2026-03-15 08:00")) == 0  # same week, sent
