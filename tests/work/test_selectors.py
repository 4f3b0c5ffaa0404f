"""Who sees what: every read selector, for every persona (DESIGN.md "queries").

The world: task "a" led by 县发改局 (A) with 县财政局 (B) helping; task "c" led by 城关镇 (C)
alone, in 王刚's line; "draft", decomposed for A but not yet sent out; and "returned", sent to
A, returned by A and reassigned to C. All are green when sent out; after `tick` at TICK, "a"
and "c" are overdue and red.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from duban.coordination.tick import tick
from duban.org.models import User
from duban.work import actions
from duban.work.models import Directive, EventKind, Task, TaskStatus
from duban.work.selectors import (
    directives_visible_to,
    light_counts,
    overdue_tasks,
    overnight_directives,
    red_tasks_of_line,
    status_counts,
    task_for,
    tasks_visible_to,
    timeline,
    unassigned_directives,
)
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")  # a Monday
TICK = at("2026-03-23 09:00")  # after "a" (due 03-20) and "c" (due 03-16), before "returned"
AFTER_ALL = date(2026, 5, 1)  # every assigned task is overdue


@dataclass
class World:
    county: County
    tasks: dict[str, Task]

    def names(self, tasks: Any) -> list[str]:
        by_pk = {t.pk: name for name, t in self.tasks.items()}
        return [by_pk[t.pk] for t in tasks]

    def directive_names(self, directives: Any) -> list[str]:
        by_pk = {t.directive_id: name for name, t in self.tasks.items()}
        return [by_pk[d.pk] for d in directives]


@pytest.fixture
def world(county: County) -> World:
    a = flow.task(county, NOW, lead=[county.a], co=[county.b], due={"date": "2026-03-20"})
    c = flow.task(
        county,
        NOW,
        lead=[county.c],
        co=[],
        due={"date": "2026-03-16"},
        leader=county.leader_wang,
    )
    draft = flow.task(county, NOW, lead=[county.a], co=[], assign=False)
    returned = flow.task(county, NOW, lead=[county.a], co=[], due={"date": "2026-04-30"})
    actions.receive(task=a, by=county.amy, now=NOW)
    actions.return_(task=returned, reason="该事项属城关镇职责", by=county.amy, now=NOW)
    actions.reassign(task=returned, lead=[county.c], reason="按职责改派", by=county.alice, now=NOW)
    tasks = {"a": a, "c": c, "draft": draft, "returned": returned}
    for t in tasks.values():
        t.refresh_from_db()
    return World(county, tasks)


def view(world: World, user: User) -> dict[str, Any]:
    """What the user finds on each page that a selector feeds."""
    return {
        "tasks": sorted(world.names(tasks_visible_to(user))),
        "task_for": sorted(n for n, t in world.tasks.items() if task_for(user, t.pk)),
        "timeline": sorted(n for n, t in world.tasks.items() if timeline(user, t).exists()),
        "directives": sorted(world.directive_names(directives_visible_to(user))),
        "overdue": world.names(overdue_tasks(user, today=AFTER_ALL)),
        "lights": {k: n for k, n in light_counts(user).items() if n},
        "statuses": {k: n for k, n in status_counts(user).items() if n},
        "overnight": world.directive_names(overnight_directives(user, now=TICK)),
        "unassigned": world.directive_names(unassigned_directives(user)),
    }


EVERYTHING = {
    "tasks": ["a", "c", "draft", "returned"],
    "task_for": ["a", "c", "draft", "returned"],
    "timeline": ["a", "c", "draft", "returned"],
    "directives": ["a", "c", "draft", "returned"],
    "overdue": ["c", "a", "returned"],  # by due date
    "lights": {"green": 3},
    "statuses": {"draft": 1, "in_progress": 1, "assigned": 2},
    "overnight": ["draft"],  # registered on 03-02, never sent out
    "unassigned": ["draft"],
}

NOTHING = {
    "tasks": [],
    "task_for": [],
    "timeline": [],
    "directives": [],
    "overdue": [],
    "lights": {},
    "statuses": {},
    "overnight": [],
    "unassigned": [],
}


# ---------------------------------------------------------------- the matrix


@pytest.mark.parametrize("who", ["alice", "lily", "wang"])
def test_supervisors_and_leaders_see_every_task_and_draft(world: World, who: str) -> None:
    assert view(world, getattr(world.county, who)) == EVERYTHING


@pytest.mark.parametrize("who", ["amy", "adam"])
def test_a_liaison_sees_only_tasks_of_their_unit(world: World, who: str) -> None:
    # Unit A leads "a" and led "returned" until it gave it back; it keeps seeing that history.
    # It never sees the draft planned for it, nor C's own task.
    assert view(world, getattr(world.county, who)) == {
        "tasks": ["a", "returned"],
        "task_for": ["a", "returned"],
        "timeline": ["a", "returned"],
        "directives": ["a", "returned"],
        "overdue": ["a", "returned"],
        "lights": {"green": 2},
        "statuses": {"in_progress": 1, "assigned": 1},
        "overnight": [],
        "unassigned": [],
    }


def test_a_co_unit_sees_only_the_task_it_helps_with(world: World) -> None:
    assert view(world, world.county.bob) == {
        "tasks": ["a"],
        "task_for": ["a"],
        "timeline": ["a"],
        "directives": ["a"],
        "overdue": ["a"],
        "lights": {"green": 1},
        "statuses": {"in_progress": 1},
        "overnight": [],
        "unassigned": [],
    }


def test_a_township_sees_its_own_task_and_the_one_reassigned_to_it(world: World) -> None:
    assert view(world, world.county.carl) == {
        "tasks": ["c", "returned"],
        "task_for": ["c", "returned"],
        "timeline": ["c", "returned"],
        "directives": ["c", "returned"],
        "overdue": ["c", "returned"],
        "lights": {"green": 2},
        "statuses": {"assigned": 2},
        "overnight": [],
        "unassigned": [],
    }


@pytest.mark.parametrize("who", ["sam", "sec", "aud"])
def test_the_three_administrators_see_no_work_records(world: World, who: str) -> None:
    assert view(world, getattr(world.county, who)) == NOTHING


@pytest.mark.parametrize("who", ["alice", "lily", "aud", "amy", "bob", "carl"])
def test_an_inactive_user_sees_nothing(world: World, who: str) -> None:
    user = getattr(world.county, who)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    assert view(world, user) == NOTHING


# ---------------------------------------------------------------- one task


def test_a_liaison_cannot_open_another_units_task_or_its_timeline(world: World) -> None:
    county, c = world.county, world.tasks["c"]
    assert task_for(county.amy, c.pk) is None
    assert list(timeline(county.amy, c)) == []
    assert task_for(county.amy, world.tasks["draft"].pk) is None
    assert task_for(county.amy, 999_999) is None


def test_a_unit_that_returned_a_task_still_reads_its_whole_timeline(world: World) -> None:
    county, returned = world.county, world.tasks["returned"]
    assert task_for(county.amy, returned.pk) == returned
    kinds = [e.kind for e in timeline(county.amy, returned)]
    assert kinds == [e.kind for e in timeline(county.alice, returned)]
    assert kinds[:4] == [
        EventKind.CREATED,
        EventKind.ASSIGNED,
        EventKind.RETURNED,
        EventKind.REASSIGNED,
    ]
    assert [e.seq for e in timeline(county.amy, returned)] == list(range(1, len(kinds) + 1))


# ---------------------------------------------------------------- counts and lists


def test_light_and_status_counts_always_have_every_key(county: County) -> None:
    assert light_counts(county.alice) == {
        "green": 0,
        "yellow": 0,
        "red": 0,
        "on_time": 0,
        "late": 0,
    }
    assert status_counts(county.amy) == dict.fromkeys(TaskStatus.values, 0)


def test_light_counts_leave_out_drafts_and_withdrawn_tasks(world: World) -> None:
    county, a = world.county, world.tasks["a"]
    actions.submit_done(task=a, text="主体工程已完工", by=county.amy, now=TICK)
    actions.verify(confirm_silent_co=True, task=a, accept=True, by=county.alice, now=TICK)
    actions.close(task=a, by=county.alice, now=TICK)
    actions.withdraw(
        task=world.tasks["returned"], reason="已并入其他事项", by=county.alice, now=TICK
    )
    assert light_counts(county.alice) == {
        "green": 1,
        "yellow": 0,
        "red": 0,
        "on_time": 0,
        "late": 1,
    }
    assert light_counts(county.amy) == {
        "green": 0,
        "yellow": 0,
        "red": 0,
        "on_time": 0,
        "late": 1,
    }
    assert light_counts(county.carl) == {
        "green": 1,
        "yellow": 0,
        "red": 0,
        "on_time": 0,
        "late": 0,
    }


def test_overdue_tasks_start_the_day_after_the_due_date(world: World) -> None:
    alice = world.county.alice
    assert world.names(overdue_tasks(alice, today=date(2026, 3, 16))) == []
    assert world.names(overdue_tasks(alice, today=date(2026, 3, 17))) == ["c"]
    assert world.names(overdue_tasks(alice, today=date(2026, 3, 21))) == ["c", "a"]
    assert world.names(overdue_tasks(alice, today=AFTER_ALL, limit=2)) == ["c", "a"]


def test_overdue_tasks_of_one_unit_are_those_it_leads(world: World) -> None:
    county = world.county
    assert world.names(overdue_tasks(county.alice, today=AFTER_ALL, unit=county.a)) == ["a"]
    assert world.names(overdue_tasks(county.alice, today=AFTER_ALL, unit=county.b)) == []
    assert world.names(overdue_tasks(county.alice, today=AFTER_ALL, unit=county.c)) == [
        "c",
        "returned",
    ]
    # A filter never widens what the user may see.
    assert world.names(overdue_tasks(county.amy, today=AFTER_ALL, unit=county.c)) == ["returned"]
    assert world.names(overdue_tasks(county.bob, today=AFTER_ALL, unit=county.c)) == []


def test_overdue_tasks_leave_out_closed_ones(world: World) -> None:
    county, a = world.county, world.tasks["a"]
    actions.submit_done(task=a, text="主体工程已完工", by=county.amy, now=TICK)
    actions.verify(confirm_silent_co=True, task=a, accept=True, by=county.alice, now=TICK)
    actions.close(task=a, by=county.alice, now=TICK)
    assert world.names(overdue_tasks(county.alice, today=AFTER_ALL)) == ["c", "returned"]


# ---------------------------------------------------------------- red lights


ALL_RED = (["a"], ["c"], {"red": 2, "green": 1})


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("alice", ALL_RED),
        ("lily", ALL_RED),
        ("wang", ALL_RED),
        ("aud", ([], [], {})),
        ("amy", (["a"], [], {"red": 1, "green": 1})),
        ("adam", (["a"], [], {"red": 1, "green": 1})),
        ("bob", (["a"], [], {"red": 1})),
        ("carl", ([], ["c"], {"red": 1, "green": 1})),
        ("sam", ([], [], {})),
    ],
)
def test_red_tasks_of_a_line_are_the_leaders_red_tasks_the_user_may_see(
    world: World, who: str, seen: tuple[list[str], list[str], dict[str, int]]
) -> None:
    user, county = getattr(world.county, who), world.county
    tick(now=TICK)  # "a" (李丽's line) and "c" (王刚's line) are overdue now and turn red
    # "returned" is in 李丽's line too, but still green: it is not listed.
    assert (
        world.names(red_tasks_of_line(user, county.leader_lily)),
        world.names(red_tasks_of_line(user, county.leader_wang)),
        {k: n for k, n in light_counts(user).items() if n},
    ) == seen


def test_no_task_is_red_before_its_deadline_passes(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-03-20"})
    assert list(red_tasks_of_line(county.alice, county.leader_lily)) == []
    tick(now=at("2026-03-20 18:00"))
    assert list(red_tasks_of_line(county.alice, county.leader_lily)) == []
    tick(now=at("2026-03-21 00:30"))
    assert list(red_tasks_of_line(county.alice, county.leader_lily)) == [t]
    assert list(red_tasks_of_line(county.alice, county.leader_wang)) == []


# ---------------------------------------------------------------- 不隔夜


def registered(county: County, when: datetime, title: str) -> Directive:
    return flow.directive(county, when, title=title, received_at=when)


def sent_out(county: County, d: Directive, when: datetime) -> None:
    draft = actions.TaskDraft(
        content="按批示要求抓好落实",
        lead=[county.a],
        co=[],
        due={"date": "2026-06-30"},
        leader=county.leader_lily,
    )
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=when)
    actions.assign(task=t, by=county.alice, now=when)


def overnight(user: User, now: datetime, **kw: Any) -> list[str]:
    return [d.title for d in overnight_directives(user, now=now, **kw)]


def test_a_directive_sent_out_the_next_morning_stayed_overnight(county: County) -> None:
    d = registered(county, at("2026-03-02 17:00"), "次日交办")
    sent_out(county, d, at("2026-03-03 09:00"))
    assert overnight(county.alice, at("2026-03-03 10:00")) == ["次日交办"]
    # Withdrawing it later does not undo the late assignment.
    actions.withdraw_directive(
        directive=d, reason="上级已另行部署", by=county.alice, now=at("2026-03-04 09:00")
    )
    assert overnight(county.alice, at("2026-03-04 10:00")) == ["次日交办"]


def test_a_directive_sent_out_the_same_evening_did_not(county: County) -> None:
    d = registered(county, at("2026-03-02 17:00"), "当晚交办")
    sent_out(county, d, at("2026-03-02 23:30"))
    assert overnight(county.alice, at("2026-03-05 10:00")) == []


def test_days_are_counted_in_shanghai_time(county: County) -> None:
    # 07:30 and 18:00 in Shanghai are on two different UTC days; 23:30 and 07:00 on one.
    early = registered(county, at("2026-03-02 07:30"), "早晨登记当天交办")
    sent_out(county, early, at("2026-03-02 18:00"))
    late = registered(county, at("2026-03-02 23:30"), "深夜登记次晨交办")
    sent_out(county, late, at("2026-03-03 07:00"))
    assert overnight(county.alice, at("2026-03-03 10:00")) == ["深夜登记次晨交办"]


def test_a_directive_still_waiting_counts_from_midnight(county: County) -> None:
    registered(county, at("2026-03-02 17:00"), "尚未交办")
    assert overnight(county.alice, at("2026-03-02 23:59")) == []
    assert overnight(county.alice, at("2026-03-03 00:01")) == ["尚未交办"]


def test_a_directive_withdrawn_before_it_was_sent_out_does_not_count(county: County) -> None:
    d = registered(county, at("2026-03-02 17:00"), "登记后撤销")
    actions.withdraw_directive(
        directive=d, reason="重复登记", by=county.alice, now=at("2026-03-02 18:00")
    )
    assert overnight(county.alice, at("2026-03-03 10:00")) == []


def test_overnight_directives_since_a_day_and_seen_by_a_unit(county: County) -> None:
    d = registered(county, at("2026-03-02 17:00"), "次日交办")
    sent_out(county, d, at("2026-03-03 09:00"))
    registered(county, at("2026-03-03 17:00"), "尚未交办")
    now = at("2026-03-04 10:00")
    assert overnight(county.alice, now) == ["次日交办", "尚未交办"]
    assert overnight(county.alice, now, since=date(2026, 3, 3)) == ["尚未交办"]
    # A unit sees only the directive that reached it; the office's backlog is not its business.
    assert overnight(county.amy, now) == ["次日交办"]
    assert overnight(county.carl, now) == []
    assert overnight(county.sam, now) == []
