"""考评: unit scores per month, quarter or year, from the record.

Score = the base (SupervisionConfig.score_base, default 100) + the points of every score
item of the unit in the period. Each item is one application of one rule (ScoreRule) to
one task the unit leads, and names the events it rests on, so a unit can check each point
against the task's timeline. The rules count results only, never activity (the 2024
burden-reduction rules): no logins, clicks or numbers of reports.

What each rule kind counts, for the unit that leads the task now (its primary lead):
- on_time         a task whose last closure (销号) falls in the period, closed on time.
                  A task reopened by a spot check earns nothing until it is closed again.
- early           the same, with the done report at least `threshold` working days before
                  the deadline.
- overdue         a task whose deadline falls in the period, has passed, and was not met:
                  no done report by the deadline (later, or none yet). Evidence: the event
                  that set the deadline, and the late done report if there is one.
- missing_report  a report slot in the period, already past, that the lead unit did not
                  fill on time: filled late (evidence: that report) or not at all
                  (evidence: the event that set the report cycle). Slots after the done
                  report are not owed.
- sent_back       each 退回重办 in the period (evidence: that event).
- false_finding / partial_finding
                  each spot-check finding of 不属实 / 基本属实 in the period.
- escalated       each escalation step taken in the period (only the rule's step if set).
Points are multiplied by the rule's key weight when the task is a key task (重点督办).
An item whose appeal was upheld counts zero and is shown struck through.

The figures are computed over every task (a ranking must be the same for everyone);
what a person is shown is scoped in `scoreboard` and `unit_score`: the office, leaders
see every unit, a liaison or unit head only their own unit's details.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from duban.org.models import UNIT_ROLES, Unit, UnitKind, User
from duban.supervise import periods, rule_history
from duban.supervise.models import AppealStatus, RuleKind, ScoreAppeal, ScoreRule, config
from duban.supervise.ranking import competition_ranks
from duban.work import lights, rules
from duban.work.context import load_calendar
from duban.work.models import Event, EventKind, ProgressReport, Task, TaskStatus
from duban.work.selectors import SEE_ALL

CENT = Decimal("0.01")
_EVENT_RULES = {
    RuleKind.SENT_BACK: EventKind.SENT_BACK,
    RuleKind.FALSE_FINDING: EventKind.SPOT_CHECKED,
    RuleKind.PARTIAL_FINDING: EventKind.SPOT_CHECKED,
    RuleKind.ESCALATED: EventKind.ESCALATED,
    RuleKind.DISSATISFIED: EventKind.REOPENED,
}
_DUE_SETTERS = (
    EventKind.ASSIGNED,
    EventKind.REASSIGNED,
    EventKind.EXTENSION_DECIDED,
    EventKind.DUE_RECOMPUTED,
    EventKind.REOPENED,
)
_CYCLE_SETTERS = (EventKind.ASSIGNED, EventKind.KEY_CHANGED, EventKind.REOPENED)


@dataclass(frozen=True)
class Evidence:
    event_id: int
    seq: int
    kind: str
    at: datetime

    @property
    def label(self) -> str:
        at = timezone.localtime(self.at)
        return f"第{self.seq}条流转记录（{EventKind(self.kind).label}，{at:%Y-%m-%d %H:%M}）"


@dataclass
class ScoreItem:
    key: str  # "<rule id>:<task id>:<ref>", what an appeal names
    rule: ScoreRule
    task: Task
    unit_id: int
    on: date  # the day the item happened, which decides its period
    points: Decimal  # after the key weight
    why: str
    evidence: list[Evidence]
    appeal: ScoreAppeal | None = None

    @property
    def counted(self) -> bool:
        return self.appeal is None or self.appeal.status != AppealStatus.UPHELD

    @property
    def effective(self) -> Decimal:
        return self.points if self.counted else Decimal(0)


@dataclass
class UnitScore:
    unit: Unit
    base: Decimal
    items: list[ScoreItem] = field(default_factory=list)
    rank: int = 0

    @property
    def total(self) -> Decimal:
        return self.base + sum((i.effective for i in self.items), Decimal(0))

    @property
    def plus(self) -> Decimal:
        return sum((i.effective for i in self.items if i.effective > 0), Decimal(0))

    @property
    def minus(self) -> Decimal:
        return sum((i.effective for i in self.items if i.effective < 0), Decimal(0))


@dataclass
class Board:
    period: periods.Period
    rows: list[UnitScore]
    units_ranked: int
    rules: list[ScoreRule]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def rules_with_a_past() -> list[ScoreRule]:
    """The rules in force, and those switched off that were in force once (they still
    count in the periods when they were)."""
    return list(
        ScoreRule.objects.filter(Q(is_active=True) | Q(history__isnull=False))
        .distinct()
        .select_related("step")
    )


def _weight(rule: ScoreRule, task: Task) -> Decimal:
    points = rule.points * (rule.key_weight if task.is_key else Decimal(1))
    return points.quantize(CENT)


def _ev(e: Event) -> Evidence:
    return Evidence(event_id=e.pk, seq=e.seq, kind=e.kind, at=e.at)


def _last_events(task_ids: Iterable[int], kinds: Iterable[str]) -> dict[int, list[Event]]:
    """Each task's events of these kinds, oldest first (one query)."""
    out: dict[int, list[Event]] = defaultdict(list)
    ids = list(task_ids)
    if not ids:
        return out
    for e in (
        Event.objects.filter(task_id__in=ids, kind__in=list(kinds))
        .only("id", "task_id", "seq", "kind", "at", "payload")
        .order_by("task_id", "seq")
    ):
        assert e.task_id is not None
        out[e.task_id].append(e)
    return out


def _due_setter(events: list[Event]) -> Event | None:
    """The event that set the deadline in force: the last one that changed it."""
    for e in reversed(events):
        if e.kind == EventKind.REASSIGNED and not e.payload.get("due"):
            continue
        if e.kind == EventKind.EXTENSION_DECIDED and not e.payload.get("approved"):
            continue
        if e.kind in _DUE_SETTERS:
            return e
    return None


@dataclass(frozen=True)
class _Scope:
    period: periods.Period
    start: datetime  # the period's first instant
    end: datetime  # its end, or now if earlier
    today: date
    tasks: QuerySet[Task]
    by_kind: dict[str, list[ScoreRule]]


def items_for(
    period: periods.Period,
    *,
    now: datetime,
    task_ids: Iterable[int] | None = None,
    score_rules: list[ScoreRule] | None = None,
) -> list[ScoreItem]:
    """Every score item of every unit in the period, as of `now` (or of some tasks')."""
    if score_rules is None:
        score_rules = rules_with_a_past()
    by_kind: dict[str, list[ScoreRule]] = defaultdict(list)
    for r in score_rules:
        by_kind[r.kind].append(r)
    tasks = Task.objects.exclude(status__in=[TaskStatus.DRAFT, TaskStatus.WITHDRAWN]).filter(
        lead_unit__isnull=False
    )
    if task_ids is not None:
        tasks = tasks.filter(id__in=list(task_ids))
    scope = _Scope(
        period=period,
        start=_midnight(period.start),
        end=min(_midnight(period.end), now),
        today=timezone.localdate(now),
        tasks=tasks.select_related("directive", "lead_unit"),
        by_kind=by_kind,
    )
    items = [*_closures(scope), *_overdue(scope), *_missing_reports(scope), *_from_events(scope)]
    # Each item with the rule's values of its day: a rule changed later leaves it alone.
    history = rule_history.history_of(score_rules)
    kept = []
    for item in items:
        values = rule_history.values_on(item.rule, item.on, history.get(item.rule.pk, []))
        if values.is_active:
            weight = values.key_weight if item.task.is_key else Decimal(1)
            item.points = (values.points * weight).quantize(CENT)
            kept.append(item)
    items = kept
    appeals = {
        a.item_key: a for a in ScoreAppeal.objects.filter(item_key__in=[i.key for i in items])
    }
    for item in items:
        item.appeal = appeals.get(item.key)
    items.sort(key=lambda i: (i.unit_id, i.on, i.rule.order, i.rule.pk, i.task.pk))
    return items


def _item(rule: ScoreRule, task: Task, ref: str, on: date, why: str, ev: list[Event]) -> ScoreItem:
    return ScoreItem(
        key=f"{rule.pk}:{task.pk}:{ref}",
        rule=rule,
        task=task,
        unit_id=task.lead_unit_id or 0,
        on=on,
        points=_weight(rule, task),
        why=why,
        evidence=[_ev(e) for e in ev],
    )


def _closures(scope: _Scope) -> list[ScoreItem]:
    """按期办结 and 提前办结: tasks whose last closure falls in the period."""
    on_time, early = scope.by_kind[RuleKind.ON_TIME], scope.by_kind[RuleKind.EARLY]
    if not on_time and not early:
        return []
    closed = list(
        scope.tasks.filter(
            status=TaskStatus.CLOSED, closed_on_time=True, closed_at__gte=scope.start
        ).filter(closed_at__lt=scope.end)
    )
    evs = _last_events([t.pk for t in closed], [EventKind.CLOSED, EventKind.SUBMITTED])
    calendar = load_calendar() if early else None
    out = []
    for t in closed:
        assert t.closed_at is not None and t.submitted_at is not None and t.due is not None
        closing = [e for e in evs[t.pk] if e.kind == EventKind.CLOSED][-1]
        submitted = [e for e in evs[t.pk] if e.kind == EventKind.SUBMITTED][-1:]
        on = timezone.localdate(t.closed_at)
        for rule in on_time:
            why = f"{on:%m月%d日}办结销号，按期办结（时限{t.due:%m月%d日}）。"
            out.append(_item(rule, t, str(closing.pk), on, why, [closing]))
        if calendar is None:
            continue
        done_on = timezone.localdate(t.submitted_at)
        ahead = calendar.workdays_between(done_on, t.due)
        for rule in early:
            if ahead >= max(rule.threshold, 1):
                why = f"{done_on:%m月%d日}报送办结，比时限{t.due:%m月%d日}提前{ahead}个工作日。"
                out.append(_item(rule, t, str(closing.pk), on, why, [*submitted, closing]))
    return out


def _overdue(scope: _Scope) -> list[ScoreItem]:
    """逾期: deadlines in the period, already past, not met by a done report."""
    rules_ = scope.by_kind[RuleKind.OVERDUE]
    if not rules_:
        return []
    missed = [
        t
        for t in scope.tasks.filter(
            due__gte=scope.period.start, due__lt=min(scope.period.end, scope.today)
        )
        if t.due is not None
        and (t.submitted_at is None or timezone.localdate(t.submitted_at) > t.due)
    ]
    evs = _last_events([t.pk for t in missed], [*_DUE_SETTERS, EventKind.SUBMITTED])
    out = []
    for t in missed:
        assert t.due is not None
        setter = _due_setter(evs[t.pk])
        evidence = [setter] if setter else []
        if t.submitted_at is not None:
            evidence += [e for e in evs[t.pk] if e.kind == EventKind.SUBMITTED][-1:]
            done_on = timezone.localdate(t.submitted_at)
            why = f"时限{t.due:%m月%d日}，{done_on:%m月%d日}才报送办结。"
        else:
            why = f"时限{t.due:%m月%d日}，逾期未报送办结。"
        for rule in rules_:
            out.append(_item(rule, t, f"d{t.due.isoformat()}", t.due, why, evidence))
    return out


def _missing_reports(scope: _Scope) -> list[ScoreItem]:
    """缺报/迟报: report slots in the period, already past, not filled on time."""
    rules_ = scope.by_kind[RuleKind.MISSING_REPORT]
    if not rules_:
        return []
    cyclic = list(
        scope.tasks.exclude(cycle="none").filter(
            assigned_at__isnull=False, assigned_at__lt=scope.end, due__gte=scope.period.start
        )
    )
    late_reports = {
        (r.task_id, r.slot): r
        for r in ProgressReport.objects.filter(
            task_id__in=[t.pk for t in cyclic],
            late=True,
            slot__gte=scope.period.start,
            slot__lt=scope.period.end,
        ).select_related("event")
    }
    evs = _last_events([t.pk for t in cyclic], _CYCLE_SETTERS)
    out = []
    for t in cyclic:
        assert t.assigned_at is not None and t.due is not None
        slots = lights.report_slots(
            t.cycle, t.cycle_day, rules.cycle_start(t.assigned_at, t.cycle_from), t.due
        )
        done_on = timezone.localdate(t.submitted_at) if t.submitted_at else None
        filled = set(t.reported_slots)
        for slot in slots:
            if slot not in scope.period or slot >= scope.today:
                continue
            if done_on is not None and slot >= done_on:
                continue  # not owed after the done report
            report = late_reports.get((t.pk, slot))
            if report is not None:
                late_on = timezone.localdate(report.at)
                why = f"应于{slot:%m月%d日}前报送的进展，{late_on:%m月%d日}补报。"
                evidence = [report.event]
            elif slot.isoformat() in filled:
                continue  # reported on time
            else:
                why = f"应于{slot:%m月%d日}前报送的进展，未报送。"
                evidence = evs[t.pk][-1:]  # the event that set the cycle
            for rule in rules_:
                out.append(_item(rule, t, f"s{slot.isoformat()}", slot, why, evidence))
    return out


def _from_events(scope: _Scope) -> list[ScoreItem]:
    """退回重办, spot-check findings and escalations: one item per event in the period."""
    wanted = {_EVENT_RULES[k] for k in _EVENT_RULES if scope.by_kind[k]}
    if not wanted:
        return []
    events = Event.objects.filter(
        kind__in=wanted, at__gte=scope.start, at__lt=scope.end, task__in=scope.tasks
    )
    out = []
    for e in events.select_related("task__directive", "task__lead_unit").order_by("at", "id"):
        task = e.task
        assert task is not None
        for kind, rule_list in scope.by_kind.items():
            if _EVENT_RULES.get(RuleKind(kind)) != e.kind:
                continue
            for rule in rule_list:
                why = _event_why(rule, e)
                if why is not None:
                    out.append(_item(rule, task, str(e.pk), timezone.localdate(e.at), why, [e]))
    return out


def _event_why(rule: ScoreRule, e: Event) -> str | None:
    on = f"{timezone.localtime(e.at):%m月%d日}"
    p = e.payload
    if rule.kind == RuleKind.SENT_BACK:
        return f"{on}办结报告被退回重办：{p.get('reason', '')}"
    if rule.kind == RuleKind.FALSE_FINDING:
        return f"{on}随机抽查核实不属实。" if p.get("verdict") == "false" else None
    if rule.kind == RuleKind.PARTIAL_FINDING:
        return f"{on}随机抽查核实基本属实。" if p.get("verdict") == "mostly" else None
    if rule.kind == RuleKind.ESCALATED:
        if rule.step_id is not None and p.get("step") != rule.step_id:
            return None
        return f"{on}{p.get('note') or p.get('name', '')}"
    if rule.kind == RuleKind.DISSATISFIED:
        # Only a reopening after a deputy's 不满意 (its event names the proposal), not one
        # after an untrue spot-check finding, which FALSE_FINDING already counts.
        return f"{on}{p.get('reason', '')}" if p.get("proposal") else None
    return None


def _ranked_units(items: list[ScoreItem]) -> list[Unit]:
    with_items = {i.unit_id for i in items}
    units = Unit.objects.filter(
        Q(is_active=True) & ~Q(kind=UnitKind.SECTION) | Q(id__in=with_items)
    ).order_by("order", "id")
    return list(units)


def compute(period: periods.Period, *, now: datetime) -> Board:
    """Every unit's score and rank for the period (not scoped: see `scoreboard`)."""
    score_rules = rules_with_a_past()
    items = items_for(period, now=now, score_rules=score_rules)
    base = config().score_base
    rows = {u.pk: UnitScore(unit=u, base=base) for u in _ranked_units(items)}
    for item in items:
        if item.unit_id in rows:
            rows[item.unit_id].items.append(item)
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.unit.order, r.unit.pk))
    for row, rank in zip(ordered, competition_ranks([r.total for r in ordered]), strict=True):
        row.rank = rank
    in_force = [r for r in score_rules if r.is_active]
    return Board(period=period, rows=ordered, units_ranked=len(ordered), rules=in_force)


def scoreboard(user: User, period: periods.Period, *, now: datetime) -> Board:
    """The ranking as the user may see it: every unit, or a unit user's own row only."""
    board = compute(period, now=now)
    if user.is_active and user.role in SEE_ALL:
        return board
    if user.is_active and user.role in UNIT_ROLES and user.unit_id is not None:
        board.rows = [r for r in board.rows if r.unit.pk == user.unit_id]
        return board
    board.rows = []
    return board


def may_see_unit(user: User, unit: Unit) -> bool:
    if not user.is_active:
        return False
    if user.role in SEE_ALL:
        return True
    return user.role in UNIT_ROLES and user.unit_id == unit.pk


def unit_score(
    user: User, unit: Unit, period: periods.Period, *, now: datetime
) -> UnitScore | None:
    """One unit's score with every item, or None when the user may not see it."""
    if not may_see_unit(user, unit):
        return None
    board = compute(period, now=now)
    for row in board.rows:
        if row.unit.pk == unit.pk:
            return row
    return UnitScore(unit=unit, base=config().score_base)


def find_item(key: str, *, now: datetime) -> ScoreItem | None:
    """The score item an appeal names, recomputed from the record as of `now`."""
    try:
        rule_id, task_id, ref = key.split(":")
        rule = ScoreRule.objects.get(pk=int(rule_id))
        task = Task.objects.get(pk=int(task_id))
    except (ValueError, ScoreRule.DoesNotExist, Task.DoesNotExist):
        return None
    if ref.startswith(("d", "s")):
        try:
            day = date.fromisoformat(ref[1:])
        except ValueError:
            return None
    elif ref.isdigit():
        event = Event.objects.filter(pk=int(ref), task=task).first()
        if event is None:
            return None
        day = timezone.localdate(event.at)
    else:
        return None
    month = periods.month(day.year, day.month)
    for item in items_for(month, now=now, task_ids=[task.pk], score_rules=[rule]):
        if item.key == key:
            return item
    return None
