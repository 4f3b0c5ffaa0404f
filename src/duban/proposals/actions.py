"""The only way to change the stream's records (STYLE.md rule 1).

Each action takes the acting user (`by`) and the time (`now`), runs in one transaction
(`work.action`), writes the item's chained event (records.chain.append) and, for the
handling itself, calls the work actions on the item's Task: 交办 registers a Directive of
kind PROPOSAL and assigns its Task; 申请调整 approved is a 改派; the unit head's sign-off is
the lead unit's 办结报告; the office's review is 审核; 发出 is 销号; a 不满意 reopens the
Task (重新办理) with the 再次办理 deadline; a B/C promise is a new Task of the Directive.
So lights, urging, escalation and scores apply to the handling as to any task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from duban.audit.rows import text_digest
from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import UNIT_ROLES, Role, Unit, User
from duban.proposals import rules
from duban.proposals.models import (
    Adjustment,
    Body,
    Category,
    Contact,
    ContactWay,
    CoOpinion,
    Feedback,
    FollowUp,
    Proposal,
    ProposalSession,
    ProposalUnit,
    Proposer,
    ProposerRole,
    Reply,
    ReplyStatus,
    RequestStatus,
    Satisfaction,
    State,
    UnitRole,
    number_label,
    proposal_config,
)
from duban.records import chain
from duban.work import actions as work
from duban.work.actions.core import _now, _require_role, _require_supervisor
from duban.work.context import rule_context
from duban.work.errors import Invalid, Refused
from duban.work.models import (
    AssignmentStatus,
    DirectiveKind,
    EventKind,
    Task,
    TaskStatus,
    Urgency,
)

ISSUER = {Body.NPC: "县人大常委会代表工作室", Body.CPPCC: "县政协提案委员会"}


# ---------------------------------------------------------------- helpers


def _lock(proposal: Proposal) -> Proposal:
    """Re-read the item under a row lock: two writers of one chain serialise here."""
    return Proposal.objects.select_for_update().select_related("session").get(pk=proposal.pk)


def _append(p: Proposal, kind: str, now: datetime, by: User, payload: dict[str, Any]) -> None:
    chain.append(p, kind=kind, at=now, by=by, payload=payload)


def _save(p: Proposal, *fields: str) -> None:
    p.save(update_fields=list(fields))


def _require_state(p: Proposal, states: Sequence[str], what: str) -> None:
    if p.state not in states:
        raise Invalid(
            f"{p.code}当前为“{p.get_state_display()}”，不能{what}。",
            log=f"proposal {p.pk} in state {p.state} cannot {what}",
        )


def _unit_on(p: Proposal, by: User, what: str, *, roles: Sequence[str] = ()) -> ProposalUnit:
    """The actor's active handling unit on the item (of one of `roles` if given)."""
    _require_role(by, UNIT_ROLES, what)
    assert by.unit is not None
    row = p.units.filter(unit=by.unit, active=True).first()
    if row is None:
        raise Refused(
            f"{by.unit.label}不是{p.code}的承办单位，无权{what}。",
            log=f"unit {by.unit.code} not on proposal {p.pk}",
        )
    if roles and _role_of(p, row) not in roles:
        raise Refused(
            f"只有主办单位可以{what}。",
            log=f"unit {by.unit.code} is not the answering lead of proposal {p.pk}",
        )
    return row


def _role_of(p: Proposal, row: ProposalUnit) -> str:
    """ "answer" for the first 主办 (it writes the reply), "opinion" for co-units and the
    further 会办 units (they send their opinion to the first)."""
    first = p.units.filter(active=True, role=UnitRole.LEAD).order_by("position").first()
    return "answer" if first is not None and first.pk == row.pk else "opinion"


def _ensure_received(task: Task, by: User, now: datetime) -> None:
    """A unit's first act on the item is its 签收 of the handling task (work.receive)."""
    a = task.assignments.filter(unit=by.unit).first()
    if a is not None and a.status == AssignmentStatus.PENDING:
        work.receive(task=task, by=by, now=now)


def _active_units(p: Proposal) -> tuple[list[Unit], list[Unit]]:
    rows = list(p.units.filter(active=True).select_related("unit").order_by("position"))
    return (
        [r.unit for r in rows if r.role == UnitRole.LEAD],
        [r.unit for r in rows if r.role == UnitRole.CO],
    )


def _check_units(lead: Sequence[Unit], co: Sequence[Unit]) -> None:
    if not lead:
        raise Invalid("请选择主办单位。", log="no lead unit", field="lead")
    ids = [u.pk for u in (*lead, *co)]
    if len(ids) != len(set(ids)):
        raise Invalid("同一单位不能既是主办又是协办。", log="duplicate unit", field="co")


def _set_units(p: Proposal, lead: Sequence[Unit], co: Sequence[Unit]) -> None:
    """Make the active handling units these; rows of units no longer on it stay, inactive."""
    wanted = {u.pk: (UnitRole.LEAD, i) for i, u in enumerate(lead)}
    wanted |= {u.pk: (UnitRole.CO, len(lead) + i) for i, u in enumerate(co)}
    for row in p.units.all():
        if row.unit_id in wanted:
            role, pos = wanted.pop(row.unit_id)
            row.role, row.position, row.active = role, pos, True
        else:
            row.active = False
        row.save(update_fields=["role", "position", "active"])
    for unit_id, (role, pos) in wanted.items():
        ProposalUnit(proposal=p, unit_id=unit_id, role=role, position=pos).save()


def _today(now: datetime) -> date:
    return timezone.localdate(now)


# ---------------------------------------------------------------- sessions and intake


@work.action
def create_session(
    *, year: int, body: str, name: str, by: User, now: datetime | None = None
) -> ProposalSession:
    """A session's batch: the year's 人大 (or 政协) meeting whose items are handled."""
    now = _now(now)
    _require_supervisor(by, "登记建议提案批次")
    if body not in Body.values:
        raise Invalid("请选择人大建议或政协提案。", log=f"bad body {body}", field="body")
    if not 2000 <= year <= 2100:
        raise Invalid("年度须在2000年至2100年之间。", log=f"bad year {year}", field="year")
    name = work.require_text(name, "name", "会议名称")
    if ProposalSession.objects.filter(year=year, body=body).exists():
        raise Invalid(f"{year}年{Body(body).label}批次已登记。", log="session exists", field="year")
    session = ProposalSession(year=year, body=body, name=name, created_at=now)
    session.save()
    return session


@dataclass
class ProposerDraft:
    name: str
    delegation: str = ""
    phone: str = ""
    address: str = ""


@dataclass
class ItemDraft:
    """One item as intake reads it (a form or a row of the 人大/政协 list)."""

    number: int
    title: str
    text: str
    lead: ProposerDraft
    joined: Sequence[ProposerDraft] = ()
    urgent: bool = False
    row: str = ""  # "第3行：" when imported, to name the row in a refusal
    extra: dict[str, Any] = field(default_factory=dict)


def _register(session: ProposalSession, d: ItemDraft, by: User, now: datetime) -> Proposal:
    row = d.row
    if d.number < 1:
        raise Invalid(f"{row}编号须为正整数。", log="bad number", field="number")
    title = work.require_text(d.title, "title", f"{row}标题")
    if len(title) > 200:
        raise Invalid(f"{row}标题不能超过200字。", log="title too long", field="title")
    text = work.require_text(d.text, "text", f"{row}内容")
    lead_name = work.require_text(d.lead.name, "lead", f"{row}领衔人")
    if session.items.filter(number=d.number).exists():
        raise Invalid(
            f"{row}{number_label(session.body, d.number)}已登记，编号不能重复。",
            log=f"number {d.number} exists",
            field="number",
        )
    p = Proposal(
        session=session,
        number=d.number,
        title=title,
        text=text,
        urgent=d.urgent,
        registered_at=now,
        registered_by=by,
    )
    p.save()
    people = [(d.lead, ProposerRole.LEAD), *((j, ProposerRole.JOINED) for j in d.joined)]
    for pos, (person, role) in enumerate(people):
        name = person.name.strip() if role == ProposerRole.JOINED else lead_name
        if not name:
            continue
        Proposer(
            proposal=p,
            position=pos,
            name=name,
            role=role,
            delegation=person.delegation.strip(),
            phone=person.phone.strip(),
            address=person.address.strip(),
        ).save()
    _append(
        p,
        "registered",
        now,
        by,
        {
            "session": session.pk,
            "number": d.number,
            "title": title,
            "urgent": d.urgent,
            # The text stays on the row; its SM3 here lets verify see it changed. Contact
            # details are personal data and stay out of the chain (encrypted on the row).
            "text_sm3": text_digest(text),
            "proposers": [
                {"name": pr.name, "role": pr.role, "delegation": pr.delegation}
                for pr in p.proposers.all()
            ],
        },
    )
    return p


@work.action
def register(
    *, session: ProposalSession, item: ItemDraft, by: User, now: datetime | None = None
) -> Proposal:
    """登记: one item of the session, as the office types it in."""
    now = _now(now)
    _require_supervisor(by, "登记建议提案")
    return _register(session, item, by, now)


@work.action
def import_items(
    *, session: ProposalSession, items: Sequence[ItemDraft], by: User, now: datetime | None = None
) -> list[Proposal]:
    """导入: the whole list or nothing. Every bad row is named, not only the first."""
    now = _now(now)
    _require_supervisor(by, "导入建议提案")
    if not items:
        raise Invalid("导入文件中没有建议提案。", log="no rows", field="file")
    problems: list[str] = []
    seen: dict[int, str] = {}
    for d in items:
        if d.number in seen:
            problems.append(f"{d.row}编号与{seen[d.number]}重复。")
        seen.setdefault(d.number, d.row.rstrip("："))
    if problems:
        raise Invalid("\n".join(problems), log="duplicate numbers in import", field="file")
    created: list[Proposal] = []
    for d in items:
        try:
            created.append(_register(session, d, by, now))
        except Invalid as e:
            problems.append(e.message)
    if problems:
        # Raising rolls back the rows registered before (one transaction): nothing half-stored.
        raise Invalid("\n".join(problems), log=f"{len(problems)} bad rows", field="file")
    return created


# ---------------------------------------------------------------- 交办


@work.action
def assign(
    *,
    proposal: Proposal,
    lead: Sequence[Unit],
    co: Sequence[Unit] = (),
    by: User,
    due: date | None = None,
    now: datetime | None = None,
) -> Proposal:
    """交办: the item becomes a Directive (kind PROPOSAL) with one Task for its units.

    The deadline is three months from 交办 unless the county set otherwise (urgent items
    sooner); `due` overrides it for this item. The co-units' opinions are due within the
    co-unit window, and a unit may ask to change the assignment within N working days.
    """
    now = _now(now)
    _require_supervisor(by, "交办建议提案")
    p = _lock(proposal)
    _require_state(p, [State.REGISTERED], "交办")
    _check_units(lead, co)
    cfg = proposal_config()
    today = _today(now)
    w = rules.windows(
        assigned_on=today,
        urgent=p.urgent,
        reply_months=cfg.reply_months,
        urgent_days=cfg.urgent_days,
        co_opinion_days=cfg.co_opinion_days,
        adjust_workdays=cfg.adjust_workdays,
        calendar=rule_context().calendar,
    )
    spec = {"date": due.isoformat()} if due else w.reply_spec
    lead_person = p.proposers.filter(role=ProposerRole.LEAD).first()
    directive = work.register(
        kind=DirectiveKind.PROPOSAL,
        title=f"{p.session.year}年{p.code}：{p.title}"[:200],
        urgency=Urgency.URGENT if p.urgent else Urgency.NORMAL,
        received_at=p.registered_at,
        doc_no=p.code,
        issuer=ISSUER[Body(p.session.body)],
        text=p.text,
        by=by,
        now=now,
    )
    (task,) = work.decompose(
        directive=directive,
        tasks=[
            work.TaskDraft(
                content=f"办理{p.code}《{p.title}》并书面答复"
                + (f"{lead_person.name}" if lead_person else "代表委员"),
                lead=lead,
                co=co,
                requirement="答复前与代表委员沟通；协办单位按时提出协办意见；"
                "答复函经单位负责人签发、督查室审核后发出。",
                due=spec,
            )
        ],
        by=by,
        now=now,
    )
    work.assign(task=task, by=by, now=now)
    task.refresh_from_db()
    _set_units(p, lead, co)
    p.state, p.directive, p.task, p.assigned_at = State.HANDLING, directive, task, now
    p.co_due, p.adjust_until = w.co_due, w.adjust_until
    _save(p, "state", "directive", "task", "assigned_at", "co_due", "adjust_until")
    _append(
        p,
        "assigned",
        now,
        by,
        {
            "lead": [u.pk for u in lead],
            "co": [u.pk for u in co],
            "directive": directive.pk,
            "task": task.pk,
            "due": task.due.isoformat() if task.due else None,
            "co_due": w.co_due.isoformat(),
            "adjust_until": w.adjust_until.isoformat(),
        },
    )
    return p


# ---------------------------------------------------------------- 申请调整


@work.action
def request_adjustment(
    *,
    proposal: Proposal,
    reason: str,
    suggestion: str = "",
    by: User,
    now: datetime | None = None,
) -> Adjustment:
    """申请调整: within the window after 交办, a unit asks the office to change the units."""
    now = _now(now)
    p = _lock(proposal)
    row = _unit_on(p, by, "申请调整交办")
    _require_state(p, [State.HANDLING], "申请调整")
    reason = work.require_text(reason, "reason", "申请调整的理由")
    assert p.adjust_until is not None
    if _today(now) > p.adjust_until or p.round > 1:
        raise Invalid(
            f"申请调整期限至{p.adjust_until:%Y年%m月%d日}，现已超过期限，请按交办办理。",
            log=f"adjustment window ended {p.adjust_until}",
            field="reason",
        )
    if p.adjustments.filter(status=RequestStatus.PENDING).exists():
        raise Invalid("该件已有待审核的调整申请。", log="pending adjustment", field="reason")
    req = Adjustment(
        proposal=p,
        unit=row.unit,
        reason=reason,
        suggestion=suggestion.strip(),
        requested_by=by,
        requested_at=now,
    )
    req.save()
    _append(
        p,
        "adjustment_requested",
        now,
        by,
        {"request": req.pk, "reason": reason, "suggestion": req.suggestion},
    )
    enqueue_for_users(
        list(User.objects.filter(role=Role.SUPERVISOR, is_active=True)),
        kind="proposal_adjustment",
        title=f"{row.unit.label}申请调整：{p.code}",
        body=reason[:200],
        task=p.task,
        now=now,
    )
    return req


@work.action
def decide_adjustment(
    *,
    adjustment: Adjustment,
    approve: bool,
    decision: str = "",
    lead: Sequence[Unit] = (),
    co: Sequence[Unit] = (),
    by: User,
    now: datetime | None = None,
) -> Adjustment:
    """The office decides: approved, the item is reassigned (work 改派) to the new units."""
    now = _now(now)
    _require_supervisor(by, "审核调整申请")
    req = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    p = _lock(req.proposal)
    if req.status != RequestStatus.PENDING:
        raise Invalid("该调整申请已审核。", log=f"adjustment {req.pk} decided")
    payload: dict[str, Any] = {"request": req.pk, "approved": approve}
    if approve:
        _check_units(lead, co)
        assert p.task is not None
        reason = decision.strip() or f"{req.unit.label}申请调整：{req.reason}"
        work.reassign(task=p.task, lead=lead, co=co, reason=reason, by=by, now=now)
        _set_units(p, lead, co)
        payload |= {"lead": [u.pk for u in lead], "co": [u.pk for u in co]}
        decision = reason
    else:
        decision = work.require_text(decision, "decision", "不同意调整的理由")
    payload["decision"] = decision
    req.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    req.decided_by, req.decided_at, req.decision = by, now, decision
    req.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    _append(p, "adjustment_decided", now, by, payload)
    enqueue_for_units(
        [req.unit],
        kind="proposal_adjustment_decided",
        title=f"调整申请{'已同意' if approve else '未同意'}：{p.code}",
        body=decision[:200],
        task=p.task,
        now=now,
    )
    return req


# ---------------------------------------------------------------- handling


@work.action
def record_contact(
    *,
    proposal: Proposal,
    on: date,
    way: str,
    with_whom: str,
    by_whom: str,
    note: str = "",
    by: User,
    now: datetime | None = None,
) -> Contact:
    """沟通: the 主办 unit records its contact with the deputy/member before the reply."""
    now = _now(now)
    p = _lock(proposal)
    row = _unit_on(p, by, "登记沟通情况", roles=["answer"])
    _require_state(p, [State.HANDLING], "登记沟通情况")
    if way not in ContactWay.values:
        raise Invalid("请选择沟通方式。", log=f"bad way {way}", field="way")
    with_whom = work.require_text(with_whom, "with_whom", "沟通对象")
    by_whom = work.require_text(by_whom, "by_whom", "承办人")
    if on > _today(now):
        raise Invalid("沟通日期不能晚于今天。", log="contact in future", field="on")
    if p.assigned_at is not None and on < _today(p.assigned_at):
        raise Invalid("沟通日期不能早于交办日期。", log="contact before assignment", field="on")
    assert p.task is not None
    _ensure_received(p.task, by, now)
    c = Contact(
        proposal=p,
        round=p.round,
        unit=row.unit,
        on=on,
        way=way,
        with_whom=with_whom,
        by_whom=by_whom,
        note=note.strip(),
        recorded_by=by,
        recorded_at=now,
    )
    c.save()
    _append(
        p,
        "contacted",
        now,
        by,
        {
            "contact": c.pk,
            "round": p.round,
            "on": on.isoformat(),
            "way": way,
            "with": with_whom,
            "by": by_whom,
            "note": c.note,
        },
    )
    return c


@work.action
def send_opinion(
    *, proposal: Proposal, text: str, by: User, now: datetime | None = None
) -> CoOpinion:
    """协办意见: a co-unit (or a further 会办 unit) sends its opinion to the 主办 unit.

    In the work record it is that unit's 办结报告 of its share of the task (work.submit_done),
    which the 主办's submission then carries to the office.
    """
    now = _now(now)
    p = _lock(proposal)
    row = _unit_on(p, by, "提出协办意见", roles=["opinion"])
    _require_state(p, [State.HANDLING], "提出协办意见")
    text = work.require_text(text, "text", "协办意见")
    if p.opinions.filter(unit=row.unit, round=p.round).exists():
        raise Invalid(f"{row.unit.label}已提出过协办意见。", log="opinion exists", field="text")
    assert p.task is not None
    _ensure_received(p.task, by, now)
    task = Task.objects.get(pk=p.task.pk)
    share = task.assignments.filter(unit=row.unit).first()
    # The work share is reported once (first round); a county whose liaisons report through
    # their head (单位审核) keeps the opinion in the item's record only (docs/decisions.md).
    if (
        share is not None
        and share.status == AssignmentStatus.RECEIVED
        and task.status == TaskStatus.IN_PROGRESS
        and not work.needs_unit_review(by, "submit")
    ):
        work.submit_done(task=task, text=f"协办意见：{text}", by=by, now=now)
    late = p.co_due is not None and _today(now) > p.co_due
    op = CoOpinion(
        proposal=p, round=p.round, unit=row.unit, text=text, late=late, sent_by=by, sent_at=now
    )
    op.save()
    _append(
        p,
        "opinion_sent",
        now,
        by,
        {"opinion": op.pk, "round": p.round, "text_sm3": text_digest(text), "late": late},
    )
    lead, _ = _active_units(p)
    enqueue_for_units(
        lead[:1],
        kind="proposal_opinion",
        title=f"{row.unit.label}协办意见：{p.code}",
        body=text[:200],
        task=p.task,
        now=now,
    )
    return op


def _open_reply(p: Proposal) -> Reply | None:
    return (
        p.replies.filter(round=p.round).exclude(status=ReplyStatus.RETURNED).order_by("-id").first()
    )


@work.action
def draft_reply(
    *,
    proposal: Proposal,
    category: str,
    text: str,
    promise: str = "",
    promise_due: date | None = None,
    is_public: bool = False,
    by: User,
    now: datetime | None = None,
) -> Reply:
    """答复函 draft by the 主办 unit, after contacting the deputy/member.

    A draft not yet signed may be drafted again (it is replaced in place, the chain keeps
    both); a returned one is followed by a new draft.
    """
    now = _now(now)
    p = _lock(proposal)
    row = _unit_on(p, by, "起草答复函", roles=["answer"])
    _require_state(p, [State.HANDLING], "起草答复函")
    if not p.contacts.filter(round=p.round).exists():
        raise Invalid(
            "答复前须与代表委员沟通，请先登记沟通情况。", log="no contact", field="category"
        )
    text = work.require_text(text, "text", "答复内容")
    problem = rules.promise_problem(category, promise, promise_due, _today(now))
    if problem:
        field_name = "category" if "类别" in problem else "promise"
        if "时限" in problem:
            field_name = "promise_due"
        raise Invalid(problem, log=f"bad promise for {category}", field=field_name)
    reply = _open_reply(p)
    if reply is not None and reply.status != ReplyStatus.DRAFT:
        raise Invalid(f"答复函{reply.get_status_display()}，不能再修改。", log="reply past draft")
    if reply is None:
        reply = Reply(proposal=p, round=p.round, unit=row.unit, drafted_by=by, drafted_at=now)
    reply.category, reply.text, reply.is_public = category, text, is_public
    reply.promise, reply.promise_due = promise.strip(), promise_due
    reply.drafted_by, reply.drafted_at = by, now
    reply.save()
    _append(
        p,
        "reply_drafted",
        now,
        by,
        {
            "reply": reply.pk,
            "round": p.round,
            "category": category,
            "text_sm3": text_digest(text),
            "promise": reply.promise,
            "promise_due": promise_due.isoformat() if promise_due else None,
            "public": is_public,
        },
    )
    return reply


@work.action
def sign_reply(*, reply: Reply, by: User, now: datetime | None = None) -> Reply:
    """签发: the 主办 unit's head signs the reply; it goes to the office as the unit's
    办结报告 of the handling task."""
    now = _now(now)
    p = _lock(reply.proposal)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    _require_role(by, [Role.UNIT_HEAD], "签发答复函")
    if by.unit_id != reply.unit_id:
        raise Refused("只有主办单位负责人可以签发答复函。", log="head of another unit")
    if reply.status != ReplyStatus.DRAFT:
        raise Invalid(f"答复函{reply.get_status_display()}，不能签发。", log="not a draft")
    assert p.task is not None
    _ensure_received(p.task, by, now)
    work.submit_done(
        task=p.task,
        text=f"答复函（{Category(reply.category).label}）：{reply.text}",
        by=by,
        now=now,
    )
    reply.status, reply.signed_by, reply.signed_at = ReplyStatus.SIGNED, by, now
    reply.save(update_fields=["status", "signed_by", "signed_at"])
    _append(p, "reply_signed", now, by, {"reply": reply.pk, "round": reply.round})
    return reply


@work.action
def review_reply(
    *,
    reply: Reply,
    approve: bool,
    category: str = "",
    is_public: bool | None = None,
    note: str = "",
    by: User,
    now: datetime | None = None,
) -> Reply:
    """审核: the office approves (and may change the category and the publication) or
    returns the reply; in the work record it is 审核通过 or 退回重办."""
    now = _now(now)
    _require_supervisor(by, "审核答复函")
    p = _lock(reply.proposal)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != ReplyStatus.SIGNED:
        raise Invalid(f"答复函{reply.get_status_display()}，不能审核。", log="not signed")
    assert p.task is not None
    payload: dict[str, Any] = {"reply": reply.pk, "round": reply.round, "approved": approve}
    if approve:
        category = category or reply.category
        problem = rules.promise_problem(
            category, reply.promise, reply.promise_due, _today(reply.drafted_at)
        )
        if problem:
            raise Invalid(problem, log="category change breaks promise", field="category")
        if category != reply.category:
            # The office may change the class the unit chose (office-rules.md).
            payload["category"] = {"from": reply.category, "to": category}
            reply.category = category
        if is_public is not None and is_public != reply.is_public:
            payload["public"] = is_public
            reply.is_public = is_public
        work.verify(task=p.task, accept=True, by=by, confirm_silent_co=True, now=now)
        reply.status = ReplyStatus.APPROVED
    else:
        note = work.require_text(note, "note", "退回修改的理由")
        work.verify(task=p.task, accept=False, reason=f"答复函退回修改：{note}", by=by, now=now)
        reply.status = ReplyStatus.RETURNED
    payload["note"] = note.strip()
    reply.reviewed_by, reply.reviewed_at, reply.review_note = by, now, note.strip()
    reply.save(
        update_fields=[
            "status",
            "category",
            "is_public",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        ]
    )
    _append(p, "reply_reviewed", now, by, payload)
    return reply


@work.action
def send_reply(*, reply: Reply, by: User, now: datetime | None = None) -> Reply:
    """发出: the reply goes to the deputy/member; the handling task is closed (销号), and a
    B/C promise becomes a task of its own with its own deadline."""
    now = _now(now)
    _require_supervisor(by, "发出答复函")
    p = _lock(reply.proposal)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != ReplyStatus.APPROVED:
        raise Invalid(f"答复函{reply.get_status_display()}，不能发出。", log="not approved")
    assert p.task is not None and p.directive is not None
    work.close(task=p.task, by=by, note=f"答复函已发出（{reply.category}类）", now=now)
    task = Task.objects.get(pk=p.task.pk)
    reply.status, reply.sent_at = ReplyStatus.SENT, now
    reply.save(update_fields=["status", "sent_at"])
    p.state, p.category = State.REPLIED, reply.category
    fields = ["state", "category"]
    if p.replied_at is None:
        p.replied_at, p.replied_on_time = now, task.closed_on_time
        fields += ["replied_at", "replied_on_time"]
    _save(p, *fields)
    payload: dict[str, Any] = {
        "reply": reply.pk,
        "round": reply.round,
        "category": reply.category,
        "on_time": task.closed_on_time,
    }
    if reply.promise and reply.promise_due is not None:
        (fu_task,) = work.decompose(
            directive=p.directive,
            tasks=[
                work.TaskDraft(
                    content=f"落实{p.code}答复承诺：{reply.promise}",
                    lead=[reply.unit],
                    requirement=f"{reply.category}类答复中承诺的事项，下次会议前报送落实情况。",
                    due={"date": reply.promise_due.isoformat()},
                )
            ],
            by=by,
            now=now,
        )
        work.assign(task=fu_task, by=by, now=now)
        fu = FollowUp(
            proposal=p,
            reply=reply,
            category=reply.category,
            promise=reply.promise,
            due=reply.promise_due,
            task=fu_task,
            created_at=now,
        )
        fu.save()
        payload["follow_up"] = {"id": fu.pk, "task": fu_task.pk, "due": fu.due.isoformat()}
    _append(p, "reply_sent", now, by, payload)
    return reply


@work.action
def record_satisfaction(
    *,
    proposal: Proposal,
    level: str,
    comment: str = "",
    by: User,
    now: datetime | None = None,
) -> Feedback:
    """反馈: the deputy/member's satisfaction, entered by the office. 不满意 reopens the
    handling task (再次办理) with the re-handling deadline (one month by default)."""
    now = _now(now)
    _require_supervisor(by, "登记满意度")
    p = _lock(proposal)
    _require_state(p, [State.REPLIED], "登记满意度")
    if level not in Satisfaction.values:
        raise Invalid("请选择满意度。", log=f"bad level {level}", field="level")
    comment = comment.strip()
    if level == Satisfaction.DISSATISFIED:
        comment = work.require_text(comment, "comment", "不满意的意见")
    reply = p.replies.filter(round=p.round, status=ReplyStatus.SENT).order_by("-id").first()
    assert reply is not None and p.task is not None
    fb = Feedback(
        proposal=p,
        round=p.round,
        reply=reply,
        level=level,
        comment=comment,
        entered_by=by,
        entered_at=now,
    )
    try:
        fb.save()
    except IntegrityError:  # pragma: no cover - the state check above already refuses it
        raise Invalid("本轮答复已登记满意度。", log="feedback exists") from None
    payload: dict[str, Any] = {"round": p.round, "level": level, "comment": comment}
    p.satisfaction = level
    fields = ["satisfaction", "state"]
    if p.round == 1:
        p.first_satisfaction = level
        fields.append("first_satisfaction")
    if level == Satisfaction.DISSATISFIED:
        cfg = proposal_config()
        ctx = rule_context()
        spec = {"months": cfg.reopen_months}
        resolved = work.resolve_due_from(spec, _today(now), ctx)
        # The work record's own 重新办理: the same task, open again, with the new deadline,
        # so its light, urging and on-time count follow the second round.
        task = Task.objects.select_for_update().get(pk=p.task.pk)
        work.record(
            task,
            kind=EventKind.REOPENED,
            at=now,
            by=by,
            unit=by.unit,
            ctx=ctx,
            payload={
                **work.due_payload(spec, resolved),
                "reason": f"代表委员对答复不满意，再次办理：{comment}",
                "proposal": p.pk,
            },
        )
        lead, co = _active_units(p)
        enqueue_for_units(
            [*lead, *co],
            kind="reopened",
            title=f"不满意，再次办理：{p.code}",
            body=f"意见：{comment}\n请于{resolved.due:%Y年%m月%d日}前再次答复。",
            task=task,
            now=now,
        )
        p.round += 1
        p.state = State.HANDLING
        # The co-units' window opens again with the second round.
        p.co_due = _today(now) + timedelta(days=cfg.co_opinion_days)
        fields += ["round", "co_due"]
        payload["reopened"] = {"round": p.round, "due": resolved.due.isoformat()}
    else:
        p.state = State.DONE
    _save(p, *fields)
    _append(p, "satisfaction", now, by, payload)
    return fb
