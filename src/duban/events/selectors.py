"""Reads of major events, scoped to the acting user."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from django.db.models import QuerySet

from duban.events.models import Activity, ActivityState, EventType, FollowUp
from duban.org.models import Role, User
from duban.work.actions import TaskDraft
from duban.work.extraction import extract_for_office
from duban.work.models import Task, TaskStatus

# The office plans and runs events; a county leader sees them (they lead them). Units see
# their part as tasks in their own lists, through the work loop.
VIEWERS = frozenset({Role.SUPERVISOR, Role.LEADER})


def activities_visible_to(user: User) -> QuerySet[Activity]:
    if not user.is_active or user.role not in VIEWERS:
        return Activity.objects.none()
    return Activity.objects.select_related("event_type", "leader")


def year_list(user: User, year: int) -> list[Activity]:
    return list(
        activities_visible_to(user)
        .filter(day__gte=date(year, 1, 1), day__lt=date(year + 1, 1, 1))
        .order_by("day", "id")
    )


def follow_up_progress(activity_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per event: (follow-up directives, of them closed). A directive counts as closed when
    it has tasks and every one is closed or withdrawn, at least one closed."""
    rows = FollowUp.objects.filter(activity_id__in=activity_ids).values_list(
        "activity_id", "directive_id"
    )
    by_directive: dict[int, list[str]] = {}
    for directive_id, status in Task.objects.filter(
        directive_id__in=[d for _, d in rows]
    ).values_list("directive_id", "status"):
        by_directive.setdefault(directive_id, []).append(status)
    result: dict[int, tuple[int, int]] = {}
    for activity_id, directive_id in rows:
        total, closed = result.get(activity_id, (0, 0))
        statuses = by_directive.get(directive_id, [])
        done = TaskStatus.CLOSED in statuses and all(
            s in (TaskStatus.CLOSED, TaskStatus.WITHDRAWN) for s in statuses
        )
        result[activity_id] = (total + 1, closed + int(done))
    return result


def year_figures(*, year: int) -> dict[str, int]:
    """The year's figures for the 述职 report (issue 19 point 5), county-wide.

    Keys: "events" (held in the year, by date), "events:<type name>" for each type (0 too),
    "closed" (events closed), "follow_ups" (follow-up directives registered from them),
    "follow_ups_closed", and "follow_up_rate_permille" (closed ‰ of follow-ups; 0 without).
    """
    events = list(
        Activity.objects.filter(
            day__gte=date(year, 1, 1), day__lt=date(year + 1, 1, 1)
        ).values_list("pk", "event_type_id", "state")
    )
    types = Counter(t for _, t, _ in events)
    figures: dict[str, int] = {"events": len(events)}
    for event_type in EventType.objects.all():
        figures[f"events:{event_type.name}"] = types[event_type.pk]
    figures["closed"] = sum(1 for _, _, s in events if s == ActivityState.CLOSED)
    progress = follow_up_progress([pk for pk, _, _ in events])
    total = sum(t for t, _ in progress.values())
    done = sum(c for _, c in progress.values())
    figures["follow_ups"] = total
    figures["follow_ups_closed"] = done
    figures["follow_up_rate_permille"] = round(1000 * done / total) if total else 0
    return figures


def follow_up_drafts(activity: Activity) -> list[TaskDraft]:
    """The extractor over the event's notes (work/extraction.py), as task drafts for the
    office to correct: names the registry knows become units; a deadline found in the text
    is kept (counted from the day of the event), else the office default applies."""
    if not activity.notes.strip():
        return []
    found = extract_for_office(activity.notes, base=activity.day)
    drafts = []
    for task in found.tasks:
        lead = [u for name in task.lead for u in (found.registry.resolve(name) or [])]
        co = [u for name in task.co for u in (found.registry.resolve(name) or [])]
        lead_ids = {u.pk for u in lead}
        co = [u for u in dict.fromkeys(co) if u.pk not in lead_ids]
        due = (
            {"date": task.deadline.isoformat()} if task.deadline and not task.deadline_past else {}
        )
        drafts.append(
            TaskDraft(
                content=task.text,
                lead=list(dict.fromkeys(lead)),
                co=co,
                due=due,
                leader=activity.leader,
            )
        )
    return drafts


@dataclass(frozen=True)
class YearRow:
    activity: Activity
    follow_ups: int
    follow_ups_closed: int

    @property
    def rate(self) -> str:
        if not self.follow_ups:
            return "—"
        return f"{100 * self.follow_ups_closed / self.follow_ups:.0f}%"


def year_rows(user: User, year: int) -> list[YearRow]:
    events = year_list(user, year)
    progress = follow_up_progress([a.pk for a in events])
    return [YearRow(a, *progress.get(a.pk, (0, 0))) for a in events]


YEAR_HEADERS = ["日期", "类型", "活动名称", "带队领导", "状态", "后续事项", "已办结", "落实率"]


def write_year_csv(out: TextIO, *, user: User, year: int) -> None:
    writer = csv.writer(out)
    writer.writerow(YEAR_HEADERS)
    for row in year_rows(user, year):
        a = row.activity
        writer.writerow(
            [
                a.day.isoformat(),
                a.event_type.name,
                a.title,
                str(a.leader) if a.leader else "",
                a.get_state_display(),
                row.follow_ups,
                row.follow_ups_closed,
                row.rate,
            ]
        )
