"""The tamper-evident record: `duban audit verify` finds and names every kind of tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from duban.audit.verify import verify_chain
from duban.notify.models import Outbox
from duban.work import actions
from duban.work.models import Directive, Event, Task, TaskStatus, writing
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


@pytest.fixture
def task(county: County) -> Task:
    """A task with six events: created, assigned, received ×2, urged ×2."""
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.amy, now=NOW + timedelta(hours=1))
    actions.receive(task=t, by=county.bob, now=NOW + timedelta(hours=2))
    actions.urge(task=t, message="请加快", by=county.alice, now=NOW + timedelta(days=1))
    actions.urge(task=t, message="再次催办", by=county.alice, now=NOW + timedelta(days=2))
    # A second, untouched task: problems must name only the tampered one.
    flow.task(county, NOW, content="另一项事项")
    return t


def event(task: Task, seq: int) -> Event:
    return Event.objects.get(task=task, seq=seq)


def only_problem(task: Task) -> str:
    report = verify_chain()
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    assert task.code in report.problems[0]
    return report.problems[0]


def test_an_untouched_record_verifies(task: Task) -> None:
    report = verify_chain()
    assert report.ok, report.problems
    assert report.events == Event.objects.count()
    call_command("audit", "verify")  # exits 0


def test_a_changed_payload_is_found(task: Task) -> None:
    Event.objects.filter(pk=event(task, 5).pk).update(payload={"message": "已办结，无需催办"})
    assert "第5条流转记录（urged）的内容被改动" in only_problem(task)


def test_a_changed_time_or_actor_is_found(task: Task, county: County) -> None:
    Event.objects.filter(pk=event(task, 3).pk).update(at=NOW - timedelta(days=1))
    assert "第3条" in only_problem(task)
    Event.objects.filter(pk=event(task, 3).pk).update(at=NOW + timedelta(hours=1))
    assert verify_chain().ok
    Event.objects.filter(pk=event(task, 4).pk).update(actor=county.amy)
    assert "第4条" in only_problem(task)


def test_a_removed_event_in_the_middle_is_found(task: Task) -> None:
    Event.objects.filter(pk=event(task, 4).pk).delete()
    assert "第4条流转记录缺失或顺序被改动" in only_problem(task)


def test_removed_last_events_are_found_by_the_stored_head(task: Task) -> None:
    Event.objects.filter(task=task, seq__gte=5).delete()
    problem = only_problem(task)
    assert "记录应有6条，实际4条" in problem


def test_reordered_events_are_found(task: Task) -> None:
    a, b = event(task, 3), event(task, 4)
    Event.objects.filter(pk=a.pk).update(seq=99)
    Event.objects.filter(pk=b.pk).update(seq=3)
    Event.objects.filter(pk=a.pk).update(seq=4)
    assert "第3条流转记录与前一条不衔接" in only_problem(task)


def test_an_inserted_event_with_a_recomputed_hash_is_still_found(task: Task) -> None:
    # Someone who knows the scheme rewrites event 6 and re-hashes it: the stored head
    # on the task row no longer matches.
    from duban.audit.chain import canonical, event_hash

    ev = event(task, 6)
    payload = {"message": "篡改"}
    body = canonical(
        stream=ev.stream,
        seq=6,
        kind=ev.kind,
        at=ev.at,
        actor_id=ev.actor_id,
        actor_unit_id=ev.actor_unit_id,
        directive_id=ev.directive_id,
        task_id=ev.task_id,
        payload=payload,
    )
    Event.objects.filter(pk=ev.pk).update(payload=payload, hash=event_hash(ev.prev_hash, body))
    assert "末尾的流转记录被删除或篡改" in only_problem(task)


def test_all_events_of_a_task_removed_is_found(task: Task) -> None:
    Event.objects.filter(task=task).delete()
    assert "全部流转记录都已丢失" in only_problem(task)


def test_the_command_exits_non_zero_and_names_the_task(
    task: Task, capsys: pytest.CaptureFixture[str]
) -> None:
    Event.objects.filter(pk=event(task, 2).pk).update(kind="withdrawn")
    with pytest.raises(CommandError, match="流转记录校验未通过"):
        call_command("audit", "verify")
    assert task.code in capsys.readouterr().err


def test_a_directive_stream_is_verified_too(county: County) -> None:
    d = flow.directive(county, NOW)
    Event.objects.filter(directive=d, task__isnull=True).update(payload={"title": "改"})
    report = verify_chain()
    assert len(report.problems) == 1 and d.code in report.problems[0]


# ---------------------------------------------------------------- atomicity


def test_when_the_event_write_fails_nothing_of_the_action_is_stored(county: County) -> None:
    """A real database failure: the event slot the action needs is already taken."""
    t = flow.task(county, NOW, assign=False)
    with writing():
        # Plant a row at the (stream, seq) the assign event will use.
        Event(
            stream=f"t:{t.pk}",
            seq=t.event_seq + 1,
            directive=t.directive,
            task=t,
            kind="urged",
            at=NOW,
            payload={},
            prev_hash="x",
            hash="y",
        ).save()
    outbox_before = Outbox.objects.count()
    with pytest.raises(IntegrityError):
        actions.assign(task=t, by=county.alice, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.DRAFT and t.due is None and t.event_seq == 1
    assert not t.assignments.exists()
    assert Outbox.objects.count() == outbox_before
    assert Directive.objects.get(pk=t.directive_id).first_assigned_at is None


def test_a_failed_event_write_in_a_decomposition_stores_no_task(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second task's event fails after the first task and its event were written."""
    d = flow.directive(county, NOW)
    real_save = Event.save
    calls = {"n": 0}

    def failing_save(self: Event, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise IntegrityError("simulated failure of the event insert")
        real_save(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Event, "save", failing_save)
    tasks_before, events_before = Task.objects.count(), Event.objects.count()
    with pytest.raises(IntegrityError):
        actions.decompose(
            directive=d,
            by=county.alice,
            now=NOW,
            tasks=[
                actions.TaskDraft(content="一", lead=[county.a]),
                actions.TaskDraft(content="二", lead=[county.b]),
            ],
        )
    assert calls["n"] == 2
    assert Task.objects.count() == tasks_before
    assert Event.objects.count() == events_before
