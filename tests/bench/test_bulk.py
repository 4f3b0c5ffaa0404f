"""The bulk path (duban.work.bulk, as bench/ uses it) writes what the actions write.

A 200-row workload is loaded in small batches: every chain verifies, every projection
rebuilds, the statuses match the CSV. Then single rows are written both ways — through the
bulk writer and through register/decompose/assign/receive/submit_done/verify/close/tick — and
the two records must agree event for event (kind, time, actor, unit, payload) and column for
column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import workload
from duban.audit.rows import verify_rows
from duban.audit.verify import rebuild, verify_chain
from duban.coordination.tick import tick
from duban.org.models import Leader, Unit, User
from duban.work import actions, bulk
from duban.work.actions import state_of
from duban.work.context import rule_context
from duban.work.models import Directive, Event, EventKind, Task


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return workload.ensure_workload(tmp_path_factory.mktemp("workload"), 200)


def test_it_loads_chains_that_verify_and_projections_that_rebuild(db: None, files: Path) -> None:
    org = workload.load_org(files)
    counts = workload.load_tasks(files, org, batch=50)  # several batches, serials continue

    assert counts.tasks == Task.objects.count() == 200
    assert counts.directives == Directive.objects.count()
    assert counts.events == Event.objects.count()
    report = verify_chain()
    assert report.ok, report.problems
    assert report.streams == counts.tasks + counts.directives
    assert rebuild().differing == []
    assert verify_rows() == []  # titles, texts, reports match the events that recorded them
    assert workload.stored_status_counts() == workload.expected_status_counts(files)
    serials = sorted(Directive.objects.values_list("year", "serial"))
    assert len(set(serials)) == len(serials)


def _record(task: Task) -> list[tuple[Any, ...]]:
    return [
        (e.kind, e.at, e.actor_id, e.actor_unit_id, e.payload) for e in task.events.order_by("seq")
    ]


def _replay(spec: bulk.DirectiveSpec, org: workload.Org) -> Task:
    """The same directive and task, driven through the actions."""
    d = actions.register(
        kind=spec.kind,
        title=spec.title,
        urgency=spec.urgency,
        received_at=spec.received_at,
        by=org.supervisor,
        now=spec.registered_at,
    )
    [task_spec] = spec.tasks
    created, *rest = task_spec.events
    p = created.payload
    draft = actions.TaskDraft(
        content=p["content"],
        lead=[Unit.objects.get(pk=pk) for pk in p["plan"]["lead"]],
        requirement=p["requirement"],
        leader=Leader.objects.get(pk=p["leader"]),
        due=p["due_spec"],
        is_key=p["is_key"],
        source_excerpt=task_spec.source_excerpt,
    )
    [task] = actions.decompose(directive=d, tasks=[draft], by=org.supervisor, now=created.at)
    for ev in rest:
        assert ev.actor_id is not None
        by = User.objects.get(pk=ev.actor_id)
        if ev.kind == EventKind.ASSIGNED:
            actions.assign(task=task, by=by, now=ev.at)
        elif ev.kind == EventKind.RECEIVED:
            actions.receive(task=task, by=by, now=ev.at)
        elif ev.kind == EventKind.SUBMITTED:
            actions.submit_done(task=task, text=ev.payload["text"], by=by, now=ev.at)
        elif ev.kind == EventKind.VERIFIED:
            actions.verify(confirm_silent_co=True, task=task, accept=True, by=by, now=ev.at)
        elif ev.kind == EventKind.CLOSED:
            actions.close(task=task, note=ev.payload["note"], by=by, now=ev.at)
        else:
            raise AssertionError(ev.kind)
    return task


def test_it_writes_what_the_actions_write(db: None, files: Path) -> None:
    org = workload.load_org(files)
    ctx = rule_context()
    tick_at = workload.tick_time(workload.as_of(files))
    rows = list(workload.read_csv(files / "issues.csv"))
    picked = [next(r for r in rows if r["status"] == s) for s in workload.STATUS_OF]
    picked.append(next(r for r in rows if not r["due_date"]))
    picked.append(next(r for r in reversed(rows) if r["status"] == "in_progress"))  # stays green
    specs = [workload.directive_spec([row], org, ctx) for row in picked]
    bulk.write_batch(specs, ctx=ctx, tick_at=tick_at)
    loaded = list(Task.objects.order_by("id"))
    replayed = [_replay(spec, org) for spec in specs]
    report = tick(now=tick_at)  # the bulk tasks were ticked already: no change for them

    changed = Event.objects.filter(kind=EventKind.LIGHT_CHANGED)
    assert report.light_changes == changed.filter(task__in=replayed).count() > 0
    for ours, theirs in zip(loaded, replayed, strict=True):
        ours.refresh_from_db()
        theirs.refresh_from_db()
        assert _record(ours) == _record(theirs)
        assert state_of(ours) == state_of(theirs)
        assert ours.event_seq == theirs.event_seq
        assert ours.source_excerpt == theirs.source_excerpt
        a, b = ours.directive, theirs.directive
        assert _record_of_directive(a) == _record_of_directive(b)
        assert (a.kind, a.title, a.status, a.first_assigned_at, a.registered_at) == (
            b.kind,
            b.title,
            b.status,
            b.first_assigned_at,
            b.registered_at,
        )
    assert verify_chain().ok
    assert rebuild().differing == []
    # The bulk batch took its serials from the same counter as register: gapless per year.
    for year in {d.year for d in Directive.objects.all()}:
        got = sorted(Directive.objects.filter(year=year).values_list("serial", flat=True))
        assert got == list(range(1, len(got) + 1))


def _record_of_directive(d: Directive) -> list[tuple[Any, ...]]:
    return [
        (e.kind, e.at, e.actor_id, e.actor_unit_id, e.payload)
        for e in d.events.filter(task=None).order_by("seq")
    ]
