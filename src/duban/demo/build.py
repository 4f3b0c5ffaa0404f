"""`duban demo`: a year in the life of the fictional 云溪县 government office.

Everything goes through the actions, in time order, so the demo's record verifies and its
projection rebuilds: a small discrete-event simulation keeps a queue of (time, step) and
never runs a step later than `now`. Randomness is seeded, so the same `now` and seed give
the same county. Behaviour mixes what offices see: most tasks on time, some late, some
returned, extended, sent back, withdrawn; a few directives left overnight.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from duban.coordination.tick import tick
from duban.demo.duties import build_duties
from duban.demo.events import build_events
from duban.demo.meetings import schedule as schedule_meetings
from duban.demo.proposals import build_proposals
from duban.demo.texts import TEMPLATES, DirectiveTemplate, TaskTemplate
from duban.org.loader import load_file
from duban.org.models import Leader, Portfolio, Role, Unit, UnitKind, User
from duban.work import actions
from duban.work.context import load_calendar
from duban.work.errors import ActionError
from duban.work.models import Directive, ExtensionRequest, Task, TaskStatus
from duban.workdays.calendar import WorkCalendar

COUNTY_FILE = Path(__file__).with_name("county.yaml")
DEMO_PASSWORD = "Duban@2026"

DEMO_LOGINS = [
    ("duchashi", "督查室（督查人员）"),
    ("ld_xz", "县长"),
    ("ld_fxz_cj", "分管城建的副县长"),
    ("lly_zjj", "县住建局联络员"),
    ("fzr_zjj", "县住建局负责人"),
    ("lly_cgz", "城关镇联络员"),
    ("sysadmin", "系统管理员"),
    ("secadmin", "安全管理员"),
    ("auditor", "安全审计员"),
]


@dataclass
class DemoSummary:
    directives: int = 0
    tasks: int = 0
    refused: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_light: dict[str, int] = field(default_factory=dict)


Step = Callable[[datetime], object]


class Simulation:
    def __init__(self, *, now: datetime, seed: int, days: int) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.queue: list[tuple[datetime, int, Step]] = []
        self.counter = itertools.count()
        self.calendar: WorkCalendar = load_calendar()
        self.start = timezone.localtime(now).date() - timedelta(days=days)
        self.summary = DemoSummary()
        self.supervisors = list(User.objects.filter(role=Role.SUPERVISOR).order_by("id"))
        self.liaison = {u.unit_id: u for u in User.objects.filter(role=Role.LIAISON)}
        self.units = {u.code: u for u in Unit.objects.all()}
        self.towns = list(Unit.objects.filter(kind=UnitKind.TOWNSHIP).order_by("order"))
        self.leaders = {ld.code: ld for ld in Leader.objects.all()}
        self.leader_of_unit = {
            p.unit_id: p.leader for p in Portfolio.objects.select_related("leader")
        }
        self.leader_users = {u.leader_id: u for u in User.objects.filter(role=Role.LEADER)}
        self.serial = itertools.count(1)

    # ------------------------------------------------------------ the queue

    def at(self, when: datetime, step: Step) -> None:
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.counter), step))

    def run(self) -> None:
        while self.queue:
            when, _, step = heapq.heappop(self.queue)
            try:
                step(when)
            except ActionError:
                # The simulation sometimes tries what the rules forbid (a report on a task
                # that was just withdrawn); the refusal is the realistic outcome.
                self.summary.refused += 1

    # ------------------------------------------------------------ time helpers

    def moment(self, day: date, hour: float) -> datetime:
        minutes = int(hour * 60) + self.rng.randint(0, 29)
        return timezone.make_aware(datetime.combine(day, time(0, 0)) + timedelta(minutes=minutes))

    def workday_after(self, day: date, n: int) -> date:
        return self.calendar.add_workdays(day, n).day

    def supervisor(self) -> User:
        return self.rng.choice(self.supervisors)

    # ------------------------------------------------------------ the year

    def schedule_year(self) -> None:
        day = self.start
        end = timezone.localtime(self.now).date()
        while day <= end:
            if self.calendar.is_workday(day):
                # About 3 directives a week, more in spring (the work report is decomposed).
                rate = 0.9 if day.month in (2, 3) else 0.55
                for _ in range(sum(1 for _ in range(2) if self.rng.random() < rate)):
                    template = self.rng.choice(TEMPLATES)
                    self.at(
                        self.moment(day, self.rng.uniform(8.5, 16.5)), self._register_step(template)
                    )
            if day.weekday() == 0:
                self.at(self.moment(day, 7.5), lambda when: self._tick(when))
            day += timedelta(days=1)

    def _tick(self, when: datetime) -> None:
        tick(now=when)

    def _register_step(self, template: DirectiveTemplate) -> Step:
        def step(when: datetime) -> None:
            town = self.rng.choice(self.towns)
            n = next(self.serial)
            fill = {
                "town": town.label,
                "n": n,
                "year": when.year,
                "month": min(12, timezone.localtime(when).month + 2),
            }
            issuer = template.issuer
            leader = self.leaders.get(issuer)
            by = self.supervisor()
            directive = actions.register(
                kind=template.kind,
                title=template.title.format(**fill),
                urgency=template.urgency,
                received_at=when - timedelta(minutes=20),
                by=by,
                now=when,
                doc_no=template.doc_no.format(**fill),
                issuer="" if leader else issuer,
                issuer_leader=leader,
                text=template.text.format(**fill),
            )
            self.summary.directives += 1
            drafts = [self._draft(t, fill, town, i) for i, t in enumerate(template.tasks, 1)]
            # 即批即转: most directives go out within the hour; about one in twenty is
            # left overnight, which the workbench and statistics must show.
            if self.rng.random() < 0.05:
                later = self.moment(self.workday_after(timezone.localtime(when).date(), 1), 9)
            else:
                later = when + timedelta(minutes=self.rng.randint(10, 90))
            self.at(later, lambda w: self._decompose_and_assign(directive, drafts, w))

        return step

    def _draft(
        self, t: TaskTemplate, fill: dict[str, object], town: Unit, index: int
    ) -> actions.TaskDraft:
        def unit(code: str) -> Unit:
            return town if code == "TOWN" else self.units[code]

        lead = [unit(c) for c in t.lead]
        co = [unit(c) for c in t.co if unit(c) not in lead]
        return actions.TaskDraft(
            content=t.content.format(**fill),
            lead=lead,
            co=co,
            requirement=t.requirement,
            leader=self.leader_of_unit.get(lead[0].pk),
            due=t.due,
            cycle=t.cycle,
            cycle_day=t.cycle_day,
            is_key=t.is_key,
            source_paragraph=index,
        )

    def _decompose_and_assign(
        self, directive: Directive, drafts: list[actions.TaskDraft], when: datetime
    ) -> None:
        by = self.supervisor()
        tasks = actions.decompose(directive=directive, tasks=drafts, by=by, now=when)
        for task in tasks:
            actions.assign(task=task, by=by, now=when)
            task.refresh_from_db()
            self.summary.tasks += 1
            self._plan_task(task, when)

    # ------------------------------------------------------------ one task's life

    def _plan_task(self, task: Task, when: datetime) -> None:
        rng = self.rng
        assigned_on = timezone.localtime(when).date()
        received = self.moment(
            self.workday_after(assigned_on, rng.choice([0, 1, 1, 2]) or 1), rng.uniform(8.5, 11)
        )
        if rng.random() < 0.05:
            self.at(received, lambda w: self._return_and_reassign(task, w))
            return
        self.at(received, lambda w: self._receive_all(task, w))
        assert task.due is not None
        # How this unit will do: mostly on time, sometimes late, a few never finish.
        fate = rng.choices(
            ["early", "on_time", "late", "stuck", "withdrawn"], weights=[35, 40, 15, 8, 2]
        )[0]
        span = max((task.due - assigned_on).days, 1)
        if fate == "withdrawn":
            self.at(
                self.moment(assigned_on + timedelta(days=max(span // 3, 2)), 15),
                lambda w: actions.withdraw(
                    task=task,
                    reason="上级已调整工作安排，不再单独督办",
                    by=self.supervisor(),
                    now=w,
                ),
            )
            return
        finish = {
            "early": assigned_on + timedelta(days=int(span * rng.uniform(0.4, 0.85))),
            "on_time": task.due - timedelta(days=rng.randint(0, 3)),
            "late": task.due + timedelta(days=rng.randint(3, 25)),
            "stuck": None,
        }[fate]
        self._plan_reports(task, received, finish)
        if fate in ("late", "stuck") and rng.random() < 0.6:
            ask = task.due - timedelta(days=rng.randint(2, 6))
            if ask > timezone.localtime(received).date():
                self.at(self.moment(ask, 10), lambda w: self._ask_extension(task, w))
        for urge_day in (task.due + timedelta(days=1), task.due + timedelta(days=8)):
            if fate in ("late", "stuck"):
                self.at(self.moment(urge_day, 9.5), lambda w: self._urge(task, w))
        if finish is not None:
            if finish < timezone.localtime(received).date():
                finish = timezone.localtime(received).date() + timedelta(days=1)
            self.at(self.moment(finish, rng.uniform(9, 17)), lambda w: self._submit(task, w))

    def _receive_all(self, task: Task, when: datetime) -> None:
        for a in task.assignments.all():
            user = self.liaison.get(a.unit_id)
            if user is not None and a.status == "pending":
                actions.receive(task=task, by=user, now=when)

    def _return_and_reassign(self, task: Task, when: datetime) -> None:
        assert task.lead_unit_id is not None
        actions.return_(
            task=task,
            reason="该事项不属本单位职责范围，建议改由属地乡镇牵头",
            by=self.liaison[task.lead_unit_id],
            now=when,
        )
        town = self.rng.choice(self.towns)
        co = [a.unit for a in task.assignments.filter(role="co").exclude(unit=town)]
        again = when + timedelta(hours=self.rng.randint(2, 72))
        self.at(again, lambda w: self._reassign(task, town, co, w))

    def _reassign(self, task: Task, town: Unit, co: list[Unit], when: datetime) -> None:
        actions.reassign(
            task=task, lead=[town], co=co, reason="按属地原则改派", by=self.supervisor(), now=when
        )
        self._plan_task_after_reassign(task, when)

    def _plan_task_after_reassign(self, task: Task, when: datetime) -> None:
        task.refresh_from_db()
        received = when + timedelta(hours=self.rng.randint(2, 30))
        self.at(received, lambda w: self._receive_all(task, w))
        assert task.due is not None
        self.at(self.moment(task.due - timedelta(days=2), 15), lambda w: self._submit(task, w))

    def _plan_reports(self, task: Task, received: datetime, finish: date | None) -> None:
        if task.cycle == "none" or task.due is None:
            if self.rng.random() < 0.5:
                mid = timezone.localtime(received).date() + timedelta(days=7)
                self.at(self.moment(mid, 16), lambda w: self._report(task, w))
            return
        from duban.work.lights import report_slots

        assert task.assigned_at is not None
        end = min(finish or task.due + timedelta(days=60), task.due + timedelta(days=60))
        slots = report_slots(
            task.cycle, task.cycle_day, timezone.localtime(task.assigned_at).date(), end
        )
        diligence = self.rng.uniform(0.6, 1.0)  # some units miss reports
        for slot in slots:
            if self.rng.random() < diligence:
                day = slot - timedelta(days=self.rng.randint(0, 2))
                self.at(self.moment(day, self.rng.uniform(9, 17)), lambda w: self._report(task, w))

    PROGRESS = (
        "已召开专题会议研究部署，明确责任人和时间节点。",
        "已完成前期调查摸底，正在制定具体实施方案。",
        "项目已进场施工，完成工程量约{p}%。",
        "已协调相关单位解决资金、用地等问题，工作按计划推进。",
        "本周完成现场核查，形成问题清单，正在逐项整改。",
    )

    def _report(self, task: Task, when: datetime) -> None:
        task.refresh_from_db()
        if task.status != TaskStatus.IN_PROGRESS or task.lead_unit_id is None:
            return
        text = self.rng.choice(self.PROGRESS).format(p=self.rng.randint(20, 90))
        actions.report_progress(task=task, text=text, by=self.liaison[task.lead_unit_id], now=when)

    def _ask_extension(self, task: Task, when: datetime) -> None:
        task.refresh_from_db()
        if task.status != TaskStatus.IN_PROGRESS or task.due is None:
            return
        assert task.lead_unit_id is not None
        req = actions.request_extension(
            task=task,
            new_due=task.due + timedelta(days=self.rng.choice([15, 30])),
            reason="受汛期和用地报批影响，工程进度滞后，申请延期。",
            by=self.liaison[task.lead_unit_id],
            now=when,
        )
        decide = when + timedelta(days=self.rng.randint(1, 3))
        self.at(decide, lambda w: self._decide(req, w))

    def _decide(self, req: ExtensionRequest, when: datetime) -> None:
        approve = self.rng.random() < 0.7
        actions.decide_extension(
            request=req,
            approve=approve,
            by=self.supervisor(),
            now=when,
            reason="" if approve else "理由不充分，请按原定时限办结。",
        )

    def _urge(self, task: Task, when: datetime) -> None:
        task.refresh_from_db()
        if task.status not in (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS):
            return
        leader_user = self.leader_users.get(task.leader_id) if task.leader_id else None
        by = leader_user if leader_user and self.rng.random() < 0.3 else self.supervisor()
        actions.urge(
            task=task, message="该事项已超过完成时限，请抓紧办理并报送办结情况。", by=by, now=when
        )

    def _submit(self, task: Task, when: datetime) -> None:
        task.refresh_from_db()
        if task.status != TaskStatus.IN_PROGRESS or task.lead_unit_id is None:
            return
        for a in task.assignments.filter(role="co", status="received"):
            co_user = self.liaison.get(a.unit_id)
            if co_user is not None:
                actions.submit_done(
                    task=task,
                    text="本单位承担的配合工作已完成。",
                    by=co_user,
                    now=when - timedelta(hours=2),
                )
        actions.submit_done(
            task=task,
            text="该事项已按要求办理完毕，相关材料已归档备查。",
            by=self.liaison[task.lead_unit_id],
            now=when,
        )
        verify_at = self.moment(
            self.workday_after(timezone.localtime(when).date(), self.rng.randint(1, 3)), 10
        )
        self.at(verify_at, lambda w: self._verify(task, w))

    def _verify(self, task: Task, when: datetime) -> None:
        if self.rng.random() < 0.1:
            actions.verify(
                task=task,
                accept=False,
                reason="办结材料不完整，请补充验收资料后重新报送。",
                by=self.supervisor(),
                now=when,
            )
            again = self.moment(self.workday_after(timezone.localtime(when).date(), 3), 15)
            self.at(again, lambda w: self._submit(task, w))
            return
        # A co-unit that stayed silent is confirmed by the office, as the county's default
        # setting asks (the event records which units).
        actions.verify(
            task=task, accept=True, confirm_silent_co=True, by=self.supervisor(), now=when
        )
        # Most are closed at once; some wait for the office's weekly 销号 meeting.
        close_at = when + (
            timedelta(minutes=5)
            if self.rng.random() < 0.7
            else timedelta(days=self.rng.randint(1, 5))
        )
        self.at(close_at, lambda w: self._close(task, w))

    def _close(self, task: Task, when: datetime) -> None:
        actions.close(task=task, by=self.supervisor(), now=when)
        self.at(
            when + timedelta(days=self.rng.randint(1, 4)),
            lambda w: self._report_back(task.directive_id, w),
        )

    def _report_back(self, directive_id: int, when: datetime) -> None:
        directive = Directive.objects.get(pk=directive_id)
        pending = directive.tasks.exclude(status__in=[TaskStatus.CLOSED, TaskStatus.WITHDRAWN])
        if directive.status == "active" and not pending.exists():
            actions.report_back(
                directive=directive,
                by=self.supervisor(),
                now=when,
                text=f"“{directive.title}”交办的{directive.tasks.count()}项事项已全部办结，特此报告。",
            )


def build_demo(*, now: datetime | None = None, seed: int = 2026, days: int = 365) -> DemoSummary:
    """Load the county and simulate `days` of work up to `now`. The database must be empty."""
    now = now or timezone.now()
    if Directive.objects.exists():
        raise RuntimeError("the database already holds directives; use --fresh to start over")
    with _unsynced():
        load_file(COUNTY_FILE, password=DEMO_PASSWORD)
        _demo_policy()
        sim = Simulation(now=now, seed=seed, days=days)
        sim.schedule_year()
        schedule_meetings(sim)  # the year's meetings (issue 15)
        _plan_supervision(sim, now)
        sim.run()
        _todays_inbox(sim, now)
        build_proposals(now=now, seed=seed)
        build_events(now=now)  # 重大活动 (issue 19)
        build_duties(now=now)  # issue 16: the office's own duties (demo/duties.py)
        tick(now=now)
    summary = sim.summary
    # What the database holds, not what the simulation counted: the streams built after it
    # (proposals, meetings, events, duties) register directives and tasks of their own.
    summary.directives, summary.tasks = Directive.objects.count(), Task.objects.count()
    for task in Task.objects.only("status", "light"):
        summary.by_status[task.status] = summary.by_status.get(task.status, 0) + 1
        summary.by_light[task.light] = summary.by_light.get(task.light, 0) + 1
    return summary


@contextmanager
def _unsynced() -> Iterator[None]:
    """SQLite: the build's thousands of small transactions skip the flush to disk at each
    commit (settings: synchronous=FULL), which cost most of the demo's wall time; at the end
    the log is written into the database file and flushed once. The rows are the same; only
    a power cut in the middle of the build could lose part of it (build it again)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # (inside a transaction, as in the tests, SQLite may not change the level)
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _demo_policy() -> None:
    """The demo's secadmin keeps the default policy but makes the second factor optional,
    so every demo login works with the shared password (docs/decisions.md, "Administration").
    Anyone may still enrol an authenticator from the user menu to try it."""
    from dataclasses import asdict

    from duban.org.actions import POLICY_FIELDS, set_policy
    from duban.org.models import User
    from duban.org.policy import Policy

    secadmin = User.objects.filter(role="secadmin", is_active=True).order_by("id").first()
    if secadmin is None:
        return
    values = {k: v for k, v in asdict(Policy()).items() if k in POLICY_FIELDS}
    set_policy(by=secadmin, values=values, mfa_roles=[], ip_allowlists={})


def _todays_inbox(sim: Simulation, now: datetime) -> None:
    """What a supervisor finds on opening the workbench at `now`: a directive registered
    yesterday and still not sent out (overnight), today's new ones half decomposed, and a
    task a unit returned this morning."""
    today = timezone.localtime(now).date()
    yesterday = today - timedelta(days=1)
    by = sim.supervisors[0]
    zjj, fgj, czj = sim.units["zjj"], sim.units["fgj"], sim.units["czj"]

    def register(title: str, when: datetime, kind: str = "instruction") -> Directive:
        return actions.register(
            kind=kind,
            title=title,
            urgency="urgent",
            received_at=when - timedelta(minutes=15),
            by=by,
            now=when,
            issuer_leader=sim.leaders["xz"],
            text="请县住建局牵头，县发改局、县财政局配合，研究提出意见，一周内报县政府。",
        )

    late = register("林建国县长对城区内涝点整治的批示", sim.moment(yesterday, 16))
    actions.decompose(
        directive=late,
        by=by,
        now=sim.moment(yesterday, 17),
        tasks=[
            actions.TaskDraft(
                content="研究提出城区内涝点整治意见并报县政府",
                lead=[zjj],
                co=[fgj, czj],
                due={"days": 7},
                leader=sim.leader_of_unit.get(zjj.pk),
            ),
        ],
    )
    fresh = register("林建国县长对冬季供暖保障工作的批示", now - timedelta(hours=2))
    actions.decompose(
        directive=fresh,
        by=by,
        now=now - timedelta(hours=1),
        tasks=[
            actions.TaskDraft(
                content="排查城区集中供暖管网隐患",
                lead=[zjj],
                due={"workdays": 5},
                leader=sim.leader_of_unit.get(zjj.pk),
                is_key=True,
            ),
            actions.TaskDraft(
                content="落实困难群众取暖补贴资金",
                lead=[czj],
                co=[sim.units["mzj"]],
                due={"days": 15},
                leader=sim.leader_of_unit.get(czj.pk),
            ),
        ],
    )
    register(
        "市政府办公室关于报送年度重点工作完成情况的通知",
        now - timedelta(minutes=30),
        kind="superior",
    )

    two_days_ago = sim.calendar.add_workdays(today - timedelta(days=7), 3).day
    wrong = register("群众反映西关路段路灯不亮问题", sim.moment(two_days_ago, 9))
    [task] = actions.decompose(
        directive=wrong,
        by=by,
        now=sim.moment(two_days_ago, 10),
        tasks=[
            actions.TaskDraft(
                content="核查处理西关路段路灯不亮问题", lead=[fgj], due={"workdays": 10}
            ),
        ],
    )
    actions.assign(task=task, by=by, now=sim.moment(two_days_ago, 10))
    actions.return_(
        task=task,
        by=sim.liaison[fgj.pk],
        now=now - timedelta(hours=3),
        reason="路灯维护属县城管局职责，建议改由县城管局办理。",
    )

    # A done report that came in this morning and waits for the office's verification.
    week_ago = sim.calendar.add_workdays(today - timedelta(days=12), 1).day
    done = register("关于做好冬季校园安全检查的通知", sim.moment(week_ago, 9), kind="superior")
    [task] = actions.decompose(
        directive=done,
        by=by,
        now=sim.moment(week_ago, 9.5),
        tasks=[
            actions.TaskDraft(content="开展冬季校园消防安全检查", lead=[czj], due={"workdays": 10}),
        ],
    )
    actions.assign(task=task, by=by, now=sim.moment(week_ago, 9.5))
    actions.receive(task=task, by=sim.liaison[czj.pk], now=sim.moment(week_ago, 11))
    actions.submit_done(
        task=task,
        text="已完成全县中小学消防安全检查，整改隐患12处。",
        by=sim.liaison[czj.pk],
        now=now - timedelta(hours=4),
    )


def _plan_supervision(sim: Simulation, now: datetime) -> None:
    """Schedule this month's supervision, in time order with the rest of the year: a random
    spot check of last month's closed tasks with its findings (one untrue, reopened and
    sent for rectification), and a themed campaign under way with one visit."""
    from duban.supervise import actions as sv
    from duban.supervise.models import SpotCheck
    from duban.supervise.spotchecks import Filters

    today = timezone.localtime(now).date()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    by = sim.supervisors[0]
    drawn_on = sim.calendar.add_workdays(first, 2).day
    found_on = sim.calendar.add_workdays(drawn_on, 3).day
    visit_on = sim.calendar.add_workdays(first, 4).day
    zjj, cgz, fgj = sim.units["zjj"], sim.units["cgz"], sim.units["fgj"]

    def draw(when: datetime) -> None:
        sv.draw_spot_check(
            title=f"{last_month_end.month}月办结事项随机抽查",
            filters=Filters(closed_from=last_month_end.replace(day=1), closed_to=last_month_end),
            size=5,
            stratify=True,
            seed=20260000 + last_month_end.month,
            by=by,
            now=when,
        )

    def find(when: datetime) -> None:
        check = SpotCheck.objects.order_by("-id").first()
        if check is None:
            return
        verdicts = ["true", "mostly", "false", "true", "true"]
        notes = {
            "mostly": "佐证材料不全，已要求补充。",
            "false": "现场核查发现整改未到位，台账与实际不符。",
        }
        for item, verdict in zip(check.items.order_by("position"), verdicts, strict=False):
            sv.record_finding(
                item=item,
                verdict=verdict,
                notes=notes.get(verdict, ""),
                rectify=verdict == "false",
                by=by,
                now=when,
            )

    def campaign(when: datetime) -> None:
        sv.create_campaign(
            title="冬季安全生产专项督查",
            theme="对城镇燃气、建筑施工、校园消防开展专项督查。",
            checklist=["隐患排查台账是否建立", "重大隐患是否整改销号", "应急预案是否演练"],
            starts_on=first,
            ends_on=first + timedelta(days=27),
            units=[zjj, cgz, fgj],
            by=by,
            now=when,
        )

    def visit(when: datetime) -> None:
        from duban.supervise.models import Campaign

        c = Campaign.objects.order_by("-id").first()
        if c is not None:
            sv.record_visit(
                campaign=c,
                unit=zjj,
                visited_on=visit_on,
                inspectors="督查室两名同志",
                results=[("done", ""), ("partly", "两处燃气管网隐患尚未销号"), ("done", "")],
                by=by,
                now=when,
            )

    sim.at(sim.moment(drawn_on, 9), draw)
    sim.at(sim.moment(found_on, 15), find)
    sim.at(sim.moment(first, 9), campaign)
    sim.at(sim.moment(visit_on, 17), visit)
