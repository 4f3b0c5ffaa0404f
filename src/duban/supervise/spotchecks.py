"""Reads for random spot checks: the population a draw is made from, and the records.

The population is the set of tasks with a closure (销号) event in the period, so a task
reopened after a finding stays in it and a draw can be repeated later with the same
result. Filters: the closure period (local dates, both ends included), lead units
(the task's lead unit now), source kinds, and the key flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from duban.org.models import Role, User
from duban.supervise import sampling
from duban.supervise.models import SpotCheck, SpotCheckItem, SupervisionEvent
from duban.supervise.sampling import Member
from duban.work.models import Event, EventKind, Task


@dataclass(frozen=True)
class Filters:
    closed_from: date | None = None
    closed_to: date | None = None
    units: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    is_key: bool | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "closed_from": self.closed_from.isoformat() if self.closed_from else None,
            "closed_to": self.closed_to.isoformat() if self.closed_to else None,
            "units": sorted(self.units),
            "kinds": sorted(self.kinds),
            "is_key": self.is_key,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filters:
        return cls(
            closed_from=date.fromisoformat(data["closed_from"])
            if data.get("closed_from")
            else None,
            closed_to=date.fromisoformat(data["closed_to"]) if data.get("closed_to") else None,
            units=tuple(data.get("units") or ()),
            kinds=tuple(data.get("kinds") or ()),
            is_key=data.get("is_key"),
        )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def population(f: Filters) -> list[Member]:
    """The tasks a draw is made from, by task id, with their lead units."""
    closures = Event.objects.filter(kind=EventKind.CLOSED)
    if f.closed_from is not None:
        closures = closures.filter(at__gte=_midnight(f.closed_from))
    if f.closed_to is not None:
        closures = closures.filter(at__lt=_midnight(f.closed_to + timedelta(days=1)))
    tasks = Task.objects.filter(id__in=closures.values("task_id"), lead_unit__isnull=False)
    if f.units:
        tasks = tasks.filter(lead_unit_id__in=f.units)
    if f.kinds:
        tasks = tasks.filter(directive__kind__in=f.kinds)
    if f.is_key is not None:
        tasks = tasks.filter(is_key=f.is_key)
    rows = tasks.order_by("id").values_list("id", "lead_unit_id")
    return [Member(task_id=i, unit_id=u) for i, u in rows]


def spot_checks_visible_to(user: User) -> QuerySet[SpotCheck]:
    """Spot checks are the office's work: supervisors and leaders see them."""
    if user.is_active and user.role in (Role.SUPERVISOR, Role.LEADER):
        return SpotCheck.objects.all()
    return SpotCheck.objects.none()


def items_of(spot_check: SpotCheck) -> QuerySet[SpotCheckItem]:
    return spot_check.items.select_related(
        "task__directive", "task__lead_unit", "found_by", "rectification__directive"
    ).order_by("position")


@dataclass(frozen=True)
class Verification:
    """A recorded spot check drawn again from its recorded seed and population."""

    seed: int
    population: int
    sample: list[int]  # the task ids on record, in drawn order
    digest_ok: bool  # the recorded population still hashes to the recorded digest
    sample_ok: bool  # drawing again gives the sample on record, item for item
    population_unchanged: bool  # the same filters select the same tasks today

    @property
    def ok(self) -> bool:
        return self.digest_ok and self.sample_ok


def verify(check: SpotCheck) -> Verification:
    """复核: draw again and compare (`duban spotcheck verify` and the spot-check page)."""
    drawn = SupervisionEvent.objects.get(stream=check.stream, kind="drawn")
    p = drawn.payload
    members = [Member(task_id, unit_id) for task_id, unit_id in p["population"]]
    recorded = [m.task_id for m in members]
    members_now = population(Filters.from_json(p["filters"]))
    again = sampling.draw(members, seed=p["seed"], n=check.size, stratify=p["stratify"])
    on_record = list(check.items.order_by("position").values_list("task_id", flat=True))
    return Verification(
        seed=p["seed"],
        population=len(recorded),
        sample=on_record,
        digest_ok=sampling.population_digest(recorded) == check.population_digest,
        sample_ok=again == p["sample"] == on_record,
        population_unchanged=[m.task_id for m in members_now] == recorded,
    )
