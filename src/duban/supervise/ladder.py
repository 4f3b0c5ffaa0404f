"""Escalation ladders: which steps a task has reached. Pure functions, no Django.

A ladder is an ordered list of steps. Each step names a basis and a threshold:

- red              the task has been red for at least N working days (N = 0: the day it
                   turns red). Counted from `red_since`, the day it last turned red.
- overdue          the deadline passed at least N working days ago and no done report
                   came in (N = 1: the first working day after the deadline).
- yellow_times     the task has turned yellow at least N times (广元: two yellows).
- red_times        the task has turned red at least N times (隆昌: three reds).
- missing_reports  at least N periodic reports are missing.

Key tasks (重点督办) may use a lower threshold (`key_threshold`) and may skip a step
(`key_skip`: 三明's key items start at orange). Steps fire in order: a step waits until
every earlier step that applies to the task has fired, so "the leader hears of it" never
comes before "the unit was urged". Each step fires at most once per task (the caller
passes the steps already fired); when several are due on one day they all fire, in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from duban.workdays.calendar import WorkCalendar

RED, OVERDUE, YELLOW_TIMES, RED_TIMES, MISSING_REPORTS = (
    "red",
    "overdue",
    "yellow_times",
    "red_times",
    "missing_reports",
)


@dataclass(frozen=True)
class Step:
    id: int
    order: int
    basis: str
    threshold: int
    key_threshold: int | None = None
    key_skip: bool = False


@dataclass(frozen=True)
class Facts:
    """What the ladder reads of a running task (its projection)."""

    is_key: bool
    light: str
    due: date | None
    submitted: bool
    red_since: date | None
    yellow_count: int
    red_count: int
    missing_reports: int


def threshold_for(step: Step, is_key: bool) -> int:
    if is_key and step.key_threshold is not None:
        return step.key_threshold
    return step.threshold


def holds(step: Step, facts: Facts, today: date, calendar: WorkCalendar) -> bool:
    """Whether the step's condition is met today."""
    n = threshold_for(step, facts.is_key)
    if step.basis == RED:
        return (
            facts.light == "red"
            and facts.red_since is not None
            and calendar.workdays_between(facts.red_since, today) >= n
        )
    if step.basis == OVERDUE:
        return (
            facts.due is not None
            and not facts.submitted
            and today > facts.due
            and calendar.workdays_between(facts.due, today) >= n
        )
    if step.basis == YELLOW_TIMES:
        return facts.yellow_count >= max(n, 1)
    if step.basis == RED_TIMES:
        return facts.red_count >= max(n, 1)
    if step.basis == MISSING_REPORTS:
        return facts.missing_reports >= max(n, 1)
    raise ValueError(f"unknown basis {step.basis!r}")


def due_steps(
    steps: Sequence[Step],
    facts: Facts,
    *,
    fired: Iterable[int],
    today: date,
    calendar: WorkCalendar,
) -> list[Step]:
    """The steps of one ladder that fire today, in order (none already fired)."""
    done = set(fired)
    out: list[Step] = []
    for step in sorted(steps, key=lambda s: (s.order, s.id)):
        if facts.is_key and step.key_skip:
            continue
        if step.id in done:
            continue
        if not holds(step, facts, today, calendar):
            break  # later steps wait for this one
        out.append(step)
    return out
