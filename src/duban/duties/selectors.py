"""Reads of the office's duty records, and the named figures the 述职述廉 draft uses.

The records are the office's own: its staff (supervisor role) and the county leaders read
them; units do not (`may_read`). Each figure of the draft is one function here (or in
documents.annual), so a figure on the page and in the document is the same call.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from duban.duties import calendar as cal
from duban.duties.models import (
    BranchActivity,
    CatalogueVersion,
    DraftingAssignment,
    DraftStatus,
    DutyFile,
    DutyPost,
    DutyReport,
    DutyReportVersion,
    IntegrityTalk,
    PartyBranch,
    ReformMeasures,
    ResponsibilityList,
    ServiceCatalogue,
    Study,
    StudyStatus,
    ThemeDayTurn,
)
from duban.org.models import Role, User
from duban.work import selectors as work_selectors
from duban.work.models import Directive, Task, TaskStatus

SH = ZoneInfo("Asia/Shanghai")
READERS = (Role.SUPERVISOR, Role.LEADER)


def may_read(user: User) -> bool:
    return user.is_active and user.role in READERS


# ---------------------------------------------------------------- 三会一课


@dataclass
class SlotRow:
    slot: cal.Slot
    light: cal.Light
    activities: list[BranchActivity] = field(default_factory=list)


@dataclass
class BranchYear:
    branch: PartyBranch
    rows: list[SlotRow]

    @property
    def red(self) -> list[SlotRow]:
        return [r for r in self.rows if r.light == cal.Light.RED]


def theme_day_leads(year: int) -> dict[int, PartyBranch]:
    """Month → lead branch: the stored rotation; months not yet stored as it would be made."""
    branches = list(PartyBranch.objects.filter(is_active=True))
    stored = {
        t.month: t.branch for t in ThemeDayTurn.objects.filter(year=year).select_related("branch")
    }
    by_pk = {b.pk: b for b in branches}
    planned = cal.rotation([b.pk for b in branches], year)
    return {
        m: stored.get(m) or by_pk[planned[m]] for m in range(1, 13) if m in stored or m in planned
    }


def branch_calendar(*, year: int, today: date) -> list[BranchYear]:
    """Every active branch's owed sessions of `year` with their lights and records.

    主题党日 is owed by the month's lead branch only (the branches hold it together)."""
    leads = theme_day_leads(year)
    acts: dict[tuple[int, str], list[BranchActivity]] = defaultdict(list)
    for a in BranchActivity.objects.filter(held_on__year=year).order_by("held_on", "id"):
        acts[(a.branch_id, a.kind)].append(a)
    out = []
    for branch in PartyBranch.objects.filter(is_active=True):
        rows = []
        for slot in cal.slots(year):
            if slot.kind == cal.SessionKind.THEME_DAY:
                lead = leads.get(slot.start.month)
                if lead is None or lead.pk != branch.pk:
                    continue
            held = [a for a in acts[(branch.pk, slot.kind)] if slot.contains(a.held_on)]
            light = cal.light(slot, [a.held_on for a in held], today)
            rows.append(SlotRow(slot, light, held))
        out.append(BranchYear(branch, rows))
    return out


def sessions_held(*, year: int) -> dict[str, int]:
    """三会一课 and 主题党日 held in `year`, by kind (every session recorded counts)."""
    counts = Counter(
        BranchActivity.objects.filter(held_on__year=year).values_list("kind", flat=True)
    )
    return {k.value: counts[k.value] for k in cal.SessionKind}


def sessions_missed(*, year: int, today: date) -> list[tuple[PartyBranch, cal.Slot]]:
    return [(b.branch, r.slot) for b in branch_calendar(year=year, today=today) for r in b.red]


def activities(*, year: int) -> QuerySet[BranchActivity]:
    return BranchActivity.objects.filter(held_on__year=year).select_related("branch")


def photos_of(activity: BranchActivity) -> list[DutyFile]:
    return list(DutyFile.objects.filter(stream=activity.stream, purpose="photo"))


# ---------------------------------------------------------------- 廉政约谈


@dataclass
class TalkRow:
    post_label: str
    cells: list[tuple[IntegrityTalk | None, cal.Light]]


def talk_plan(*, year: int, today: date) -> list[TalkRow]:
    talks: dict[int, dict[int, IntegrityTalk]] = defaultdict(dict)
    posts = {}
    for t in IntegrityTalk.objects.filter(year=year).select_related("post"):
        talks[t.post_id][t.quarter] = t
        posts[t.post_id] = t.post
    rows = []
    for post_id, post in sorted(posts.items(), key=lambda p: (p[1].order, p[0])):
        cells: list[tuple[IntegrityTalk | None, cal.Light]] = []
        for q in (1, 2, 3, 4):
            cell = talks[post_id].get(q)
            held = cell is not None and cell.held_on is not None
            cells.append((cell, cal.talk_light(year, q, held, today)))
        rows.append(TalkRow(str(post), cells))
    return rows


def talks_held(*, year: int) -> int:
    return IntegrityTalk.objects.filter(year=year, held_on__isnull=False).count()


def talks_missing(*, year: int, today: date) -> list[IntegrityTalk]:
    """Planned talks whose quarter is over without a record (flagged red)."""
    return [
        t
        for t in IntegrityTalk.objects.filter(year=year, held_on__isnull=True).select_related(
            "post"
        )
        if cal.talk_light(year, t.quarter, False, today) == cal.Light.RED
    ]


# ---------------------------------------------------------------- lists, research, drafting


def responsibility_tasks(*, year: int) -> QuerySet[Task]:
    ids = ResponsibilityList.objects.filter(year=year).values("directive_id")
    return Task.objects.filter(directive_id__in=ids).exclude(status=TaskStatus.WITHDRAWN)


def responsibility_unmet(*, year: int, today: date) -> QuerySet[Task]:
    """Items of the year's lists past their date and not closed."""
    return responsibility_tasks(year=year).filter(due__lt=today).exclude(status=TaskStatus.CLOSED)


def reform_tasks(*, year: int) -> QuerySet[Task]:
    ids = ReformMeasures.objects.filter(year=year).values("directive_id")
    return Task.objects.filter(directive_id__in=ids).exclude(status=TaskStatus.WITHDRAWN)


def studies(*, year: int) -> QuerySet[Study]:
    return Study.objects.filter(year=year).select_related("staff", "leader")


def studies_accepted(*, year: int) -> int:
    return Study.objects.filter(year=year, status=StudyStatus.ACCEPTED).count()


def study_reports(study: Study) -> list[DutyFile]:
    return list(DutyFile.objects.filter(stream=study.stream, purpose="report").order_by("version"))


def drafting(*, year: int) -> QuerySet[DraftingAssignment]:
    return DraftingAssignment.objects.filter(year=year).select_related("drafter", "reviewer")


def drafts_final(*, year: int) -> int:
    return DraftingAssignment.objects.filter(year=year, status=DraftStatus.FINAL).count()


def drafting_light(a: DraftingAssignment, today: date) -> cal.Light:
    slot = cal.Slot("draft", date(a.year, 1, 1), a.due)
    return cal.light(slot, [a.finished_on] if a.finished_on else [], today)


def draft_versions(a: DraftingAssignment) -> list[DutyFile]:
    return list(DutyFile.objects.filter(stream=a.stream, purpose="draft").order_by("version"))


def catalogues() -> QuerySet[ServiceCatalogue]:
    return ServiceCatalogue.objects.order_by("kind", "name")


def catalogue_versions(c: ServiceCatalogue) -> list[CatalogueVersion]:
    return list(c.versions.order_by("number"))


# ---------------------------------------------------------------- the draft


def report_versions(*, year: int) -> list[DutyReportVersion]:
    report = DutyReport.objects.filter(year=year).first()
    return list(report.versions.order_by("number")) if report else []


def latest_report_version(*, year: int) -> DutyReportVersion | None:
    versions = report_versions(year=year)
    return versions[-1] if versions else None


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date(year, 1, 1), time(0), tzinfo=SH),
        datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=SH),
    )


def responsibility_lists(*, year: int) -> QuerySet[ResponsibilityList]:
    return ResponsibilityList.objects.filter(year=year).select_related("post", "directive")


def reform_measures(*, year: int) -> QuerySet[ReformMeasures]:
    return ReformMeasures.objects.filter(year=year).select_related("directive")


def theme_day_stored(*, year: int) -> set[int]:
    """The months whose 主题党日 lead branch is stored (generated and kept)."""
    return set(ThemeDayTurn.objects.filter(year=year).values_list("month", flat=True))


def branches() -> QuerySet[PartyBranch]:
    return PartyBranch.objects.prefetch_related("members").select_related("secretary")


def posts() -> QuerySet[DutyPost]:
    return DutyPost.objects.select_related("unit")


def recent_activities(*, year: int, limit: int = 50) -> list[tuple[BranchActivity, list[DutyFile]]]:
    """The year's latest sessions with their photos (two queries)."""
    rows = list(activities(year=year).order_by("-held_on", "-id")[:limit])
    photos: dict[str, list[DutyFile]] = defaultdict(list)
    for f in DutyFile.objects.filter(stream__in=[a.stream for a in rows], purpose="photo"):
        photos[f.stream].append(f)
    return [(a, photos[a.stream]) for a in rows]


def directive_by_code(user: User, year: int, serial: int) -> Directive | None:
    """A directive the user may see, by its 登记编号 (2026-0012)."""
    return work_selectors.directives_visible_to(user).filter(year=year, serial=serial).first()
