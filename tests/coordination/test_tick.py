"""`duban tick`: lights follow the calendar, reminders go out once, and it is idempotent."""

from __future__ import annotations

from django.core.management import call_command

from duban.coordination.tick import tick
from duban.notify.models import Notification, Outbox
from duban.notify.worker import deliver
from duban.work import actions
from duban.work.models import Event, EventKind
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


def test_a_task_turns_yellow_then_red_as_days_pass(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-20"})  # a Friday
    assert t.light == "green"
    tick(now=at("2026-03-16 08:00"))  # Mon: Tue..Fri = 4 working days left
    t.refresh_from_db()
    assert t.light == "green"
    tick(now=at("2026-03-17 08:00"))  # Tue: Wed, Thu, Fri = 3 → yellow
    t.refresh_from_db()
    assert t.light == "yellow"
    tick(now=at("2026-03-21 08:00"))  # Sat after the deadline → red
    t.refresh_from_db()
    assert t.light == "red"
    changes = t.events.filter(kind=EventKind.LIGHT_CHANGED).order_by("seq")
    assert [(e.payload["from"], e.payload["light"]) for e in changes] == [
        ("green", "yellow"),
        ("yellow", "red"),
    ]
    assert changes.first().actor is None  # type: ignore[union-attr]


def test_holidays_do_not_count_towards_the_yellow_window(county: County) -> None:
    # Due Friday 2026-10-09; on Tuesday 09-29 the working days left are 09-30, 10-08, 10-09
    # (National Day 10-01..07 does not count) → yellow already.
    t = flow.task(county, at("2026-09-01 09:00"), due={"date": "2026-10-09"})
    tick(now=at("2026-09-29 08:00"))
    t.refresh_from_db()
    assert t.light == "yellow"


def test_tick_twice_writes_nothing_twice(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-04"}, cycle="weekly", cycle_day=5)
    actions.receive(task=t, by=county.amy, now=NOW)
    first = tick(now=at("2026-03-16 08:00"))
    assert first.light_changes == 1 and first.reminders > 0
    events, outbox = Event.objects.count(), Outbox.objects.count()
    second = tick(now=at("2026-03-16 08:05"))
    assert second.light_changes == 0 and second.reminders == 0
    assert (Event.objects.count(), Outbox.objects.count()) == (events, outbox)


def test_reminders_reach_the_lead_units_inbox_once(county: County) -> None:
    # Weekly reports on Fridays until the deadline, Monday 03-09: one slot, Friday 03-06.
    t = flow.task(county, NOW, due={"date": "2026-03-09"}, cycle="weekly", cycle_day=5)
    actions.receive(task=t, by=county.amy, now=NOW)
    tick(now=at("2026-03-10 08:00"))
    tick(now=at("2026-03-10 09:00"))
    deliver(now=at("2026-03-10 09:01"))
    titles = sorted(
        Notification.objects.filter(
            user=county.amy, kind__in=["overdue", "report_missing"]
        ).values_list("title", flat=True)
    )
    # Overdue once; the weekly report of Fri 03-06 missing once. Co-units are not reminded.
    assert titles == [
        "已逾期：加快推进城东污水处理厂建设，6月底前完成主体工程",
        "进展未报送：加快推进城东污水处理厂建设，6月底前完成主体工程",
    ]
    assert not Notification.objects.filter(user=county.bob, kind="overdue").exists()
    assert deliver(now=at("2026-03-10 09:02")) == 0  # delivered once


def test_a_directive_left_overnight_alerts_the_supervisors_once(county: County) -> None:
    d = flow.directive(county, at("2026-03-02 16:00"))
    tick(now=at("2026-03-02 23:00"))
    assert not Outbox.objects.filter(kind="overnight").exists()
    tick(now=at("2026-03-03 08:00"))
    tick(now=at("2026-03-03 09:00"))
    alerts = Outbox.objects.filter(kind="overnight")
    assert [(o.recipient.username, o.directive_id) for o in alerts] == [("alice", d.pk)]


def test_the_command_runs_with_a_given_time(county: County, capsys) -> None:  # type: ignore[no-untyped-def]
    flow.task(county, NOW, due={"date": "2026-03-04"})
    call_command("tick", "--now", "2026-03-10T08:00")
    assert "亮灯变化 1 项" in capsys.readouterr().out
