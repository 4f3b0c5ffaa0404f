"""Reads of the stream, scoped to the acting user (STYLE.md rule 3).

The office and county leaders see every item; a unit sees the items it handles (or handled,
before an adjustment took them away).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from duban.org.models import UNIT_ROLES, Unit, User
from duban.proposals import rules
from duban.proposals.models import (
    Body,
    Category,
    FollowUp,
    Proposal,
    ProposalSession,
    ProposalUnit,
    Reply,
    ReplyStatus,
    Satisfaction,
    State,
    UnitRole,
)
from duban.records import chain
from duban.records.models import RecordEvent
from duban.work.models import OPEN_STATUSES, TaskStatus
from duban.work.selectors import SEE_ALL

EVENT_LABELS = {
    "registered": "登记",
    "assigned": "交办",
    "adjustment_requested": "申请调整",
    "adjustment_decided": "调整审核",
    "contacted": "沟通联系",
    "opinion_sent": "协办意见",
    "reply_drafted": "起草答复函",
    "reply_signed": "单位负责人签发",
    "reply_reviewed": "督查室审核",
    "reply_sent": "答复函发出",
    "satisfaction": "满意度反馈",
}


def items_visible_to(user: User) -> QuerySet[Proposal]:
    items = Proposal.objects.select_related("session", "task")
    if not user.is_active:
        return items.none()
    if user.role in SEE_ALL:
        return items
    if user.role in UNIT_ROLES and user.unit_id is not None:
        mine = ProposalUnit.objects.filter(unit_id=user.unit_id).values("proposal_id")
        return items.filter(pk__in=mine)
    return items.none()


def item_for(user: User, pk: int) -> Proposal | None:
    return items_visible_to(user).filter(pk=pk).first()


def sessions() -> list[ProposalSession]:
    return list(ProposalSession.objects.all())


@dataclass
class Filters:
    session: int | None = None
    unit: int | None = None
    category: str = ""
    state: str = ""
    overdue: bool = False


def item_list(user: User, f: Filters, *, today: date) -> list[Proposal]:
    """The office's list of a session's items (or a unit's), with their units prefetched."""
    items = items_visible_to(user)
    if f.session:
        items = items.filter(session_id=f.session)
    if f.unit:
        items = items.filter(units__unit_id=f.unit, units__active=True)
    if f.category:
        items = items.filter(category=f.category)
    if f.state:
        items = items.filter(state=f.state)
    if f.overdue:
        items = items.filter(task__status__in=OPEN_STATUSES, task__due__lt=today)
    return list(
        items.prefetch_related(
            Prefetch(
                "units",
                queryset=ProposalUnit.objects.filter(active=True)
                .select_related("unit")
                .order_by("position"),
                to_attr="active_units",
            ),
            "proposers",
        )
        .order_by("session_id", "number")
        .distinct()
    )


@dataclass
class Step:
    kind: str
    label: str
    event: RecordEvent


def history(p: Proposal) -> list[Step]:
    return [Step(e.kind, EVENT_LABELS.get(e.kind, e.kind), e) for e in chain.events_of(p)]


def current_reply(p: Proposal) -> Reply | None:
    return p.replies.filter(round=p.round).order_by("-id").first()


# ---------------------------------------------------------------- the year's figures


@dataclass
class UnitRow:
    unit: str
    items: int = 0
    replied: int = 0
    on_time: int = 0
    satisfied: int = 0  # 满意 + 基本满意 at the first feedback
    dissatisfied: int = 0


@dataclass
class Promise:
    code: str
    title: str
    unit: str
    category: str
    promise: str
    due: date
    done: bool
    overdue: bool


@dataclass
class SessionFigures:
    session: ProposalSession
    items: int = 0
    assigned: int = 0
    replied: int = 0
    reply_rate: float | None = None
    on_time: int = 0
    on_time_rate: float | None = None
    categories: dict[str, int] = field(default_factory=dict)
    first_feedback: dict[str, int] = field(default_factory=dict)
    first_satisfaction_rate: float | None = None
    reopened: int = 0
    units: list[UnitRow] = field(default_factory=list)
    c_items: list[Promise] = field(default_factory=list)  # C: unresolved, still owed
    promises: list[Promise] = field(default_factory=list)  # B (and C) promises tracked

    @property
    def body_label(self) -> str:
        return "建议" if self.session.body == Body.NPC else "提案"


@dataclass
class YearFigures:
    year: int
    today: date
    sessions: list[SessionFigures]


def _lead(p: Proposal) -> Unit | None:
    all_units: list[ProposalUnit] = getattr(p, "all_units", [])
    rows = [r for r in all_units if r.role == UnitRole.LEAD and r.active]
    return rows[0].unit if rows else None


def session_figures(session: ProposalSession, *, today: date) -> SessionFigures:
    f = SessionFigures(session=session)
    items = list(
        session.items.select_related("task")
        .prefetch_related(
            Prefetch(
                "units",
                queryset=ProposalUnit.objects.select_related("unit").order_by("position"),
                to_attr="all_units",
            )
        )
        .order_by("number")
    )
    f.items = len(items)
    cats: Counter[str] = Counter()
    first: Counter[str] = Counter()
    units: dict[str, UnitRow] = {}
    for p in items:
        if p.state == State.REGISTERED:
            continue
        f.assigned += 1
        lead = _lead(p)
        name = lead.label if lead else "—"
        row = units.setdefault(name, UnitRow(unit=name))
        row.items += 1
        if p.replied_at is not None:
            f.replied += 1
            row.replied += 1
            if p.replied_on_time:
                f.on_time += 1
                row.on_time += 1
        if p.category:
            cats[p.category] += 1
        if p.first_satisfaction:
            first[p.first_satisfaction] += 1
            if p.first_satisfaction == Satisfaction.DISSATISFIED:
                row.dissatisfied += 1
                f.reopened += 1
            else:
                row.satisfied += 1
        if p.category == Category.C:
            reply = p.replies.filter(status=ReplyStatus.SENT).order_by("-id").first()
            f.c_items.append(
                Promise(
                    code=p.code,
                    title=p.title,
                    unit=name,
                    category="C",
                    promise=reply.promise if reply else "",
                    due=reply.promise_due if reply and reply.promise_due else today,
                    done=False,
                    overdue=False,
                )
            )
    f.reply_rate = rules.rate(f.replied, f.assigned)
    f.on_time_rate = rules.rate(f.on_time, f.replied)
    f.categories = {c: cats[c] for c in Category.values}
    f.first_feedback = {s.label: first[s.value] for s in Satisfaction}
    feedback = sum(first.values())
    f.first_satisfaction_rate = rules.rate(
        first[Satisfaction.SATISFIED] + first[Satisfaction.BASIC], feedback
    )
    f.units = sorted(units.values(), key=lambda r: (-r.items, r.unit))
    for fu in FollowUp.objects.filter(proposal__session=session).select_related(
        "proposal__session", "task__lead_unit"
    ):
        done = fu.task.status == TaskStatus.CLOSED
        f.promises.append(
            Promise(
                code=fu.proposal.code,
                title=fu.proposal.title,
                unit=fu.task.lead_unit.label if fu.task.lead_unit else "—",
                category=fu.category,
                promise=fu.promise,
                due=fu.due,
                done=done,
                overdue=not done and fu.task.status != TaskStatus.WITHDRAWN and fu.due < today,
            )
        )
    # A C item whose promise is done is resolved; the rest stay listed as owed.
    done_codes = {pr.code for pr in f.promises if pr.done}
    f.c_items = [c for c in f.c_items if c.code not in done_codes]
    return f


def year_figures(user: User, year: int, *, today: date) -> YearFigures:
    """The figures of the year's sessions (人大 first). The office and leaders only."""
    if user.role not in SEE_ALL:
        return YearFigures(year=year, today=today, sessions=[])
    sessions = ProposalSession.objects.filter(year=year).order_by("body")
    ordered = sorted(sessions, key=lambda s: s.body != Body.NPC)
    return YearFigures(
        year=year, today=today, sessions=[session_figures(s, today=today) for s in ordered]
    )


def ledger_rows(user: User, year: int, *, today: date) -> list[dict[str, Any]]:
    """One row per item of the year, for the ledger .xlsx."""
    rows = []
    items = (
        items_visible_to(user)
        .filter(session__year=year)
        .prefetch_related(
            Prefetch(
                "units",
                queryset=ProposalUnit.objects.filter(active=True)
                .select_related("unit")
                .order_by("position"),
                to_attr="active_units",
            ),
            "proposers",
        )
        .order_by("session__body", "number")
    )
    for p in items:
        leads = [r.unit.label for r in p.active_units if r.role == UnitRole.LEAD]
        cos = [r.unit.label for r in p.active_units if r.role == UnitRole.CO]
        people = list(p.proposers.all())
        task = p.task
        rows.append(
            {
                "类别": Body(p.session.body).label,
                "编号": p.code,
                "标题": p.title,
                "领衔人": next((x.name for x in people if x.role == "lead"), ""),
                "附议/联名": "、".join(x.name for x in people if x.role != "lead"),
                "代表团/界别": next((x.delegation for x in people if x.role == "lead"), ""),
                "急办件": "是" if p.urgent else "",
                "主办单位": "、".join(leads),
                "协办单位": "、".join(cos),
                "交办日期": p.assigned_at.date().isoformat() if p.assigned_at else "",
                "答复时限": task.due.isoformat() if task and task.due else "",
                "状态": p.get_state_display(),
                "办理轮次": p.round,
                "答复类别": p.category,
                "按期答复": {True: "是", False: "否", None: ""}[p.replied_on_time],
                "首次满意度": p.get_first_satisfaction_display(),
                "最终满意度": p.get_satisfaction_display(),
                "逾期": "是"
                if task and task.status in OPEN_STATUSES and task.due and task.due < today
                else "",
            }
        )
    return rows


def public_replies(year: int) -> list[Reply]:
    """The sent replies marked for publication, the last of each item (the answer that stands)."""
    replies = (
        Reply.objects.filter(proposal__session__year=year, status=ReplyStatus.SENT, is_public=True)
        .select_related("proposal__session", "unit")
        .order_by("proposal__session__body", "proposal__number", "-round", "-id")
    )
    seen: set[int] = set()
    out = []
    for r in replies:
        if r.proposal_id not in seen:
            seen.add(r.proposal_id)
            out.append(r)
    return out


def units_for_filter() -> QuerySet[Unit]:
    used = ProposalUnit.objects.filter(active=True).values("unit_id")
    return Unit.objects.filter(Q(pk__in=used)).order_by("name")


def counts_by_state(items: list[Proposal]) -> dict[str, int]:
    c: Counter[str] = Counter(p.state for p in items)
    return {s.label: c[s.value] for s in State}


def by_unit(items: list[Proposal]) -> dict[str, list[Proposal]]:
    out: dict[str, list[Proposal]] = defaultdict(list)
    for p in items:
        for r in getattr(p, "active_units", []):
            out[r.unit.label].append(p)
    return out
