"""Every change of a meeting: one action each, one transaction, one event on the chain.

The meeting's chain (`records`, stream "mt:<id>") carries its topics, agenda, notice,
sign-in, law study and minutes; a 三重一大 matter has its own ("md:<id>"). Decisions become
work through the work actions (`register` a 会议议定事项 per topic), never by writing work
rows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files import File
from django.db.models import F, Max
from django.utils import timezone

from duban.documents.gbt9704 import check_doc_no
from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import UNIT_ROLES, Leader, Role, Unit, User
from duban.records.chain import append
from duban.work import actions as work_actions
from duban.work import uploads
from duban.work.actions.core import action, require_text
from duban.work.actions.core import now_of as _now
from duban.work.actions.core import require_supervisor as _require_office
from duban.work.errors import Invalid, Refused
from duban.work.models import Directive, DirectiveKind, Urgency

from . import rules
from .models import (
    AgendaState,
    Attendance,
    AttendanceRole,
    DecisionKind,
    LawStudy,
    MajorMatter,
    MatterCategory,
    Meeting,
    MeetingCounter,
    MeetingKind,
    MeetingState,
    MeetingType,
    MinutesVersion,
    Presence,
    ReviewState,
    Topic,
    TopicMaterial,
    TopicState,
)

# ---------------------------------------------------------------- helpers


def _require_convener(by: User, meeting: Meeting, what: str) -> None:
    """The convener signs off the agenda and the minutes (召集人审定)."""
    if not by.is_active or by.role != Role.LEADER or by.leader_id != meeting.type.convener_id:
        raise Refused(
            f"只有会议召集人{meeting.type.convener}可以{what}。",
            log=f"user {by.username} is not the convener of meeting {meeting.pk}",
        )


def _lock(meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock: its chain and state change one at a time."""
    return Meeting.objects.select_for_update().select_related("type").get(pk=meeting.pk)


def _require_state(meeting: Meeting, states: Sequence[str], what: str) -> None:
    if meeting.state not in states:
        raise Invalid(
            f"{meeting.title}当前为“{meeting.get_state_display()}”，不能{what}。",
            log=f"meeting {meeting.pk} in state {meeting.state} cannot {what}",
        )


# ---------------------------------------------------------------- settings


@action
def define_type(
    *,
    name: str,
    kind: str,
    numbering: str,
    convener: Leader,
    by: User,
    attendees: Sequence[Leader] = (),
    sitting_in: Sequence[Unit] = (),
    organ: str = "县人民政府",
    makes_directives: bool = True,
    law_study: bool = False,
    prior_steps: bool = False,
    collective: bool = False,
    cutoff_days: int = 3,
    now: datetime | None = None,
) -> MeetingType:
    """设置会议类型 (the county's settings): who convenes and attends, the numbering."""
    _now(now)
    _require_office(by, "设置会议类型")
    name = require_text(name, "name", "会议类型名称")
    if kind not in MeetingKind.values:
        raise Invalid(f"会议类别“{kind}”无效。", log=f"bad kind {kind}", field="kind")
    problem = rules.check_pattern(numbering)
    if problem:
        raise Invalid(problem, log="bad numbering pattern", field="numbering")
    if not 0 <= cutoff_days <= 30:
        raise Invalid("议题截止须为会前0至30天。", log="bad cutoff", field="cutoff_days")
    if MeetingType.objects.filter(name=name).exists():
        raise Invalid(f"会议类型“{name}”已存在。", log="duplicate type", field="name")
    t = MeetingType(
        name=name,
        kind=kind,
        organ=organ.strip() or "县人民政府",
        numbering=numbering.strip(),
        convener=convener,
        makes_directives=makes_directives,
        law_study=law_study,
        prior_steps=prior_steps,
        collective=collective,
        cutoff_days=cutoff_days,
    )
    t.save()
    t.attendees.set(attendees)
    t.sitting_in.set(sitting_in)
    return t


# ---------------------------------------------------------------- planning


def _allocate(t: MeetingType, year: int) -> int:
    """The next number of the type in the year, under the counter row's lock.

    The UPDATE locks the row until this transaction ends: a second meeting planned at the
    same moment waits, then reads the number after ours (as work/serials.py does). The row
    is created once with ON CONFLICT DO NOTHING, starting after any number already used.
    """
    if not MeetingCounter.objects.filter(type=t, year=year).update(last=F("last") + 1):
        used = Meeting.objects.filter(type=t, year=year).aggregate(m=Max("number"))["m"] or 0
        MeetingCounter.objects.bulk_create(
            [MeetingCounter(type=t, year=year, last=used)], ignore_conflicts=True
        )
        MeetingCounter.objects.filter(type=t, year=year).update(last=F("last") + 1)
    return int(
        MeetingCounter.objects.filter(type=t, year=year).values_list("last", flat=True).get()
    )


@action
def plan_meeting(
    *,
    type: MeetingType,
    starts_at: datetime,
    place: str,
    by: User,
    topic_cutoff: datetime | None = None,
    now: datetime | None = None,
) -> Meeting:
    """筹备会议: the meeting gets its number now; units may submit topics until the cut-off."""
    now = _now(now)
    _require_office(by, "筹备会议")
    if not type.is_active:
        raise Invalid(f"会议类型“{type.name}”已停用。", log="inactive type", field="type")
    place = require_text(place, "place", "会议地点")
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be timezone-aware")
    cutoff = topic_cutoff or starts_at - timedelta(days=type.cutoff_days)
    if cutoff > starts_at:
        raise Invalid(
            "议题截止时间不能晚于会议召开时间。", log="cutoff after start", field="topic_cutoff"
        )
    year = timezone.localtime(starts_at).year
    number = _allocate(type, year)
    meeting = Meeting(
        type=type,
        year=year,
        number=number,
        title=rules.meeting_title(type.numbering, number),
        starts_at=starts_at,
        place=place,
        topic_cutoff=cutoff,
        created_at=now,
        created_by=by,
    )
    meeting.save()
    append(
        meeting,
        kind="planned",
        at=now,
        by=by,
        payload={
            "type": type.pk,
            "number": number,
            "title": meeting.title,
            "starts_at": starts_at.isoformat(),
            "place": place,
            "topic_cutoff": cutoff.isoformat(),
        },
    )
    return meeting


# ---------------------------------------------------------------- topics


def _clean_steps(steps: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, value in steps.items():
        if key not in rules.PRIOR_STEP_LABELS:
            raise Invalid(f"前置程序“{key}”无效。", log=f"bad step {key}", field="steps")
        if str(value or "").strip():
            out[key] = str(value).strip()[:200]
    return out


@action
def submit_topic(
    *,
    meeting: Meeting,
    title: str,
    by: User,
    unit: Unit | None = None,
    presenter: str = "",
    summary: str = "",
    is_normative: bool = False,
    affects_market: bool = False,
    steps: dict[str, str] | None = None,
    sitting_in: Sequence[Unit] = (),
    materials: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> Topic:
    """报送议题: a unit submits a topic with its materials before the cut-off.

    The office may enter one for a unit (unit given) after the cut-off too: it is the office
    that decides what goes on the agenda.
    """
    now = _now(now)
    meeting = _lock(meeting)
    if by.role in UNIT_ROLES:
        if unit is not None and unit.pk != by.unit_id:
            raise Refused("只能以本单位名义报送议题。", log="topic for another unit")
        unit = by.unit
        if now > meeting.topic_cutoff:
            cutoff = timezone.localtime(meeting.topic_cutoff)
            raise Invalid(
                f"{meeting.title}的议题已于{cutoff:%Y年%m月%d日 %H:%M}截止报送，请联系督查室。",
                log=f"topic after cutoff of meeting {meeting.pk}",
            )
    elif by.role == Role.SUPERVISOR:
        if unit is None:
            raise Invalid("请选择汇报单位。", log="no unit", field="unit")
    else:
        raise Refused(f"您（{by.get_role_display()}）无权报送议题。", log="role may not submit")
    assert unit is not None
    if meeting.agenda_state != AgendaState.OPEN or meeting.state != MeetingState.PLANNED:
        raise Invalid(
            f"{meeting.title}的议程已提交审定，不再接收议题。",
            log=f"agenda of meeting {meeting.pk} closed",
        )
    title = require_text(title, "title", "议题名称")
    if len(title) > 200:
        raise Invalid("议题名称不能超过200字。", log="title too long", field="title")
    clean = _clean_steps(steps or {})
    try:
        checked = uploads.check_files(materials)
    except uploads.UploadRefused as e:
        raise Invalid(e.message, log=e.log, field="materials") from None
    topic = Topic(
        meeting=meeting,
        title=title,
        unit=unit,
        presenter=presenter.strip()[:50],
        summary=summary.strip(),
        is_normative=is_normative,
        affects_market=affects_market,
        steps=clean,
        submitted_at=now,
        submitted_by=by,
    )
    topic.save()
    topic.sitting_in.set(sitting_in)
    for c in checked:
        TopicMaterial(
            topic=topic,
            file=File(c.file, name=uploads.stored_name(c.name)),
            name=c.name,
            size=c.size,
            algorithm=c.algorithm,
            digest=c.digest,
            uploaded_at=now,
        ).save()
    append(
        meeting,
        kind="topic_submitted",
        at=now,
        by=by,
        payload={
            "topic": topic.pk,
            "title": title,
            "unit": unit.pk,
            "is_normative": is_normative,
            "affects_market": affects_market,
            "steps": clean,
            "sitting_in": [u.pk for u in sitting_in],
            "materials": [{"name": c.name, "size": c.size, c.algorithm: c.digest} for c in checked],
        },
    )
    return topic


@action
def record_steps(
    *, topic: Topic, steps: dict[str, str], by: User, now: datetime | None = None
) -> Topic:
    """记录前置程序: the legality review, consultation, fair-competition review, as checked."""
    now = _now(now)
    meeting = _lock(topic.meeting)
    topic = Topic.objects.get(pk=topic.pk)
    if by.role in UNIT_ROLES:
        if topic.unit_id != by.unit_id:
            raise Refused("只能补充本单位议题的前置程序。", log="steps of another unit's topic")
    elif by.role != Role.SUPERVISOR:
        raise Refused(f"您（{by.get_role_display()}）无权记录前置程序。", log="role")
    if meeting.agenda_state == AgendaState.APPROVED:
        raise Invalid("议程已审定，不能再修改前置程序。", log="agenda approved")
    topic.steps = {**topic.steps, **_clean_steps(steps)}
    topic.save(update_fields=["steps"])
    append(
        meeting,
        kind="steps_recorded",
        at=now,
        by=by,
        payload={"topic": topic.pk, "steps": topic.steps},
    )
    return topic


# ---------------------------------------------------------------- agenda


@action
def propose_agenda(
    *, meeting: Meeting, topics: Sequence[Topic], by: User, now: datetime | None = None
) -> Meeting:
    """拟定议程: the office lists topics in order; the rest wait for a later meeting.

    A standing meeting's topic without its prior steps recorded is refused onto the agenda
    (issue 15 point 2; 重大行政决策程序暂行条例).
    """
    now = _now(now)
    _require_office(by, "拟定议程")
    meeting = _lock(meeting)
    _require_state(meeting, [MeetingState.PLANNED], "拟定议程")
    if meeting.agenda_state == AgendaState.APPROVED:
        raise Invalid("议程已经召集人审定。", log="agenda approved")
    if not topics:
        raise Invalid("请至少选择一个议题列入议程。", log="empty agenda", field="topics")
    mine = {t.pk: t for t in meeting.topics.all()}
    ids = [t.pk for t in topics]
    if len(set(ids)) != len(ids) or any(i not in mine for i in ids):
        raise Invalid(
            "议程中的议题须是本次会议收到的议题，且不能重复。", log="bad topics", field="topics"
        )
    if meeting.type.prior_steps:
        for i in ids:
            t = mine[i]
            missing = rules.missing_steps(
                is_normative=t.is_normative, affects_market=t.affects_market, checked=t.steps
            )
            if missing:
                raise Invalid(
                    f"议题“{t.title}”缺少{'、'.join(missing)}，不能列入{meeting.type.name}议程。",
                    log=f"topic {t.pk} lacks prior steps {missing}",
                    field="topics",
                )
    for t in mine.values():
        if t.pk in ids:
            t.position, t.state = ids.index(t.pk) + 1, TopicState.ON_AGENDA
        else:
            t.position, t.state = None, TopicState.DEFERRED
        t.save(update_fields=["position", "state"])
    meeting.agenda_state = AgendaState.PROPOSED
    meeting.save(update_fields=["agenda_state"])
    append(meeting, kind="agenda_proposed", at=now, by=by, payload={"topics": ids})
    convener = User.objects.filter(leader=meeting.type.convener, is_active=True)
    enqueue_for_users(
        list(convener),
        kind="meeting_agenda",
        title=f"请审定{meeting.title}议程",
        body="；".join(f"{rules.topic_label(n)}：{mine[i].title}" for n, i in enumerate(ids, 1)),
        now=now,
    )
    return meeting


@action
def approve_agenda(*, meeting: Meeting, by: User, now: datetime | None = None) -> Meeting:
    """审定议程: the convener approves the agenda as the office proposed it."""
    now = _now(now)
    meeting = _lock(meeting)
    _require_convener(by, meeting, "审定议程")
    if meeting.agenda_state != AgendaState.PROPOSED:
        raise Invalid("督查室尚未提交议程，无可审定。", log="agenda not proposed")
    meeting.agenda_state = AgendaState.APPROVED
    meeting.save(update_fields=["agenda_state"])
    append(meeting, kind="agenda_approved", at=now, by=by, payload={})
    return meeting


@action
def return_agenda(
    *, meeting: Meeting, reason: str, by: User, now: datetime | None = None
) -> Meeting:
    """The convener sends the proposed agenda back to the office with a reason."""
    now = _now(now)
    meeting = _lock(meeting)
    _require_convener(by, meeting, "退回议程")
    if meeting.agenda_state != AgendaState.PROPOSED:
        raise Invalid("督查室尚未提交议程。", log="agenda not proposed")
    reason = require_text(reason, "reason", "退回理由")
    meeting.agenda_state = AgendaState.OPEN
    meeting.save(update_fields=["agenda_state"])
    append(meeting, kind="agenda_returned", at=now, by=by, payload={"reason": reason})
    return meeting


# ---------------------------------------------------------------- notice and sign-in


@action
def send_notice(*, meeting: Meeting, by: User, now: datetime | None = None) -> Meeting:
    """发会议通知: the attendance list is fixed and the notice goes through the outbox to
    every leader attending (出席) and every unit sitting in (列席: the type's standing
    units, each topic's unit and the units it asked to sit in)."""
    now = _now(now)
    _require_office(by, "发送会议通知")
    meeting = _lock(meeting)
    _require_state(meeting, [MeetingState.PLANNED], "发送会议通知")
    if meeting.agenda_state != AgendaState.APPROVED:
        raise Invalid("议程须经召集人审定后才能发送会议通知。", log="agenda not approved")
    t = meeting.type
    leaders = [
        t.convener,
        *[x for x in t.attendees.order_by("order", "id") if x.pk != t.convener_id],
    ]
    units: list[Unit] = list(t.sitting_in.order_by("order", "id"))
    agenda = list(meeting.topics.filter(state=TopicState.ON_AGENDA).order_by("position"))
    for topic in agenda:
        for u in [topic.unit, *topic.sitting_in.order_by("order", "id")]:
            if u not in units:
                units.append(u)
    for i, leader in enumerate(leaders):
        Attendance(
            meeting=meeting, role=AttendanceRole.ATTEND, leader=leader, name=leader.name, order=i
        ).save()
    for i, u in enumerate(units):
        Attendance(
            meeting=meeting, role=AttendanceRole.SIT_IN, unit=u, name=u.label, order=i
        ).save()
    when = timezone.localtime(meeting.starts_at)
    body = (
        f"时间：{when:%Y年%m月%d日 %H:%M}；地点：{meeting.place}。议题："
        + "；".join(
            f"{rules.topic_label(x.position)}：{x.title}（{x.unit.label}汇报）" for x in agenda
        )
        + "。请准时参加，不能参会的请向督查室请假并说明事由。"
    )
    title = f"会议通知：{meeting.title}"
    sent = enqueue_for_users(
        list(User.objects.filter(leader__in=leaders, is_active=True)),
        kind="meeting_notice",
        title=title,
        body=body,
        now=now,
    )
    sent += enqueue_for_units(units, kind="meeting_notice", title=title, body=body, now=now)
    meeting.state = MeetingState.NOTICE_SENT
    meeting.save(update_fields=["state"])
    append(
        meeting,
        kind="notice_sent",
        at=now,
        by=by,
        payload={
            "leaders": [x.pk for x in leaders],
            "units": [u.pk for u in units],
            "messages": sent,
        },
    )
    return meeting


@dataclass(frozen=True)
class SignIn:
    attendance: Attendance
    presence: str  # Presence.PRESENT or Presence.LEAVE
    reason: str = ""


@action
def sign_in(
    *, meeting: Meeting, entries: Sequence[SignIn], by: User, now: datetime | None = None
) -> Meeting:
    """签到: who was there and who was on leave (请假, with the reason); the meeting is held."""
    now = _now(now)
    _require_office(by, "登记签到")
    meeting = _lock(meeting)
    _require_state(meeting, [MeetingState.NOTICE_SENT, MeetingState.HELD], "登记签到")
    rows = {a.pk: a for a in meeting.attendance.all()}
    payload = []
    for e in entries:
        a = rows.get(e.attendance.pk)
        if a is None:
            raise Invalid("签到名单中没有该人员。", log="attendance of another meeting")
        if e.presence not in (Presence.PRESENT, Presence.LEAVE):
            raise Invalid(f"{a.name}：签到状态无效。", log=f"bad presence {e.presence}")
        reason = e.reason.strip()
        if e.presence == Presence.LEAVE and not reason:
            raise Invalid(f"{a.name}请假须填写事由。", log="leave without reason", field="reason")
        a.presence, a.reason = e.presence, reason if e.presence == Presence.LEAVE else ""
        a.save(update_fields=["presence", "reason"])
        payload.append({"attendance": a.pk, "presence": a.presence, "reason": a.reason})
    meeting.state = (
        MeetingState.HELD if meeting.state == MeetingState.NOTICE_SENT else meeting.state
    )
    meeting.save(update_fields=["state"])
    append(meeting, kind="signed_in", at=now, by=by, payload={"entries": payload})
    return meeting


# ---------------------------------------------------------------- law study


@action
def record_law_study(
    *,
    meeting: Meeting,
    law: str,
    presenter: str,
    by: User,
    articles: str = "",
    now: datetime | None = None,
) -> LawStudy:
    """常务会议学法: the law studied at the meeting, its articles and who presented it."""
    now = _now(now)
    _require_office(by, "记录会前学法")
    meeting = _lock(meeting)
    law = require_text(law, "law", "法律法规名称")
    presenter = require_text(presenter, "presenter", "讲解人")
    study = LawStudy.objects.filter(meeting=meeting).first() or LawStudy(meeting=meeting)
    study.law, study.articles, study.presenter = law[:200], articles.strip()[:200], presenter[:100]
    study.save()
    append(
        meeting,
        kind="law_study",
        at=now,
        by=by,
        payload={"law": study.law, "articles": study.articles, "presenter": study.presenter},
    )
    return study


# ---------------------------------------------------------------- minutes


@dataclass(frozen=True)
class MinutesItem:
    topic: Topic
    kind: str  # DecisionKind
    text: str


@action
def save_minutes(
    *,
    meeting: Meeting,
    opening: str,
    items: Sequence[MinutesItem],
    by: User,
    now: datetime | None = None,
) -> MinutesVersion:
    """起草纪要: each save is a new version; a change after review needs a new review."""
    now = _now(now)
    _require_office(by, "起草会议纪要")
    meeting = _lock(meeting)
    _require_state(meeting, [MeetingState.HELD, MeetingState.MINUTES_DRAFTED], "起草纪要")
    opening = require_text(opening, "opening", "纪要导语")
    agenda = {t.pk: t for t in meeting.topics.filter(state=TopicState.ON_AGENDA)}
    rows: list[dict[str, Any]] = []
    for item in items:
        t = agenda.get(item.topic.pk)
        if t is None:
            raise Invalid("纪要只能记载本次会议议程内的议题。", log="topic not on agenda")
        if item.kind not in DecisionKind.values:
            raise Invalid(f"“{t.title}”的议定方式无效。", log="bad decision kind", field="kind")
        text = require_text(item.text, "text", f"“{t.title}”的议定事项")
        rows.append({"topic": t.pk, "kind": item.kind, "text": text})
    if len({r["topic"] for r in rows}) != len(rows):
        raise Invalid("同一议题只能记载一次。", log="duplicate topic")
    if not rows:
        raise Invalid("请至少记载一个议题的议定事项。", log="no items", field="items")
    rows.sort(key=lambda r: agenda[r["topic"]].position or 0)
    last = meeting.minutes.order_by("-number").first()
    version = MinutesVersion(
        meeting=meeting,
        number=(last.number if last else 0) + 1,
        opening=opening,
        items=rows,
        saved_at=now,
        saved_by=by,
    )
    version.save()
    meeting.state = MeetingState.MINUTES_DRAFTED
    meeting.review_state = ReviewState.NONE
    meeting.save(update_fields=["state", "review_state"])
    append(
        meeting,
        kind="minutes_saved",
        at=now,
        by=by,
        payload={"version": version.number, "opening": opening, "items": rows},
    )
    return version


@action
def send_minutes_for_review(*, meeting: Meeting, by: User, now: datetime | None = None) -> Meeting:
    """送审纪要: the latest version goes to the convener."""
    now = _now(now)
    _require_office(by, "送审纪要")
    meeting = _lock(meeting)
    _require_state(meeting, [MeetingState.MINUTES_DRAFTED], "送审纪要")
    if meeting.review_state == ReviewState.SENT:
        raise Invalid("纪要已送召集人审核。", log="already sent")
    last = meeting.minutes.order_by("-number").first()
    assert last is not None  # MINUTES_DRAFTED means a version was saved
    meeting.review_state = ReviewState.SENT
    meeting.save(update_fields=["review_state"])
    append(meeting, kind="minutes_sent", at=now, by=by, payload={"version": last.number})
    enqueue_for_users(
        list(User.objects.filter(leader=meeting.type.convener, is_active=True)),
        kind="meeting_minutes",
        title=f"请审核{meeting.title}纪要（第{last.number}稿）",
        body=last.opening[:200],
        now=now,
    )
    return meeting


@action
def review_minutes(
    *, meeting: Meeting, approve: bool, by: User, comment: str = "", now: datetime | None = None
) -> Meeting:
    """审核纪要: the convener approves the version sent, or returns it with a comment."""
    now = _now(now)
    meeting = _lock(meeting)
    _require_convener(by, meeting, "审核纪要")
    if meeting.review_state != ReviewState.SENT:
        raise Invalid("纪要尚未送审。", log="minutes not sent")
    if not approve:
        comment = require_text(comment, "comment", "修改意见")
    last = meeting.minutes.order_by("-number").first()
    assert last is not None
    meeting.review_state = ReviewState.APPROVED if approve else ReviewState.RETURNED
    meeting.save(update_fields=["review_state"])
    append(
        meeting,
        kind="minutes_reviewed",
        at=now,
        by=by,
        payload={"version": last.number, "approved": approve, "comment": comment.strip()},
    )
    return meeting


@action
def issue_minutes(
    *, meeting: Meeting, doc_no: str, by: User, now: datetime | None = None
) -> list[Directive]:
    """印发纪要: the approved version is final; each topic's decision becomes a 会议议定事项.

    One directive per topic (not per meeting): a task then says which topic it came from,
    and a topic's decisions are reported back together. The directives are registered by
    the work action (`register`), so numbering, lights and urging apply unchanged; the
    tasks are decomposed from them on the directive page, pre-filled by the extractor.
    """
    now = _now(now)
    _require_office(by, "印发纪要")
    meeting = _lock(meeting)
    _require_state(meeting, [MeetingState.MINUTES_DRAFTED], "印发纪要")
    if meeting.review_state != ReviewState.APPROVED:
        raise Invalid("纪要须经召集人审核同意后印发。", log="minutes not approved")
    doc_no = require_text(doc_no, "doc_no", "纪要编号")[:60]
    try:
        check_doc_no(doc_no)  # the 纪要's number stands in its 版头 (GB/T 9704 7.2.5)
    except ValueError as e:
        raise Invalid(
            str(e).replace("发文字号", "纪要编号"), log="bad doc_no", field="doc_no"
        ) from None
    if meeting.type.law_study and not LawStudy.objects.filter(meeting=meeting).exists():
        raise Invalid(
            f"{meeting.type.name}须记录会前学法内容后再印发纪要。", log="law study missing"
        )
    if Meeting.objects.filter(minutes_doc_no=doc_no).exclude(pk=meeting.pk).exists():
        raise Invalid(f"纪要编号“{doc_no}”已被使用。", log="duplicate doc_no", field="doc_no")
    final = meeting.minutes.order_by("-number").first()
    assert final is not None
    topics = {t.pk: t for t in meeting.topics.all()}
    created: list[Directive] = []
    for item in final.items:
        topic = topics[item["topic"]]
        topic.decision_kind, topic.decision = item["kind"], item["text"]
        topic.save(update_fields=["decision_kind", "decision"])
        if not meeting.type.makes_directives:
            continue
        label = rules.topic_label(topic.position)
        directive = work_actions.register(
            kind=DirectiveKind.MEETING,
            title=f"{meeting.title}{label}：{topic.title}"[:200],
            urgency=Urgency.NORMAL,
            received_at=now,
            doc_no=doc_no,
            issuer=f"{meeting.type.convener.title}{meeting.type.convener.name}",
            issuer_leader=meeting.type.convener,
            text=f"{DecisionKind(item['kind']).label}：{item['text']}"
            if item["kind"] == DecisionKind.AGREED
            else item["text"],
            by=by,
            now=now,
        )
        topic.directive = directive
        topic.save(update_fields=["directive"])
        created.append(directive)
    meeting.state = MeetingState.MINUTES_ISSUED
    meeting.minutes_doc_no = doc_no
    meeting.minutes_issued_at = now
    meeting.save(update_fields=["state", "minutes_doc_no", "minutes_issued_at"])
    append(
        meeting,
        kind="minutes_issued",
        at=now,
        by=by,
        payload={
            "version": final.number,
            "doc_no": doc_no,
            "directives": {str(t.pk): t.directive_id for t in topics.values() if t.directive_id},
        },
    )
    return created


# ---------------------------------------------------------------- 三重一大


@action
def record_major_matter(
    *,
    category: str,
    title: str,
    decided_on: date,
    decision: str,
    by: User,
    meeting: Meeting | None = None,
    stances: Sequence[rules.Stance] = (),
    present: Sequence[str] = (),
    absent: Sequence[tuple[str, str]] = (),
    directive: Directive | None = None,
    note: str = "",
    now: datetime | None = None,
) -> MajorMatter:
    """三重一大: record a matter decided collectively at a 党组会/室务会 (attendance, each
    member's 表态 with the principal last, the decision), or one decided outside a
    meeting (no meeting given), which the year's list then flags."""
    now = _now(now)
    _require_office(by, "记录三重一大事项")
    if category not in MatterCategory.values:
        raise Invalid(f"事项类别“{category}”无效。", log="bad category", field="category")
    title = require_text(title, "title", "事项名称")
    decision = require_text(decision, "decision", "决定内容")
    if meeting is not None:
        meeting = _lock(meeting)
        if not meeting.type.collective:
            raise Invalid(
                f"{meeting.type.name}不是三重一大集体决策会议（党组会/室务会）。",
                log="meeting type not collective",
                field="meeting",
            )
        if not present:
            raise Invalid("请记录出席成员。", log="no attendance", field="present")
        problem = rules.check_stances(stances)
        if problem:
            raise Invalid(problem, log="stances out of order", field="stances")
        names = {s.name.strip() for s in stances}
        strangers = names - {p.strip() for p in present}
        if strangers:
            raise Invalid(
                f"表态人{'、'.join(sorted(strangers))}不在出席成员中。", log="stance by absent"
            )
    for name, reason in absent:
        if not reason.strip():
            raise Invalid(f"{name}缺席须说明事由。", log="absent without reason", field="absent")
    matter = MajorMatter(
        category=category,
        title=title[:200],
        meeting=meeting,
        directive=directive,
        decided_on=decided_on,
        stances=[
            {"name": s.name.strip(), "stance": s.stance.strip(), "principal": s.principal}
            for s in stances
        ],
        present=[p.strip() for p in present],
        absent=[{"name": n.strip(), "reason": r.strip()} for n, r in absent],
        decision=decision,
        note=note.strip(),
        recorded_at=now,
        recorded_by=by,
    )
    matter.save()
    payload = {
        "category": category,
        "title": matter.title,
        "meeting": meeting.pk if meeting else None,
        "directive": directive.pk if directive else None,
        "decided_on": decided_on.isoformat(),
        "stances": matter.stances,
        "present": matter.present,
        "absent": matter.absent,
        "decision": decision,
    }
    append(matter, kind="recorded", at=now, by=by, payload=payload)
    if meeting is not None:
        append(
            meeting,
            kind="major_matter",
            at=now,
            by=by,
            payload={"matter": matter.pk, "title": matter.title},
        )
    return matter
