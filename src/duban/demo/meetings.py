"""The demo county's year of meetings (issue 15): a standing meeting each month whose
decisions become the 会议议定事项 the simulation then follows like any other directive, with
the law study; a 党组会 each quarter with its 三重一大 matters (末位表态); one matter decided
outside a meeting, flagged; and next month's standing meeting open for topics.

Every step is put on the simulation's queue, so it runs in time order with the rest of
the year and goes through the actions like everything else.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from duban.meetings import actions
from duban.meetings.models import (
    AttendanceRole,
    DecisionKind,
    MatterCategory,
    Meeting,
    MeetingKind,
    MeetingType,
    Presence,
    Topic,
)
from duban.meetings.rules import Stance
from duban.org.models import County, Leader, Role, Unit, User
from duban.work import actions as work_actions
from duban.work.actions import TaskDraft
from duban.work.models import Directive, Task, TaskStatus

if TYPE_CHECKING:
    from duban.demo.build import Simulation

# (topic, unit code, decision kind, decision text, tasks: (content, lead, co, days))
TOPICS = [
    (
        "关于城区老旧小区改造工作的议题",
        "zjj",
        DecisionKind.AGREED,
        "《云溪县城区老旧小区改造实施方案》。请县住建局牵头，县财政局、县自然资源局配合，"
        "于{due}前完成{town}片区老旧小区改造项目立项。",
        ("完成{town}片区老旧小区改造项目立项", "zjj", ("czj", "zrzyj"), 60),
    ),
    (
        "关于全县重点项目建设推进情况的议题",
        "fgj",
        DecisionKind.REQUIRED,
        "请县发改局牵头，县自然资源局、县住建局配合，于{due}前协调解决重点项目用地、"
        "报建等堵点问题，逐项明确责任人和时间节点。",
        ("协调解决重点项目用地、报建等堵点问题", "fgj", ("zrzyj", "zjj"), 45),
    ),
    (
        "关于城乡环境综合整治的议题",
        "cgj",
        DecisionKind.DECIDED,
        "由县城管局牵头，{town}配合，于{due}前完成城区主次干道占道经营和乱搭乱建集中整治。",
        ("完成城区主次干道占道经营和乱搭乱建集中整治", "cgj", ("TOWN",), 30),
    ),
    (
        "关于秋冬季森林防火工作的议题",
        "lyj",
        DecisionKind.REQUIRED,
        "请县林业局牵头，县应急局、县消防救援大队配合，于{due}前完成重点林区防火隐患排查。",
        ("完成重点林区防火隐患排查", "lyj", ("yjj", "xfdd"), 30),
    ),
]

LAWS = [
    ("中华人民共和国行政复议法", "第一章 总则", "县司法局局长"),
    ("优化营商环境条例", "第三章 政务服务", "县发改局局长"),
    ("重大行政决策程序暂行条例", "第二章 决策草案的形成", "县司法局局长"),
    ("中华人民共和国安全生产法", "第二章 生产经营单位的安全生产保障", "县应急局局长"),
    ("公平竞争审查条例", "第二章 审查标准", "县市场监管局局长"),
    ("中华人民共和国森林法", "第五章 森林保护", "县林业局局长"),
]

MATTERS = [
    (
        MatterCategory.FUNDS,
        "县城供水管网改造项目资金安排",
        "同意安排县级配套资金800万元，由县财政局分两期拨付。",
    ),
    (
        MatterCategory.APPOINTMENT,
        "县政府办公室内设机构负责人调整",
        "同意调整，按程序办理任职手续。",
    ),
    (
        MatterCategory.PROJECT,
        "县域冷链物流中心项目建设安排",
        "同意列入年度重点项目，由县发改局牵头推进。",
    ),
    (MatterCategory.DECISION, "全县营商环境优化提升行动方案", "原则同意，按程序印发实施。"),
]


# The meetings draw from their own random stream: the simulation's (`sim.rng`) stays as it
# was without them, so the rest of the demo year is the same with or without meetings.
_rng = random.Random(15)


def _moment(day: date, hour: float) -> datetime:
    minutes = int(hour * 60) + _rng.randint(0, 29)
    return timezone.make_aware(datetime.combine(day, time(0, 0)) + timedelta(minutes=minutes))


def _office(sim: Simulation) -> User:
    return _rng.choice(sim.supervisors)


def schedule(sim: Simulation) -> None:
    """Define the county's meeting types and put the year's meetings on the queue."""
    _rng.seed(15)
    office = sim.supervisors[0]
    now = sim.now
    xz = Leader.objects.get(code="xz")
    leaders = list(Leader.objects.order_by("order", "id"))
    start = timezone.make_aware(datetime.combine(sim.start, datetime.min.time()))
    organ = f"{County.current_name()}人民政府"
    standing = actions.define_type(
        name="县政府常务会议",
        kind=MeetingKind.STANDING,
        organ=organ,
        numbering="县政府第{n}次常务会议",
        convener=xz,
        attendees=leaders,
        sitting_in=[sim.units["sfj"]],
        law_study=True,
        prior_steps=True,
        by=office,
        now=start,
    )
    party = actions.define_type(
        name="县政府党组会议",
        kind=MeetingKind.PARTY_GROUP,
        organ=f"中共{organ}党组",
        numbering="县政府党组第{cn}次会议",
        convener=xz,
        attendees=leaders[:4],
        makes_directives=False,
        collective=True,
        by=office,
        now=start,
    )
    day = sim.start
    end = timezone.localtime(now).date()
    month = 0
    while day <= end:
        # The standing meeting: the second Thursday of each month.
        first = day.replace(day=1)
        thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
        if sim.start <= thursday:
            held = _moment(thursday, 9)
            plan_at = held - timedelta(days=12)
            if held <= now:
                topic = TOPICS[month % len(TOPICS)]
                sim.at(max(plan_at, start), _standing_step(sim, standing, held, topic, month))
            elif plan_at <= now:
                sim.at(plan_at, _upcoming_step(sim, standing, held))
            if thursday.month % 3 == 0:
                p_held = _moment(thursday + timedelta(days=5), 15)
                if p_held <= now:
                    matter = MATTERS[(thursday.month // 3) % len(MATTERS)]
                    sim.at(p_held, _party_step(sim, party, p_held, matter, leaders[:4]))
            month += 1
        day = (first + timedelta(days=32)).replace(day=1)
    # A matter of those kinds settled outside a meeting: the year's list flags it.
    outside = _moment(end - timedelta(days=40), 16)
    if outside > start:
        sim.at(
            outside,
            lambda w: actions.record_major_matter(
                category=MatterCategory.FUNDS,
                title="应急物资储备库维修资金（未经会议研究）",
                decided_on=timezone.localtime(w).date(),
                decision="经分管领导审批后拨付维修资金60万元。",
                note="事后补报党组会议",
                by=office,
                now=w,
            ),
        )


def _plan(sim: Simulation, t: MeetingType, held: datetime, when: datetime) -> Meeting:
    return actions.plan_meeting(
        type=t, starts_at=held, place="县政府第一会议室", by=_office(sim), now=when
    )


def _standing_step(
    sim: Simulation,
    t: MeetingType,
    held: datetime,
    topic: tuple[str, str, str, str, tuple[str, str, tuple[str, ...], int]],
    month: int,
) -> Callable[[datetime], None]:
    def step(when: datetime) -> None:
        meeting = _plan(sim, t, held, when)
        title, unit_code, kind, text, task = topic
        unit = sim.units[unit_code]
        liaison = sim.liaison.get(unit.pk)
        by = liaison if liaison is not None else _office(sim)
        sim.at(when + timedelta(days=2), lambda w: _topic(sim, meeting, title, unit, by, w))
        sim.at(when + timedelta(days=9), lambda w: _agenda_and_notice(sim, meeting, w))
        sim.at(held, lambda w: _hold(sim, meeting, month, w))
        after = held + timedelta(days=1)
        sim.at(after, lambda w: _minutes(sim, meeting, kind, text, task, w))

    return step


def _topic(
    sim: Simulation, meeting: Meeting, title: str, unit: object, by: User, when: datetime
) -> Topic:
    return actions.submit_topic(
        meeting=meeting,
        title=title,
        unit=unit if by.role == Role.SUPERVISOR else None,  # type: ignore[arg-type]
        presenter="主要负责同志",
        summary="汇报工作进展，提请会议研究有关事项。",
        steps={"consultation": "已征求相关部门和乡镇意见", "legality": "县司法局已出具审查意见"},
        by=by,
        now=when,
    )


def _agenda_and_notice(sim: Simulation, meeting: Meeting, when: datetime) -> None:
    office = _office(sim)
    actions.propose_agenda(meeting=meeting, topics=list(meeting.topics.all()), by=office, now=when)
    convener = User.objects.get(leader=meeting.type.convener)
    actions.approve_agenda(meeting=meeting, by=convener, now=when + timedelta(hours=2))
    actions.send_notice(meeting=meeting, by=office, now=when + timedelta(hours=3))


def _hold(sim: Simulation, meeting: Meeting, month: int, when: datetime) -> None:
    entries = []
    for i, a in enumerate(meeting.attendance.all()):
        if (
            a.role == AttendanceRole.ATTEND
            and a.leader_id != meeting.type.convener_id
            and ((i + month) % 5 == 0)
        ):
            entries.append(actions.SignIn(a, Presence.LEAVE, "在市里参加会议"))
        else:
            entries.append(actions.SignIn(a, Presence.PRESENT))
    office = _office(sim)
    actions.sign_in(meeting=meeting, entries=entries, by=office, now=when)
    law, articles, presenter = LAWS[month % len(LAWS)]
    actions.record_law_study(
        meeting=meeting, law=law, articles=articles, presenter=presenter, by=office, now=when
    )


def _minutes(
    sim: Simulation,
    meeting: Meeting,
    kind: str,
    text: str,
    task: tuple[str, str, tuple[str, ...], int],
    when: datetime,
) -> None:
    office = _office(sim)
    town = _rng.choice(sim.towns)
    due_day: date = timezone.localtime(when).date() + timedelta(days=task[3])
    decision = text.format(town=town.label, due=f"{due_day.month}月{due_day.day}日")
    topic = meeting.topics.get()
    held = timezone.localtime(meeting.starts_at)
    convener = meeting.type.convener
    actions.save_minutes(
        meeting=meeting,
        opening=(
            f"{held.year}年{held.month}月{held.day}日，{convener.title}{convener.name}主持召开"
            f"{meeting.title}，会前学习了有关法律法规，研究了{topic.title.removeprefix('关于').removesuffix('的议题')}等事项。现纪要如下："
        ),
        items=[actions.MinutesItem(topic, kind, decision)],
        by=office,
        now=when,
    )
    user = User.objects.get(leader=convener)
    actions.send_minutes_for_review(meeting=meeting, by=office, now=when + timedelta(hours=1))
    actions.review_minutes(meeting=meeting, approve=True, by=user, now=when + timedelta(hours=4))
    issue = when + timedelta(hours=5)
    doc_no = f"云政纪〔{held.year}〕{meeting.number}号"
    made = actions.issue_minutes(meeting=meeting, doc_no=doc_no, by=office, now=issue)
    content, lead, co, _days = task
    units = [town if c == "TOWN" else sim.units[c] for c in (lead, *co)]
    draft = TaskDraft(
        content=content.format(town=town.label),
        lead=units[:1],
        co=[u for u in units[1:] if u != units[0]],
        requirement="按会议议定事项办理，按期报送进展",
        leader=sim.leader_of_unit.get(units[0].pk),
        due={"date": due_day.isoformat()},
    )
    for directive in made:
        sim.at(issue + timedelta(minutes=30), _decompose(sim, directive, draft, due_day))


def _decompose(
    sim: Simulation, directive: Directive, draft: TaskDraft, due: date
) -> Callable[[datetime], None]:
    """分解交办, then the task's life: received the next day; done a few days before the
    deadline (one in five late), checked and closed; the recent ones still open."""

    def step(when: datetime) -> None:
        office = _office(sim)
        (task,) = work_actions.decompose(directive=directive, tasks=[draft], by=office, now=when)
        work_actions.assign(task=task, by=office, now=when)
        task.refresh_from_db()
        units = [a.unit for a in task.assignments.all()]
        received = when + timedelta(days=1)
        sim.at(received, lambda w: _receive(sim, task, units, w))
        late = _rng.random() < 0.2
        done_day = (
            due + timedelta(days=_rng.randint(3, 10))
            if late
            else due - timedelta(days=_rng.randint(2, 8))
        )
        done_at = _moment(
            max(done_day, timezone.localtime(received).date() + timedelta(days=1)), 15
        )
        sim.at(done_at, lambda w: _done(sim, task, w))

    return step


def _receive(sim: Simulation, task: Task, units: list[Unit], when: datetime) -> None:
    for unit in units:
        user = sim.liaison.get(unit.pk)
        if user is not None:
            work_actions.receive(task=task, by=user, now=when)


def _done(sim: Simulation, task: Task, when: datetime) -> None:
    task.refresh_from_db()
    if task.status != TaskStatus.IN_PROGRESS or task.lead_unit_id is None:
        return
    for a in task.assignments.filter(role="co", status="received"):
        co_user = sim.liaison.get(a.unit_id)
        if co_user is not None:
            work_actions.submit_done(
                task=task,
                text="本单位承担的配合工作已完成。",
                by=co_user,
                now=when - timedelta(hours=2),
            )
    work_actions.submit_done(
        task=task,
        text="会议议定事项已按要求办理完毕，相关材料已归档备查。",
        by=sim.liaison[task.lead_unit_id],
        now=when,
    )
    checked = when + timedelta(days=2)
    sim.at(checked, lambda w: _close(sim, task, w))


def _close(sim: Simulation, task: Task, when: datetime) -> None:
    office = _office(sim)
    work_actions.verify(task=task, accept=True, confirm_silent_co=True, by=office, now=when)
    work_actions.close(task=task, by=office, now=when + timedelta(minutes=10))


def _upcoming_step(sim: Simulation, t: MeetingType, held: datetime) -> Callable[[datetime], None]:
    def step(when: datetime) -> None:
        meeting = _plan(sim, t, held, when)
        title, unit_code, *_ = TOPICS[1]
        unit = sim.units[unit_code]
        liaison = sim.liaison.get(unit.pk)
        if liaison is not None:
            later = when + timedelta(days=1)
            sim.at(later, lambda w: _topic(sim, meeting, title, unit, liaison, w))

    return step


def _party_step(
    sim: Simulation,
    t: MeetingType,
    held: datetime,
    matter: tuple[str, str, str],
    members: list[Leader],
) -> Callable[[datetime], None]:
    def step(when: datetime) -> None:
        office = _office(sim)
        meeting = _plan(sim, t, held, when - timedelta(days=3))
        category, title, decision = matter
        assert office.unit is not None
        topic = actions.submit_topic(
            meeting=meeting, title=title, unit=office.unit, by=office, now=when - timedelta(days=3)
        )
        actions.propose_agenda(
            meeting=meeting, topics=[topic], by=office, now=when - timedelta(days=2)
        )
        convener = User.objects.get(leader=meeting.type.convener)
        actions.approve_agenda(meeting=meeting, by=convener, now=when - timedelta(days=2))
        actions.send_notice(meeting=meeting, by=office, now=when - timedelta(days=1))
        present = [actions.SignIn(a, Presence.PRESENT) for a in meeting.attendance.all()]
        actions.sign_in(meeting=meeting, entries=present, by=office, now=when)
        principal = next(m for m in members if m.code == "xz")
        order = [m for m in members if m.pk != principal.pk] + [principal]  # 末位表态
        actions.record_major_matter(
            category=category,
            title=title,
            decided_on=timezone.localtime(when).date(),
            decision=decision,
            meeting=meeting,
            present=[m.name for m in members],
            stances=[Stance(m.name, "同意", m.pk == principal.pk) for m in order],
            by=_office(sim),
            now=when,
        )

    return step
