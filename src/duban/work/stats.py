"""统计: the dashboard's figures, over the tasks the user may see, counted in the database.

On-time rate (按期办结率) = tasks closed on time / tasks closed (`Task.closed_on_time`,
settled against the deadline in force when the task was closed), over the tasks closed in
the same twelve months as the trend. A leader's line counts the tasks they lead (牵头领导)
plus those whose lead unit is in their portfolio, as the ledger's `?line=` filter does, so
a line's figure and its ledger list agree.

Every figure is a grouped count in SQL; Python only adds up the grouped rows (a few
hundred), never the tasks. The query shapes were chosen on the 100,000-task bench
(bench/bench_web.py): one grouped read for the units, lines and kinds together, and the
months found by comparing with month boundaries computed here in Asia/Shanghai time: one
pass for both series, 4x faster than TruncMonth on SQLite (a Python function per row
there) and 2x on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from duban.org.models import Leader, Portfolio, Unit, User
from duban.work import selectors, tally
from duban.work.models import DirectiveKind, DirectiveStatus, Light, TaskStatus, TaskTally

MONTHS = 12


def _county_wide(user: User) -> bool:
    """Who sees every task is served from the tally kept by the actions (work/tally.py)."""
    return user.is_active and user.role in selectors.SEE_ALL


@dataclass(frozen=True)
class Counts:
    lights: dict[str, int]  # drafts and withdrawn tasks have no light and are left out
    statuses: dict[str, int]


def counts(user: User) -> Counts:
    """Tasks by light and by status, from one pass over the (light, status) index."""
    lights = {value: 0 for value in Light.values if value != Light.NONE}
    statuses = dict.fromkeys(TaskStatus.values, 0)
    rows: Iterable[tuple[str, str, int]]
    if _county_wide(user):
        rows = (
            TaskTally.objects.filter(facet=tally.STATE)
            .values_list("light", "status")
            .annotate(total=Sum("n"))
            .order_by()
        )
    else:
        # COUNT(*): PostgreSQL then answers from the index alone (bench/README.md).
        rows = (
            selectors.tasks_visible_to(user)
            .values_list("light", "status")
            .annotate(n=Count("*"))
            .order_by()
        )
    for light, status, n in rows:
        statuses[status] += n
        if light in lights and status not in (TaskStatus.DRAFT, TaskStatus.WITHDRAWN):
            lights[light] += n
    return Counts(lights, statuses)


@dataclass(frozen=True)
class Rate:
    label: str
    closed: int
    on_time: int
    key: str = ""  # the ledger filter value behind the row (a unit, leader or kind)

    @property
    def late(self) -> int:
        return self.closed - self.on_time

    @property
    def percent(self) -> float | None:
        """Rounded to one decimal; None when nothing is closed (no rate, not 0 %)."""
        return round(100 * self.on_time / self.closed, 1) if self.closed else None


@dataclass(frozen=True)
class OnTime:
    since: date
    overall: Rate
    by_unit: list[Rate]  # the lowest rate first: the units to follow up
    by_line: list[Rate]
    by_kind: list[Rate]


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    """The first days of the last `months` months, oldest first, ending with today's month."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def on_time(user: User, *, now: datetime, months: int = MONTHS) -> OnTime:
    """On-time rates overall, by lead unit, by line and by source kind (one grouped query)."""
    since = month_starts(timezone.localdate(now), months)[0]
    # Only 销号 sets closed_at, and a reopening (不属实 finding) clears it (rules.apply), so
    # the date alone picks the closed tasks. Adding status = 'closed' would make SQLite
    # walk the (status, due) index through most of the table: 2.5x slower than a scan.
    groups: list[tuple[str, int | None, int | None, int, int]]
    if _county_wide(user):
        groups = list(
            TaskTally.objects.filter(facet=tally.CLOSED, month__gte=since)
            .values_list("kind", "leader_id", "lead_unit_id")
            .annotate(total=Sum("n"), ok=Coalesce(Sum("n", filter=Q(closed_on_time=True)), 0))
            .order_by()
        )
    else:
        closed = selectors.tasks_visible_to(user).filter(closed_at__gte=_local_midnight(since))
        # Kind first: grouping by a task column first makes SQLite read the tasks in that
        # column's index order, one random row at a time (3-4x slower than a scan).
        groups = list(
            closed.values_list("directive__kind", "leader_id", "lead_unit_id")
            .annotate(n=Count("*"), ok=Count("id", filter=Q(closed_on_time=True)))
            .order_by()
        )
    units: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, _, unit_id, n, ok in groups:
        if unit_id is not None:
            units[unit_id][0] += n
            units[unit_id][1] += ok
        kinds[kind][0] += n
        kinds[kind][1] += ok
    labels = {u.pk: u.label for u in Unit.objects.only("id", "name", "short_name")}
    by_unit = [Rate(labels[u], n, ok, key=str(u)) for u, (n, ok) in units.items()]
    by_unit.sort(key=lambda r: (r.percent if r.percent is not None else 101, -r.closed, r.label))

    portfolio: dict[int, set[int]] = defaultdict(set)
    for leader_id, unit_id in Portfolio.objects.values_list("leader_id", "unit_id"):
        portfolio[leader_id].add(unit_id)
    by_line = []
    for leader in Leader.objects.order_by("order", "id"):
        line = portfolio[leader.pk]
        mine = [(n, ok) for _, ld, u, n, ok in groups if ld == leader.pk or u in line]
        n, ok = sum(n for n, _ in mine), sum(ok for _, ok in mine)
        by_line.append(Rate(str(leader), n, ok, key=str(leader.pk)))

    by_kind = []
    for value, label in DirectiveKind.choices:
        n, ok = kinds.get(value, (0, 0))
        by_kind.append(Rate(label, n, ok, key=value))
    overall = Rate("全部", sum(g[3] for g in groups), sum(g[4] for g in groups))
    return OnTime(since, overall, by_unit, by_line, by_kind)


@dataclass(frozen=True)
class Month:
    month: date  # the first day
    new: int
    closed: int

    @property
    def label(self) -> str:
        return f"{self.month.month}月"


def _month_of(column: str, bounds: list[datetime]) -> Case:
    """The index of the month `column` falls in (0 = the oldest), NULL before the first."""
    latest_first = range(len(bounds) - 1, -1, -1)
    whens = [When(**{f"{column}__gte": bounds[i]}, then=Value(i)) for i in latest_first]
    return Case(*whens, default=None, output_field=IntegerField())


def monthly_trend(user: User, *, now: datetime, months: int = MONTHS) -> list[Month]:
    """Tasks assigned (新交办) and closed (办结) per Asia/Shanghai month, in one query.

    The tasks are grouped by (month assigned, month closed), each month found by comparing
    with the month boundaries computed here; at most 13 × 13 groups come back.
    """
    starts = month_starts(timezone.localdate(now), months)
    new, closed = [0] * months, [0] * months
    if _county_wide(user):
        index = {m: i for i, m in enumerate(starts)}
        series = {tally.ASSIGNED: new, tally.CLOSED_IN: closed}
        for facet, month, n in (
            TaskTally.objects.filter(facet__in=list(series), month__gte=starts[0])
            .values_list("facet", "month")
            .annotate(total=Sum("n"))
            .order_by()
        ):
            if month in index:
                series[facet][index[month]] += n
        return [Month(m, a, c) for m, a, c in zip(starts, new, closed, strict=True)]
    bounds = [_local_midnight(d) for d in starts]
    groups = (
        selectors.tasks_visible_to(user)
        .filter(Q(assigned_at__gte=bounds[0]) | Q(closed_at__gte=bounds[0]))
        .annotate(new=_month_of("assigned_at", bounds), closed=_month_of("closed_at", bounds))
        .values_list("new", "closed")
        .annotate(n=Count("*"))
        .order_by()
    )
    for new_in, closed_in, n in groups:
        if new_in is not None:
            new[new_in] += n
        if closed_in is not None:
            closed[closed_in] += n
    return [Month(m, a, c) for m, a, c in zip(starts, new, closed, strict=True)]


def overnight_this_month(user: User, *, now: datetime) -> int:
    """不隔夜: directives registered this month and not sent out on their registration day.

    The rule is the selector's. The extra bounds keep this month only (the selector counts
    from `since` on), and say the same again as instants, any status; they let
    the database walk the (status, registered_at) index instead of applying the rule's
    local-date conversion to every directive ever registered.
    """
    first = timezone.localdate(now).replace(day=1)
    after = _next_month(first)
    return (
        selectors.overnight_directives(user, now=now, since=first)
        .filter(
            status__in=DirectiveStatus.values,
            registered_at__gte=_local_midnight(first),
            registered_at__lt=_local_midnight(after),
        )
        .count()
    )
