"""台账: every task the viewer may see, filtered, searched, sorted and cut into pages.

Every read starts from `selectors.tasks_visible_to(user)`, so a liaison's ledger holds only
their unit's tasks whatever the filters say. The filters travel in the query string (a saved
filter is just that string); the web form turns them into a `LedgerFilters`.

Pages are 50 rows. "Next" and "previous" walk by keyset (the sort key of the last or first
row shown), so paging through a long ledger never makes the database skip thousands of rows;
a page asked for by number (the first, the last, a bookmark) counts from whichever end of
the list is nearer, so even the last of 2,000 pages reads at most half the list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from duban.org.models import Unit, User
from duban.work import selectors
from duban.work.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    ProgressReport,
    Task,
)

PAGE_SIZE = 50
OPEN = "open"  # a pseudo-status of the filter: every task not yet closed or withdrawn
LEAD, CO = AssignmentRole.LEAD.value, AssignmentRole.CO.value
# The GET parameters that make up a filter, in the order a saved filter stores them.
FILTER_PARAMS = (
    "q",
    "kind",
    "meeting",
    "unit",
    "unit_role",
    "leader",
    "line",
    "status",
    "light",
    "is_key",
    "due_from",
    "due_to",
    "sort",
)
CODE_RE = re.compile(r"^(\d{4})-(\d{1,6})(?:-(\d{1,4}))?$")  # 2026-0012 or 2026-0012-3


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool
    nullable: bool = False
    is_date: bool = False


@dataclass(frozen=True)
class Sort:
    label: str
    keys: tuple[SortKey, ...]  # the last key is unique, so the order is total


SORTS: dict[str, Sort] = {
    "-code": Sort("编号（新→旧）", (SortKey("directive_id", True), SortKey("number", True))),
    "code": Sort("编号（旧→新）", (SortKey("directive_id", False), SortKey("number", False))),
    # Tasks without a deadline (drafts) go last in both directions.
    "due": Sort(
        "完成时限（近→远）",
        (SortKey("due", False, nullable=True, is_date=True), SortKey("id", False)),
    ),
    "-due": Sort(
        "完成时限（远→近）",
        (SortKey("due", True, nullable=True, is_date=True), SortKey("id", True)),
    ),
}
DEFAULT_SORT = "-code"


@dataclass(frozen=True)
class LedgerFilters:
    q: str = ""
    kind: str = ""
    unit: int | None = None
    unit_role: str = ""  # "" lead or co, "lead", "co"
    leader: int | None = None
    line: int | None = None
    status: str = ""  # a TaskStatus, or OPEN
    light: str = ""
    is_key: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    sort: str = DEFAULT_SORT
    # 按会议: the meeting's id as the page sends it, and the directives its decisions became,
    # which the web resolves through the meetings app (work stays free of it). Only
    # `directives` filters; `meeting` is kept so the query string round-trips.
    meeting: int | None = None
    directives: tuple[int, ...] | None = None


def ledger_tasks(user: User, f: LedgerFilters) -> QuerySet[Task]:
    """The tasks the filters select, among those the user may see (unordered)."""
    qs = selectors.tasks_visible_to(user)
    if f.kind:
        qs = qs.filter(directive__kind=f.kind)
    if f.directives is not None:
        qs = qs.filter(directive_id__in=f.directives)
    if f.unit is not None:
        # "A unit takes part": it holds a share of the task, as lead or co-unit. A unit that
        # was reassigned away (改派) no longer takes part, though it still sees the history.
        # A set of task ids rather than an EXISTS per task: SQLite then fetches the unit's
        # few hundred tasks by id instead of probing the shares of every task (2-3x faster).
        shares = Assignment.objects.filter(unit_id=f.unit).exclude(status=AssignmentStatus.REPLACED)
        if f.unit_role in (LEAD, CO):
            shares = shares.filter(role=f.unit_role)
        qs = qs.filter(pk__in=shares.values("task_id"))
    if f.leader is not None:
        qs = qs.filter(leader_id=f.leader)
    if f.line is not None:
        qs = qs.filter(selectors.line_q(f.line))  # 分线: the one definition of a line
    if f.status == OPEN:
        qs = qs.filter(is_open=True)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.light:
        qs = qs.filter(light=f.light)
    if f.is_key is not None:
        qs = qs.filter(is_key=f.is_key)
    if f.due_from is not None:
        qs = qs.filter(due__gte=f.due_from)
    if f.due_to is not None:
        qs = qs.filter(due__lte=f.due_to)
    if f.q:
        qs = qs.filter(text_match(f.q))
    return qs


def text_match(q: str) -> Q:
    """A task's code, or a substring of its content or of any of its progress reports.

    `icontains` so that Latin letters in a text (PM2.5, G318) match in either case. Chinese
    has no case.
    """
    code = CODE_RE.match(q)
    if code:
        year, serial, number = code.groups()
        by_code = Q(directive__year=int(year), directive__serial=int(serial))
        if number:
            by_code &= Q(number=int(number))
        return by_code
    if connection.vendor == "postgresql":
        # Each half is a trigram index scan (web migration 0002); an OR with a subquery
        # would make PostgreSQL read every task instead.
        in_content = Task.objects.filter(content__icontains=q).order_by().values("pk")
        in_reports = ProgressReport.objects.filter(text__icontains=q).order_by().values("task_id")
        return Q(pk__in=in_content.union(in_reports))
    # SQLite reads the tasks either way; as an OR, the page's query stops after 50 rows.
    reports = ProgressReport.objects.filter(task=OuterRef("pk"), text__icontains=q)
    return Q(content__icontains=q) | Q(Exists(reports))


# ------------------------------------------------------------------ sorting and pages


CursorValue = int | date | None


def order_by(sort: Sort, *, reverse: bool = False) -> list[OrderBy]:
    out = []
    for key in sort.keys:
        descending = key.descending != reverse
        # NULLS LAST going forward, so NULLS FIRST when the page is read backwards.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        kwargs = nulls if key.nullable else {}
        out.append(F(key.field).desc(**kwargs) if descending else F(key.field).asc(**kwargs))
    return out


def beyond(sort: Sort, values: tuple[CursorValue, ...], *, reverse: bool = False) -> Q:
    """The rows strictly after `values` in the sort's order (before them, if `reverse`).

    (k1, k2) after (v1, v2) means k1 beyond v1, or k1 = v1 and k2 beyond v2; a NULL sorts
    after every date going forward.
    """
    alternatives: list[Q] = []
    same = Q()
    for key, value in zip(sort.keys, values, strict=True):
        descending = key.descending != reverse
        nulls_last = not reverse
        name = key.field
        if value is None:
            if not nulls_last:
                alternatives.append(same & Q(**{f"{name}__isnull": False}))
            same &= Q(**{f"{name}__isnull": True})
            continue
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        if key.nullable and nulls_last:
            step |= Q(**{f"{name}__isnull": True})
        alternatives.append(same & step)
        same &= Q(**{name: value})
    result = Q(pk__in=[])
    for alt in alternatives:
        result |= alt
    return result


def cursor_of(sort: Sort, task: Task) -> str:
    parts = []
    for key in sort.keys:
        value = getattr(task, key.field)
        parts.append("" if value is None else value.isoformat() if key.is_date else str(value))
    return ".".join(parts)


def parse_cursor(sort: Sort, raw: str | None) -> tuple[CursorValue, ...] | None:
    """The sort-key values of a cursor; None for anything malformed (the page starts over)."""
    if not raw:
        return None
    parts = raw.split(".")
    if len(parts) != len(sort.keys):
        return None
    values: list[CursorValue] = []
    try:
        for key, part in zip(sort.keys, parts, strict=True):
            if part == "":
                if not key.nullable:
                    return None
                values.append(None)
            else:
                values.append(date.fromisoformat(part) if key.is_date else int(part))
    except ValueError:
        return None
    return tuple(values)


# The task columns a ledger row shows or is sorted and paged by (with its directive and leader).
ROW_FIELDS = (
    "id",
    "number",
    "content",
    "is_key",
    "due",
    "due_provisional",
    "status",
    "light",
    "lead_unit_id",
    "updated_at",
    "directive__id",
    "directive__year",
    "directive__serial",
    "directive__kind",
    "leader__id",
    "leader__name",
)


@dataclass
class LedgerRow:
    task: Task
    leads: list[Unit]
    co: list[Unit]
    latest: str = ""
    latest_at: datetime | None = None


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    number: int
    pages: int
    total: int
    first_cursor: str = ""
    last_cursor: str = ""
    size: int = PAGE_SIZE
    sort: Sort = field(default_factory=lambda: SORTS[DEFAULT_SORT])

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def start(self) -> int:
        """1-based position of the first row shown (0 when the page is empty)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0


def ledger_page(
    user: User,
    f: LedgerFilters,
    *,
    page: int = 1,
    after: str | None = None,
    before: str | None = None,
    size: int | None = None,
    units: Mapping[int, Unit] | None = None,
) -> LedgerPage:
    """One page of the ledger: a COUNT, the page's tasks, then two queries for its rows.

    `units` by id, when the caller has them already (the page loads them for its filter
    form), saves reading the page's units again.
    """
    size = size or PAGE_SIZE
    sort = SORTS.get(f.sort, SORTS[DEFAULT_SORT])
    qs = ledger_tasks(user, f)
    total = qs.count()
    pages = max(1, math.ceil(total / size))
    number = min(max(page, 1), pages)
    # Only the columns a row shows or sorts by: no texts the page never prints (the source
    # excerpt, the requirement) and no JSON columns to decode.
    rows_qs = qs.select_related("directive", "leader").only(*ROW_FIELDS)
    tasks: list[Task] = []
    after_values, before_values = parse_cursor(sort, after), parse_cursor(sort, before)
    if after_values is not None:
        keyset = rows_qs.filter(beyond(sort, after_values)).order_by(*order_by(sort))
        tasks = list(keyset[:size])
    elif before_values is not None:
        keyset = rows_qs.filter(beyond(sort, before_values, reverse=True))
        tasks = list(keyset.order_by(*order_by(sort, reverse=True))[:size])[::-1]
    if not tasks and total:
        # Asked by number, or a cursor that no longer leads anywhere: count from the nearer
        # end of the list, so OFFSET never walks more than half of it.
        # The OFFSET walks the task table's index alone (ids only); the page's rows and
        # their joins are then read by id: 3x faster at page 1,000 of 2,000 on PostgreSQL.
        start, end = (number - 1) * size, min(number * size, total)
        if start <= total - end:
            ids = list(qs.order_by(*order_by(sort)).values_list("pk", flat=True)[start:end])
        else:
            backwards = qs.order_by(*order_by(sort, reverse=True)).values_list("pk", flat=True)
            ids = list(backwards[total - end : total - start])[::-1]
        found = rows_qs.in_bulk(ids)
        tasks = [found[pk] for pk in ids]
    rows = decorate(tasks, units)
    return LedgerPage(
        rows=rows,
        number=number,
        pages=pages,
        total=total,
        first_cursor=cursor_of(sort, tasks[0]) if tasks else "",
        last_cursor=cursor_of(sort, tasks[-1]) if tasks else "",
        size=size,
        sort=sort,
    )


def decorate(tasks: list[Task], units: Mapping[int, Unit] | None = None) -> list[LedgerRow]:
    """The units and the latest progress of one page's tasks: two queries, however many rows."""
    ids = [t.pk for t in tasks]
    if not ids:
        return []
    shares = list(
        Assignment.objects.filter(task_id__in=ids)
        .exclude(status=AssignmentStatus.REPLACED)
        .order_by("task_id", "position")
        .values_list("task_id", "unit_id", "role")
    )
    wanted = {u for _, u, _ in shares} | {t.lead_unit_id for t in tasks if t.lead_unit_id}
    if units is None or not wanted <= units.keys():
        units = Unit.objects.in_bulk(wanted)
    mine_of: dict[int, list[tuple[Unit, str]]] = {}
    for task_id, unit_id, role in shares:
        mine_of.setdefault(task_id, []).append((units[unit_id], role))
    # The newest report of each task, picked by the database (ROW_NUMBER over each task's
    # reports), not by reading every report of the page's tasks.
    newest = (
        ProgressReport.objects.filter(task_id__in=ids)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("task_id")], order_by=[F("at").desc(), F("id").desc()]
            )
        )
        .filter(rank=1)
        .values_list("task_id", "text", "at")
    )
    latest = {task_id: (text, at) for task_id, text, at in newest}
    rows = []
    for t in tasks:
        mine = mine_of.get(t.pk, [])
        leads = [u for u, role in mine if role == LEAD]
        if not leads and t.lead_unit_id is not None:
            leads = [units[t.lead_unit_id]]
        text, at = latest.get(t.pk, ("", None))
        rows.append(
            LedgerRow(
                task=t,
                leads=leads,
                co=[u for u, role in mine if role == CO],
                latest=text,
                latest_at=at,
            )
        )
    return rows


def filter_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """The filter part of a ledger query string, normalised (what a saved filter stores).

    Paging parameters are dropped: a saved filter opens on its first page.
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    given = {k: v.strip() for k, v in pairs if k in FILTER_PARAMS and v and v.strip()}
    if given.get("sort") == DEFAULT_SORT:
        del given["sort"]
    return urlencode([(k, given[k]) for k in FILTER_PARAMS if k in given])
