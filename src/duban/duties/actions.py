"""Every change of the office's duty records (one write path, STYLE.md rule 1).

Each action takes the acting user (`by`) and the time (`now`), runs in one transaction
(`work.actions.action`), and appends to the holder's chain (`records.chain.append`). The
office's own records are kept by its staff: the supervisor role (督查室/办公室).
Work that units carry out (a responsibility list, reform measures) is registered through
the work actions (register → decompose → assign), so lights, urging and scores apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.files import File
from django.utils import timezone

from duban.crypto import sm3
from duban.duties import calendar as cal
from duban.duties import diff
from duban.duties.models import (
    BranchActivity,
    CatalogueKind,
    CatalogueVersion,
    DraftingAssignment,
    DraftKind,
    DraftStatus,
    DutyFile,
    DutyPost,
    DutyReport,
    DutyReportVersion,
    IntegrityTalk,
    PartyBranch,
    PostCategory,
    ReformMeasures,
    ResponsibilityList,
    ServiceCatalogue,
    Study,
    StudyStatus,
    ThemeDayTurn,
)
from duban.org.models import Leader, Role, Unit, User
from duban.records.chain import append
from duban.records.models import ChainedRecord
from duban.work import actions as work
from duban.work import uploads
from duban.work.actions.core import now_of as _now
from duban.work.actions.core import require_supervisor as _office
from duban.work.errors import Invalid, Refused
from duban.work.models import Directive, DirectiveKind, Urgency

YEARS = range(2000, 2101)


def _text(value: str, field: str, label: str, limit: int = 0) -> str:
    value = work.require_text(value, field, label)
    if limit and len(value) > limit:
        raise Invalid(f"{label}不能超过{limit}字。", log=f"{field} too long", field=field)
    return value


def _year(year: int) -> int:
    if year not in YEARS:
        raise Invalid(f"年份{year}无效。", log=f"bad year {year}", field="year")
    return year


def _not_future(day: date, now: datetime, field: str, label: str) -> None:
    if day > timezone.localdate(now):
        raise Invalid(f"{label}不能晚于今天。", log=f"{field} in the future", field=field)


H = TypeVar("H", bound=ChainedRecord)


def _lock(holder: H) -> H:
    """Re-read the holder under a row lock: two writers of one chain serialise."""
    return type(holder)._default_manager.select_for_update().get(pk=holder.pk)


def _files(
    holder: ChainedRecord,
    files: Sequence[File[Any]],
    *,
    purpose: str,
    by: User,
    now: datetime,
    version: int = 0,
) -> list[dict[str, Any]]:
    """Check and keep files of a holder; what goes into its chain (name, size, SM3)."""
    try:
        checked = uploads.check_files(files)
    except uploads.UploadRefused as e:
        raise Invalid(e.message, log=e.log, field="files") from None
    out = []
    for c in checked:
        text = diff.docx_text(c.file) if c.name.lower().endswith(".docx") else ""
        c.file.seek(0)
        DutyFile(
            stream=holder.stream,
            purpose=purpose,
            version=version,
            file=File(c.file, name=uploads.stored_name(c.name)),
            name=c.name,
            size=c.size,
            algorithm=c.algorithm,
            digest=c.digest,
            text=text,
            uploaded_at=now,
            uploaded_by=by,
        ).save()
        out.append({"name": c.name, "size": c.size, c.algorithm: c.digest})
    return out


# ---------------------------------------------------------------- party branches


@work.action
def save_branch(
    *,
    name: str,
    by: User,
    branch: PartyBranch | None = None,
    order: int = 0,
    secretary: User | None = None,
    members: Sequence[User] = (),
    other_members: str = "",
    is_active: bool = True,
    now: datetime | None = None,
) -> PartyBranch:
    """Set up or change a branch: its name, secretary and members (accounts where they
    have one; the others by name)."""
    _office(by, "设置党支部")
    name = _text(name, "name", "支部名称", 100)
    clash = PartyBranch.objects.filter(name=name)
    if branch is not None:
        clash = clash.exclude(pk=branch.pk)
    if clash.exists():
        raise Invalid(f"已有名为“{name}”的支部。", log="branch name taken", field="name")
    branch = branch or PartyBranch()
    branch.name, branch.order, branch.secretary = name, order, secretary
    branch.other_members, branch.is_active = other_members.strip(), is_active
    branch.save()
    branch.members.set(members)
    return branch


@work.action
def record_session(
    *,
    branch: PartyBranch,
    kind: str,
    held_on: date,
    topic: str,
    attended: int,
    expected: int,
    by: User,
    absent: str = "",
    minutes: str = "",
    photos: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> BranchActivity:
    """Record one session held (三会一课 or 主题党日), with its photos."""
    now = _now(now)
    _office(by, "登记三会一课")
    if kind not in cal.LABELS:
        raise Invalid(f"类别“{kind}”无效。", log=f"bad kind {kind}", field="kind")
    _not_future(held_on, now, "held_on", "召开日期")
    _year(held_on.year)
    topic = _text(topic, "topic", "主题", 200)
    if expected <= 0:
        raise Invalid("应到人数须大于0。", log="expected <= 0", field="expected")
    if not 0 <= attended <= expected:
        raise Invalid(
            f"实到人数须在0至{expected}之间。", log="attended out of range", field="attended"
        )
    activity = BranchActivity(
        branch=branch,
        kind=kind,
        held_on=held_on,
        topic=topic,
        attended=attended,
        expected=expected,
        absent=absent.strip(),
        minutes=minutes.strip(),
        recorded_at=now,
        recorded_by=by,
    )
    activity.save()
    files = _files(activity, photos, purpose="photo", by=by, now=now)
    append(
        activity,
        kind="held",
        at=now,
        by=by,
        payload={
            "branch": branch.pk,
            "kind": kind,
            "held_on": held_on.isoformat(),
            "topic": topic,
            "attended": attended,
            "expected": expected,
            "absent": activity.absent,
            "minutes": activity.minutes,
            "photos": files,
        },
    )
    return activity


@work.action
def plan_theme_days(*, year: int, by: User, now: datetime | None = None) -> list[ThemeDayTurn]:
    """主题党日 rotation ("三个支部轮流牵头") for `year`: months already stored are kept as
    they are — regenerating after a branch was added or closed re-plans only the months
    not yet stored, so a past month never changes silently."""
    now = _now(now)
    _office(by, "生成主题党日轮值表")
    _year(year)
    branches = list(PartyBranch.objects.filter(is_active=True).values_list("pk", flat=True))
    if not branches:
        raise Invalid("尚未设置党支部，无法生成轮值表。", log="no branches")
    stored = set(ThemeDayTurn.objects.filter(year=year).values_list("month", flat=True))
    plan = cal.rotation(branches, year)
    for month, branch_id in plan.items():
        if month not in stored:
            ThemeDayTurn(year=year, month=month, branch_id=branch_id, generated_at=now).save()
    return list(ThemeDayTurn.objects.filter(year=year).select_related("branch"))


# ---------------------------------------------------------------- 廉政约谈


@work.action
def save_post(
    *,
    title: str,
    holder: str,
    category: str,
    unit: Unit,
    by: User,
    post: DutyPost | None = None,
    holder_user: User | None = None,
    order: int = 0,
    is_active: bool = True,
    now: datetime | None = None,
) -> DutyPost:
    _office(by, "设置约谈岗位")
    if category not in PostCategory.values:
        raise Invalid(f"岗位类别“{category}”无效。", log="bad category", field="category")
    post = post or DutyPost()
    post.title = _text(title, "title", "岗位", 100)
    post.holder = _text(holder, "holder", "现任人员", 50)
    post.holder_user, post.category, post.unit = holder_user, category, unit
    post.order, post.is_active = order, is_active
    post.save()
    return post


@work.action
def plan_talks(*, year: int, by: User, now: datetime | None = None) -> list[IntegrityTalk]:
    """The year's 廉政约谈 plan: every active post once a quarter. Posts added later are
    planned by running it again; a talk already planned is left as it is."""
    now = _now(now)
    _office(by, "生成廉政约谈计划")
    _year(year)
    made = []
    for post in DutyPost.objects.filter(is_active=True):
        for quarter in (1, 2, 3, 4):
            if IntegrityTalk.objects.filter(post=post, year=year, quarter=quarter).exists():
                continue
            talk = IntegrityTalk(post=post, year=year, quarter=quarter, planned_at=now)
            talk.save()
            append(
                talk,
                kind="planned",
                at=now,
                by=by,
                payload={"post": post.pk, "year": year, "quarter": quarter},
            )
            made.append(talk)
    return made


@work.action
def record_talk(
    *,
    talk: IntegrityTalk,
    held_on: date,
    talker: str,
    points: str,
    by: User,
    talkee: str = "",
    follow_up: str = "",
    now: datetime | None = None,
) -> IntegrityTalk:
    """A talk held: who talked with whom, when, the points raised and the follow-up."""
    now = _now(now)
    _office(by, "登记廉政约谈")
    talk = _lock(talk)
    if talk.held_on is not None:
        raise Invalid("该次约谈已登记。", log=f"talk {talk.pk} already held")
    start, end = cal.quarter_bounds(talk.year, talk.quarter)
    if not start <= held_on <= end:
        raise Invalid(
            f"约谈日期须在{talk.year}年第{talk.quarter}季度内。",
            log="held_on outside the quarter",
            field="held_on",
        )
    _not_future(held_on, now, "held_on", "约谈日期")
    talk.held_on = held_on
    talk.talker = _text(talker, "talker", "约谈人", 50)
    talk.talkee = (talkee or talk.post.holder).strip()[:50]
    talk.points = _text(points, "points", "约谈要点")
    talk.follow_up = follow_up.strip()
    talk.save()
    append(
        talk,
        kind="held",
        at=now,
        by=by,
        payload={
            "held_on": held_on.isoformat(),
            "talker": talk.talker,
            "talkee": talk.talkee,
            "points": talk.points,
            "follow_up": talk.follow_up,
        },
    )
    return talk


@work.action
def add_talk_follow_up(
    *, talk: IntegrityTalk, text: str, by: User, now: datetime | None = None
) -> IntegrityTalk:
    now = _now(now)
    _office(by, "登记约谈跟进情况")
    talk = _lock(talk)
    if talk.held_on is None:
        raise Invalid("约谈尚未登记，不能登记跟进情况。", log="follow-up before the talk")
    text = _text(text, "follow_up", "跟进情况")
    talk.follow_up = f"{talk.follow_up}\n{text}".strip()
    talk.save(update_fields=["follow_up"])
    append(talk, kind="follow_up", at=now, by=by, payload={"text": text})
    return talk


# ---------------------------------------------------------------- work through work actions


@dataclass(frozen=True)
class Item:
    """One item of a list that becomes a task: what, which unit, by when."""

    content: str
    due: date
    unit: Unit | None = None  # the post's unit for a responsibility list


def _register(
    *, kind: str, title: str, text: str, items: Sequence[Item], by: User, now: datetime
) -> Directive:
    if not items:
        raise Invalid("请至少填写一项。", log="no items", field="items")
    directive = work.register(
        kind=kind,
        title=title,
        urgency=Urgency.NORMAL,
        received_at=now,
        issuer="县政府办公室",
        text=text,
        by=by,
        now=now,
    )
    drafts = [
        work.TaskDraft(content=i.content, lead=[i.unit], due={"date": i.due.isoformat()})
        for i in items
        if i.unit is not None
    ]
    for task in work.decompose(directive=directive, tasks=drafts, by=by, now=now):
        work.assign(task=task, by=by, now=now)
    return directive


@work.action
def register_responsibility_list(
    *, year: int, post: DutyPost, items: Sequence[Item], by: User, now: datetime | None = None
) -> ResponsibilityList:
    """责任清单 / 一岗双责: the year's list of one post, registered as a directive of kind
    其他 whose tasks go to the post's unit (check-off = 办结报告 with evidence, verified and
    closed by the office; lights and urging as for any task)."""
    now = _now(now)
    _office(by, "下达责任清单")
    _year(year)
    if ResponsibilityList.objects.filter(year=year, post=post).exists():
        raise Invalid(f"{post.title}{year}年的责任清单已下达。", log="list exists")
    directive = _register(
        kind=DirectiveKind.OTHER,
        title=f"{year}年度党风廉政建设责任清单（{post.title}）",
        text=f"一岗双责：{post.title}{post.holder}{year}年度党风廉政建设责任清单。",
        items=[Item(i.content, i.due, post.unit) for i in items],
        by=by,
        now=now,
    )
    rl = ResponsibilityList(year=year, post=post, directive=directive, created_at=now)
    rl.save()
    return rl


@work.action
def register_reform_measures(
    *, year: int, title: str, items: Sequence[Item], by: User, now: datetime | None = None
) -> ReformMeasures:
    """放管服 reform measures (40条措施, 容缺审批, 重大项目代办…) as a 重点工作 directive."""
    now = _now(now)
    _office(by, "登记改革措施")
    _year(year)
    title = _text(title, "title", "标题", 200)
    if any(i.unit is None for i in items):
        raise Invalid("每项措施须有责任单位。", log="measure without unit", field="items")
    directive = _register(
        kind=DirectiveKind.KEY_WORK, title=title, text=title, items=items, by=by, now=now
    )
    rm = ReformMeasures(year=year, title=title, directive=directive, created_at=now)
    rm.save()
    return rm


# ---------------------------------------------------------------- 调研


@work.action
def open_study(
    *,
    year: int,
    topic: str,
    staff: User,
    by: User,
    leader: Leader | None = None,
    now: datetime | None = None,
) -> Study:
    now = _now(now)
    _office(by, "确定调研课题")
    study = Study(
        year=_year(year),
        topic=_text(topic, "topic", "课题", 200),
        staff=staff,
        leader=leader,
        status=StudyStatus.ASSIGNED,
    )
    study.save()
    append(
        study,
        kind="opened",
        at=now,
        by=by,
        payload={
            "year": year,
            "topic": study.topic,
            "staff": staff.pk,
            "leader": leader and leader.pk,
        },
    )
    return study


@work.action
def record_visit(
    *, study: Study, on: date, place: str, notes: str, by: User, now: datetime | None = None
) -> Study:
    now = _now(now)
    _office(by, "登记调研走访")
    study = _lock(study)
    _not_future(on, now, "on", "走访日期")
    visit = {"on": on.isoformat(), "place": _text(place, "place", "走访地点", 100), "notes": notes}
    study.visits = [*study.visits, visit]
    study.save(update_fields=["visits"])
    append(study, kind="visit", at=now, by=by, payload=visit)
    return study


@work.action
def submit_study_report(
    *, study: Study, file: File[Any], by: User, now: datetime | None = None
) -> Study:
    """A version of the research report (a file); the previous one is kept."""
    now = _now(now)
    _office(by, "提交调研报告")
    study = _lock(study)
    if study.status == StudyStatus.ACCEPTED:
        raise Invalid("调研报告已定稿，不能再提交。", log="study accepted")
    version = DutyFile.objects.filter(stream=study.stream, purpose="report").count() + 1
    files = _files(study, [file], purpose="report", by=by, now=now, version=version)
    study.status = StudyStatus.SUBMITTED
    study.save(update_fields=["status"])
    append(study, kind="report", at=now, by=by, payload={"version": version, "file": files[0]})
    return study


@work.action
def review_study(
    *, study: Study, accept: bool, note: str, by: User, now: datetime | None = None
) -> Study:
    now = _now(now)
    _office(by, "审核调研报告")
    study = _lock(study)
    if study.status != StudyStatus.SUBMITTED:
        raise Invalid("没有待审核的调研报告。", log="nothing to review")
    if not accept:
        note = _text(note, "note", "退回意见")
    study.status = StudyStatus.ACCEPTED if accept else StudyStatus.ASSIGNED
    study.accepted_on = timezone.localdate(now) if accept else None
    study.save(update_fields=["status", "accepted_on"])
    append(study, kind="reviewed", at=now, by=by, payload={"accept": accept, "note": note})
    return study


@work.action
def link_study(
    *, study: Study, directive: Directive, by: User, now: datetime | None = None
) -> Study:
    """The directive a report led to (a leader's instruction on it, a measure adopted)."""
    now = _now(now)
    _office(by, "关联调研成果")
    study = _lock(study)
    study.directives.add(directive)
    append(study, kind="linked", at=now, by=by, payload={"directive": directive.pk})
    return study


# ---------------------------------------------------------------- 放管服 lists


@work.action
def publish_catalogue(
    *,
    kind: str,
    name: str,
    items: Sequence[dict[str, str]],
    published_on: date,
    by: User,
    now: datetime | None = None,
) -> CatalogueVersion:
    """A new version of a published list (一件事一次办目录, 事项清单) with owning units."""
    now = _now(now)
    _office(by, "发布放管服清单")
    if kind not in CatalogueKind.values:
        raise Invalid(f"清单类别“{kind}”无效。", log="bad kind", field="kind")
    name = _text(name, "name", "清单名称", 200)
    codes = set(Unit.objects.values_list("code", flat=True))
    rows = []
    for n, item in enumerate(items, start=1):
        title = (item.get("name") or "").strip()
        if not title:
            raise Invalid(f"第{n}项缺少事项名称。", log=f"item {n} without name", field="items")
        if item.get("unit") not in codes:
            raise Invalid(
                f"第{n}项的责任单位“{item.get('unit')}”不存在。",
                log=f"item {n} bad unit",
                field="items",
            )
        rows.append({"name": title, "unit": item["unit"]})
    catalogue = ServiceCatalogue.objects.select_for_update().filter(kind=kind, name=name).first()
    if catalogue is None:
        catalogue = ServiceCatalogue(kind=kind, name=name)
        catalogue.save()
    previous = catalogue.versions.order_by("-number").first()
    changes = diff.catalogue(previous.items if previous else [], rows)
    catalogue.version += 1
    catalogue.save(update_fields=["version"])
    version = CatalogueVersion(
        catalogue=catalogue,
        number=catalogue.version,
        published_on=published_on,
        items=rows,
        created_at=now,
    )
    version.save()
    append(
        catalogue,
        kind="version",
        at=now,
        by=by,
        payload={
            "number": version.number,
            "published_on": published_on.isoformat(),
            "items": len(rows),
            "added": [r["name"] for r in changes.added],
            "removed": [r["name"] for r in changes.removed],
            "moved": [r["name"] for r, _ in changes.moved],
        },
    )
    return version


# ---------------------------------------------------------------- 文稿起草


@work.action
def assign_drafting(
    *,
    year: int,
    kind: str,
    title: str,
    drafter: User,
    reviewer: User,
    due: date,
    by: User,
    now: datetime | None = None,
) -> DraftingAssignment:
    now = _now(now)
    _office(by, "布置文稿起草")
    if kind not in DraftKind.values:
        raise Invalid(f"文稿类别“{kind}”无效。", log="bad kind", field="kind")
    if drafter.pk == reviewer.pk:
        raise Invalid("起草人和审核人不能是同一人。", log="drafter is reviewer", field="reviewer")
    if due < timezone.localdate(now):
        raise Invalid("完成时限不能早于今天。", log="due in the past", field="due")
    a = DraftingAssignment(
        year=_year(year),
        kind=kind,
        title=_text(title, "title", "文稿名称", 200),
        drafter=drafter,
        reviewer=reviewer,
        due=due,
        status=DraftStatus.DRAFTING,
    )
    a.save()
    append(
        a,
        kind="assigned",
        at=now,
        by=by,
        payload={
            "kind": kind,
            "title": a.title,
            "drafter": drafter.pk,
            "reviewer": reviewer.pk,
            "due": due.isoformat(),
        },
    )
    return a


def _drafting_party(a: DraftingAssignment, by: User, who: str) -> None:
    allowed = {"drafter": a.drafter_id, "reviewer": a.reviewer_id}[who]
    if by.pk != allowed and by.role != Role.SUPERVISOR:
        raise Refused("您不是该文稿的起草人或审核人。", log=f"user {by.pk} not on draft {a.pk}")


@work.action
def upload_draft(
    *, assignment: DraftingAssignment, file: File[Any], by: User, now: datetime | None = None
) -> DutyFile:
    """A version of the draft (files in and out, no editor); it goes to review."""
    now = _now(now)
    _drafting_party(assignment, by, "drafter")
    a = _lock(assignment)
    if a.status == DraftStatus.FINAL:
        raise Invalid("文稿已定稿，不能再上传。", log="draft final")
    version = DutyFile.objects.filter(stream=a.stream, purpose="draft").count() + 1
    files = _files(a, [file], purpose="draft", by=by, now=now, version=version)
    a.status = DraftStatus.REVIEWING
    a.save(update_fields=["status"])
    append(a, kind="version", at=now, by=by, payload={"version": version, "file": files[0]})
    return DutyFile.objects.get(stream=a.stream, purpose="draft", version=version)


@work.action
def review_draft(
    *,
    assignment: DraftingAssignment,
    accept: bool,
    note: str,
    by: User,
    now: datetime | None = None,
) -> DraftingAssignment:
    now = _now(now)
    _drafting_party(assignment, by, "reviewer")
    a = _lock(assignment)
    if a.status != DraftStatus.REVIEWING:
        raise Invalid("没有待审核的文稿版本。", log="nothing to review")
    if not accept:
        note = _text(note, "note", "修改意见")
    a.status = DraftStatus.FINAL if accept else DraftStatus.DRAFTING
    a.finished_on = timezone.localdate(now) if accept else None
    a.save(update_fields=["status", "finished_on"])
    append(a, kind="reviewed", at=now, by=by, payload={"accept": accept, "note": note})
    return a


# ---------------------------------------------------------------- 述职述廉


@work.action
def save_report_draft(
    *,
    year: int,
    sections: Sequence[dict[str, Any]],
    by: User,
    now: datetime | None = None,
) -> DutyReportVersion:
    """Keep the director's edited text as a new version (the earlier ones stay)."""
    now = _now(now)
    _office(by, "保存述职述廉报告")
    _year(year)
    clean = []
    for s in sections:
        paragraphs = [p.strip() for p in s.get("paragraphs", []) if p and p.strip()]
        heading = str(s.get("heading", "")).strip()
        if not heading:
            raise Invalid("每一部分须有标题。", log="section without heading", field="sections")
        clean.append({"key": str(s.get("key", "")), "heading": heading, "paragraphs": paragraphs})
    if not any(s["paragraphs"] for s in clean):
        raise Invalid("报告正文不能为空。", log="empty draft", field="sections")
    report = DutyReport.objects.select_for_update().filter(year=year).first()
    if report is None:
        report = DutyReport(year=year)
        report.save()
    report.version += 1
    report.save(update_fields=["version"])
    v = DutyReportVersion(
        report=report, number=report.version, sections=clean, saved_at=now, saved_by=by
    )
    v.save()
    text = "\n".join(p for s in clean for p in [s["heading"], *s["paragraphs"]])
    append(
        report,
        kind="saved",
        at=now,
        by=by,
        payload={"version": v.number, "chars": len(text), "sm3": sm3(text.encode())},
    )
    return v
