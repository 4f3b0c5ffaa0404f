"""Escalation ladders in `duban tick`: each step an event and a notification, never twice."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from duban.audit.verify import rebuild, verify_chain
from duban.coordination.tick import tick
from duban.notify.models import Outbox
from duban.supervise.models import Escalation, Ladder, LadderStep
from duban.work import actions
from duban.work.models import EventKind, Task, writing
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")  # a Monday


def tick_daily(first: str, last: str, times: tuple[str, ...] = ("08:00", "12:00", "17:30")) -> None:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        for t in times:
            tick(now=at(f"{day} {t}"))
        day += timedelta(days=1)


def escalations(task: Task) -> list[tuple[str, str]]:
    return [
        (e.payload["name"], timezone.localdate(e.at).isoformat())
        for e in task.events.filter(kind=EventKind.ESCALATED).order_by("seq")
    ]


def told(step_name: str) -> list[str]:
    return sorted(
        Outbox.objects.filter(kind="escalated", title__startswith=step_name).values_list(
            "recipient__username", flat=True
        )
    )


def test_the_default_red_ladder_urges_then_tells_the_head_then_the_leader(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-04"})  # Wed; A leads, B co-operates
    actions.receive(task=t, by=county.amy, now=NOW)
    tick_daily("2026-03-02", "2026-03-25")
    t.refresh_from_db()
    # Red from Thu 03-05. 3 working days → Tue 03-10; 5 → Thu 03-12; 10 → Thu 03-19.
    assert escalations(t) == [
        ("自动催办", "2026-03-10"),
        ("告知单位负责人", "2026-03-12"),
        ("报告县领导", "2026-03-19"),
    ]
    assert t.red_since == date(2026, 3, 5)
    assert t.urge_count == 1  # only the first step urges
    assert told("自动催办") == ["adam", "amy", "bob"]  # every unit on the task
    assert told("告知单位负责人") == ["adam"]  # the lead unit's head
    assert told("报告县领导") == ["alice", "lily"]  # the leader in charge and the office
    ev = t.events.get(kind=EventKind.ESCALATED, payload__order=1)
    assert ev.actor is None and ev.payload["threshold"] == 3 and ev.payload["urge"] is True
    assert "红灯已持续3个工作日" in ev.payload["note"]
    assert Escalation.objects.filter(task=t).count() == 3
    assert verify_chain().ok and rebuild().differing == []


def test_a_step_never_fires_twice_across_repeated_ticks(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-04"})
    tick_daily("2026-03-02", "2026-03-12")
    events, outbox = t.events.count(), Outbox.objects.count()
    assert Escalation.objects.filter(task=t).count() == 2
    # The same day again, many times: nothing new.
    for minute in range(10):
        report = tick(now=at(f"2026-03-12 18:{minute:02d}"))
        assert report.escalations == 0
    assert (t.events.count(), Outbox.objects.count()) == (events, outbox)


def test_a_step_taken_once_is_not_taken_again_when_the_task_turns_red_again(
    county: County,
) -> None:
    # Weekly reports on Fridays; two missed reports make it red, catching up makes it green.
    t = flow.task(county, NOW, due={"date": "2026-06-30"}, cycle="weekly", cycle_day=5)
    actions.receive(task=t, by=county.amy, now=NOW)
    tick_daily("2026-03-02", "2026-03-19")  # slots 03-06 and 03-13 missed: red from 03-14
    assert escalations(Task.objects.get(pk=t.pk)) == [("自动催办", "2026-03-18")]
    for day in ("2026-03-19 10:00", "2026-03-19 10:05"):
        actions.report_progress(task=t, text="补报", by=county.amy, now=at(day))
    t.refresh_from_db()
    assert t.light == "green" and t.red_since is None
    tick_daily("2026-03-20", "2026-04-03")  # 03-20, 03-27 missed: red again from 03-28
    t.refresh_from_db()
    assert t.light == "red" and t.red_since == date(2026, 3, 28) and t.red_count == 2
    names = [name for name, _ in escalations(t)]
    assert names.count("自动催办") == 1  # never repeated for the same step


def test_a_key_task_escalates_sooner(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-04"}, is_key=True)
    tick_daily("2026-03-02", "2026-03-12")
    t.refresh_from_db()
    # Key thresholds 1, 3, 5 working days from red on Thu 03-05.
    assert escalations(t) == [
        ("自动催办", "2026-03-06"),
        ("告知单位负责人", "2026-03-10"),
        ("报告县领导", "2026-03-12"),
    ]
    assert t.events.filter(kind=EventKind.ESCALATED).first().payload["key"] is True  # type: ignore[union-attr]


def _ladder(name: str, steps: list[dict]) -> Ladder:  # type: ignore[type-arg]
    Ladder.objects.update(is_active=False)
    lad = Ladder.objects.create(name=name)
    for order, spec in enumerate(steps, start=1):
        LadderStep.objects.create(ladder=lad, order=order, **spec)
    return lad


def test_sanming_colours_are_settings_and_key_items_start_at_orange(county: County) -> None:
    _ladder(
        "三色督查单",
        [
            dict(name="蓝色提醒", colour_name="蓝", colour="#1d4ed8", basis="overdue",
                 threshold=1, key_skip=True),
            dict(name="橙色预警", colour_name="橙", colour="#c2410c", basis="overdue",
                 threshold=3, key_threshold=1, notify_unit_head=True),
            dict(name="红色警示", colour_name="红", colour="#b91c1c", basis="overdue",
                 threshold=5, key_threshold=3, notify_leader=True),
        ],
    )  # fmt: skip
    plain = flow.task(county, NOW, due={"date": "2026-03-04"})
    key = flow.task(county, NOW, due={"date": "2026-03-04"}, is_key=True)
    tick_daily("2026-03-02", "2026-03-12")
    assert escalations(Task.objects.get(pk=plain.pk)) == [
        ("蓝色提醒", "2026-03-05"),
        ("橙色预警", "2026-03-09"),
        ("红色警示", "2026-03-11"),
    ]
    assert escalations(Task.objects.get(pk=key.pk)) == [
        ("橙色预警", "2026-03-05"),
        ("红色警示", "2026-03-09"),
    ]
    orange = plain.events.get(kind=EventKind.ESCALATED, payload__name="橙色预警")
    assert (orange.payload["colour_name"], orange.payload["colour"]) == ("橙", "#c2410c")


def test_guangyuan_two_yellows_bring_a_supervision_letter(county: County) -> None:
    letter = LadderStep.objects.get(name="督查函")
    Ladder.objects.update(is_active=False)
    Ladder.objects.filter(pk=letter.ladder_id).update(is_active=True)
    t = flow.task(county, NOW, due={"date": "2026-06-30"}, cycle="weekly", cycle_day=5)
    actions.receive(task=t, by=county.amy, now=NOW)
    tick_daily("2026-03-02", "2026-03-08")  # Friday 03-06 missed: yellow (1)
    actions.report_progress(task=t, text="补报", by=county.amy, now=at("2026-03-09 09:00"))
    assert not Escalation.objects.exists()
    tick_daily("2026-03-09", "2026-03-16")  # Friday 03-13 missed: yellow (2)
    t.refresh_from_db()
    assert t.yellow_count == 2
    assert escalations(t) == [("督查函", "2026-03-14")]
    assert told("督查函") == ["adam", "amy", "bob"]


def test_ladders_leave_tasks_waiting_on_the_office_alone(county: County) -> None:
    done = flow.task(county, NOW, due={"date": "2026-03-04"})
    actions.receive(task=done, by=county.amy, now=NOW)
    actions.submit_done(task=done, text="已完成", by=county.amy, now=at("2026-03-06 09:00"))
    back = flow.task(county, NOW, due={"date": "2026-03-04"}, co=[])
    actions.return_(task=back, reason="不属本单位职责", by=county.amy, now=NOW)
    tick_daily("2026-03-06", "2026-03-25")
    back.refresh_from_db()
    assert back.light == "red" and back.status == "returned"
    assert not Escalation.objects.exists()


def test_an_escalation_row_is_refused_outside_an_action(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-04"})
    tick_daily("2026-03-02", "2026-03-10")
    row = Escalation.objects.get(task=t)
    import pytest

    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError), writing():
        row.delete()
