"""The director's 述职述廉 draft (issue 16, point 7): four parts, every figure from the record.

Each figure is a `Figure` naming the selector it comes from (`source`), so the page can show
where each number comes from and the tests can assert each against its selector. The text
is a draft: the director edits it on the page (saved as versions, `actions.save_report_draft`)
and the .docx is built from the saved text in the GB/T 9704 layout (documents.gbt9704).

Meetings, law study and 三重一大 come from the meetings app (`_meeting_figures`,
`_major_decision_figures`), major events from the events app (`_event_figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from duban.documents import annual
from duban.documents.gbt9704 import OfficialDocument
from duban.duties import selectors
from duban.events import selectors as event_selectors
from duban.meetings import selectors as meeting_selectors
from duban.org.models import County, User
from duban.work import selectors as work_selectors
from duban.work.models import Directive, DirectiveKind, DirectiveStatus, Task, TaskStatus


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int | float | None
    unit: str
    source: str  # the named selector the value comes from

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}{self.unit}"
        return f"{self.value}{self.unit}"


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "heading": self.heading, "paragraphs": self.paragraphs}


HEADINGS = {
    "study": "一、加强学习，提升履职能力",
    "duty": "二、履职尽责，推动工作落实",
    "integrity": "三、严守纪律，落实廉洁自律",
    "next": "四、存在的问题和下一步打算",
}


# ---------------------------------------------------------------- figures of other streams


def _meeting_figures(year: int) -> dict[str, int]:
    """Meetings served and studied at (meetings app), and the 会议议定事项 followed up: the
    tasks of every 会议议定事项 directive of the year, registered from a 纪要 or by hand."""
    m = meeting_selectors.year_figures(year=year)
    begin, end = selectors.year_bounds(year)
    meeting = Directive.objects.filter(
        kind=DirectiveKind.MEETING, registered_at__gte=begin, registered_at__lt=end
    ).exclude(status=DirectiveStatus.WITHDRAWN)
    decisions = Task.objects.filter(directive__in=meeting).exclude(status=TaskStatus.WITHDRAWN)
    return {
        "meetings": m["meetings_held"],
        "decisions": decisions.count(),
        "law_studies": m["law_studies"],
    }


def _event_figures(year: int) -> dict[str, int]:
    """Major events served and their follow-up (issue 19 point 5), from the events app."""
    return event_selectors.year_figures(year=year)


def _major_decision_figures(year: int) -> dict[str, int]:
    """三重一大 matters of the year (meetings app): decided collectively at a 党组会/室务会,
    and recorded without a meeting (flagged on the year's list)."""
    m = meeting_selectors.year_figures(year=year)
    return {"decided_collectively": m["major_matters"], "outside": m["major_matters_outside"]}


def red_tasks(user: User, year: int) -> int:
    """Tasks assigned in the year that turned red at least once (the year's red lights)."""
    begin, end = selectors.year_bounds(year)
    return (
        work_selectors.tasks_visible_to(user)
        .filter(assigned_at__gte=begin, assigned_at__lt=end, red_count__gt=0)
        .exclude(status=TaskStatus.WITHDRAWN)
        .count()
    )


def open_red_tasks(user: User) -> int:
    return work_selectors.tasks_visible_to(user).filter(is_open=True, light="red").count()


# ---------------------------------------------------------------- all figures


def figures(user: User, year: int, *, today: date) -> dict[str, Figure]:
    a = annual.annual_figures(user, year, today=today)
    held = selectors.sessions_held(year=year)
    meetings = _meeting_figures(year)
    events = _event_figures(year)
    major = _major_decision_figures(year)
    A = "documents.annual.annual_figures"
    S = "duties.selectors"
    R = "duties.report"
    out = [
        Figure(
            "congresses", "支部党员大会", held["congress"], "次", f"{S}.sessions_held()[congress]"
        ),
        Figure("committees", "支委会", held["committee"], "次", f"{S}.sessions_held()[committee]"),
        Figure("groups", "党小组会", held["group"], "次", f"{S}.sessions_held()[group]"),
        Figure("lectures", "党课", held["lecture"], "次", f"{S}.sessions_held()[lecture]"),
        Figure(
            "theme_days", "主题党日", held["theme_day"], "次", f"{S}.sessions_held()[theme_day]"
        ),
        Figure(
            "meetings",
            "服务保障会议",
            meetings["meetings"],
            "次",
            f"{R}._meeting_figures()[meetings]",
        ),
        Figure(
            "meeting_decisions",
            "会议议定事项",
            meetings["decisions"],
            "项",
            f"{R}._meeting_figures()[decisions]",
        ),
        Figure(
            "law_studies",
            "常务会议学法",
            meetings["law_studies"],
            "次",
            f"{R}._meeting_figures()[law_studies]",
        ),
        Figure("directives", "登记督办来文", a.directives, "件", f"{A}().directives"),
        Figure("tasks_assigned", "分解交办任务", a.tasks_assigned, "项", f"{A}().tasks_assigned"),
        Figure("tasks_closed", "办结销号事项", a.tasks_closed, "项", f"{A}().tasks_closed"),
        Figure("on_time_rate", "按期办结率", a.on_time_rate, "%", f"{A}().on_time_rate"),
        Figure("reported_back", "回音", a.reported_back, "件", f"{A}().reported_back"),
        Figure("bulletins", "督查通报", a.bulletins, "期", f"{A}().bulletins"),
        Figure(
            "studies",
            "调研报告定稿",
            selectors.studies_accepted(year=year),
            "篇",
            f"{S}.studies_accepted()",
        ),
        Figure(
            "drafts", "起草文稿定稿", selectors.drafts_final(year=year), "篇", f"{S}.drafts_final()"
        ),
        Figure(
            "reform_measures",
            "放管服改革措施",
            selectors.reform_tasks(year=year).count(),
            "项",
            f"{S}.reform_tasks().count()",
        ),
        Figure(
            "reform_closed",
            "放管服改革措施已落实",
            selectors.reform_tasks(year=year).filter(status=TaskStatus.CLOSED).count(),
            "项",
            f"{S}.reform_tasks().filter(status=closed).count()",
        ),
        Figure(
            "sessions", "三会一课及主题党日", sum(held.values()), "次", f"sum({S}.sessions_held())"
        ),
        Figure(
            "sessions_missed",
            "三会一课未按期开展",
            len(selectors.sessions_missed(year=year, today=today)),
            "次",
            f"{S}.sessions_missed()",
        ),
        Figure("talks", "廉政约谈", selectors.talks_held(year=year), "人次", f"{S}.talks_held()"),
        Figure(
            "talks_missing",
            "廉政约谈缺季",
            len(selectors.talks_missing(year=year, today=today)),
            "人次",
            f"{S}.talks_missing()",
        ),
        Figure(
            "major_decisions",
            "三重一大事项集体决策",
            major["decided_collectively"],
            "项",
            f"{R}._major_decision_figures()[decided_collectively]",
        ),
        Figure(
            "major_outside",
            "三重一大事项未经会议集体决策",
            major["outside"],
            "项",
            f"{R}._major_decision_figures()[outside]",
        ),
        Figure("red_tasks", "年内亮红灯事项", red_tasks(user, year), "项", f"{R}.red_tasks()"),
        Figure("open_red", "目前仍亮红灯事项", open_red_tasks(user), "项", f"{R}.open_red_tasks()"),
        Figure(
            "responsibility_unmet",
            "责任清单逾期未完成",
            selectors.responsibility_unmet(year=year, today=today).count(),
            "项",
            f"{S}.responsibility_unmet().count()",
        ),
    ]
    E = "events.selectors.year_figures"
    out += [
        Figure("events", "服务保障重大活动", events["events"], "次", f"{E}()[events]"),
        Figure(
            "event_follow_ups", "活动后续落实事项", events["follow_ups"], "项", f"{E}()[follow_ups]"
        ),
        Figure(
            "event_follow_ups_closed",
            "活动后续落实事项已办结",
            events["follow_ups_closed"],
            "项",
            f"{E}()[follow_ups_closed]",
        ),
    ]
    return {f.key: f for f in out}


# ---------------------------------------------------------------- the first draft


def draft(year: int, f: dict[str, Figure]) -> list[Section]:
    """The first draft from the figures; every number in it is one `Figure.text`."""

    def t(key: str) -> str:
        return f[key].text

    study = [
        "一年来，我始终把政治理论学习摆在首位，认真落实“三会一课”制度，带头参加所在支部的组织生活。"
        f"全年机关各支部召开支部党员大会{t('congresses')}、讲授党课{t('lectures')}、开展主题党日"
        f"{t('theme_days')}，不断提高政治判断力、政治领悟力、政治执行力。",
        f"坚持会前学法制度，全年县政府常务会议集体学法{t('law_studies')}，"
        "不断提高运用法治思维和法治方式推动工作的能力。",
    ]
    duty = [
        f"围绕县委、县政府中心工作，全年服务保障会议{t('meetings')}，跟踪督办会议议定事项"
        f"{t('meeting_decisions')}。",
        f"全年登记督办来文{t('directives')}，分解交办任务{t('tasks_assigned')}，办结销号事项"
        f"{t('tasks_closed')}，按期办结率{t('on_time_rate')}；向交办领导和单位回音"
        f"{t('reported_back')}，印发督查通报{t('bulletins')}。",
        f"坚持以文辅政，完成调研报告{t('studies')}，牵头起草各类文稿{t('drafts')}。",
        f"深化放管服改革，推动落实改革措施{t('reform_measures')}，已落实{t('reform_closed')}。",
    ]
    duty.insert(
        1,
        f"精心做好重大活动方案策划和衔接协调，全年服务保障重大活动{t('events')}，"
        f"跟踪活动后续落实事项{t('event_follow_ups')}，已办结{t('event_follow_ups_closed')}。",
    )
    integrity = [
        "严格落实党风廉政建设“一岗双责”，全年组织三会一课及主题党日"
        f"{t('sessions')}，其中支部党员大会{t('congresses')}、支委会{t('committees')}、"
        f"党小组会{t('groups')}、党课{t('lectures')}、主题党日{t('theme_days')}，"
        f"未按期开展{t('sessions_missed')}。",
        f"坚持每季度开展廉政约谈，全年约谈股室、下属单位负责人和关键岗位人员{t('talks')}，"
        f"缺季{t('talks_missing')}。",
        f"坚持民主集中制，“三重一大”事项集体决策{t('major_decisions')}，严格遵守中央八项规定及其"
        "实施细则精神，自觉接受监督。",
    ]
    problems = [
        f"一是督办落实还有短板，年内亮红灯事项{t('red_tasks')}，目前仍亮红灯{t('open_red')}；"
        f"二是制度执行还有差距，三会一课未按期开展{t('sessions_missed')}，廉政约谈缺季"
        f"{t('talks_missing')}，责任清单逾期未完成{t('responsibility_unmet')}，“三重一大”事项"
        f"未经会议集体决策{t('major_outside')}。",
        "下一步，我将对照问题逐项整改，健全督办闭环和组织生活台账，确保各项工作按期落实。",
    ]
    return [
        Section("study", HEADINGS["study"], study),
        Section("duty", HEADINGS["duty"], duty),
        Section("integrity", HEADINGS["integrity"], integrity),
        Section("next", HEADINGS["next"], problems),
    ]


def sections_of(data: list[dict[str, Any]]) -> list[Section]:
    return [Section(d["key"], d["heading"], list(d["paragraphs"])) for d in data]


def current(user: User, year: int, *, today: date) -> tuple[list[Section], int]:
    """The text to show or produce: the latest saved version (its number), else the draft (0)."""
    saved = selectors.latest_report_version(year=year)
    if saved is not None:
        return sections_of(saved.sections), saved.number
    return draft(year, figures(user, year, today=today)), 0


def title(year: int) -> str:
    return f"{year}年度述职述廉报告"


def build(
    sections: list[Section], *, year: int, author: str = "", now: datetime | None = None
) -> OfficialDocument:
    now = now or timezone.now()
    doc = OfficialDocument()
    organ = County.office_name()
    doc.properties(title=title(year), author=author or organ, created=now)
    doc.title(title(year))
    for s in sections:
        doc.heading1(s.heading)
        for p in s.paragraphs:
            doc.para(p)
    doc.signature(organ, timezone.localdate(now))
    return doc


def missed_lines(year: int, today: date) -> list[str]:
    """The year's red party sessions in words, one line per branch (the page's 问题 part)."""
    by_branch: dict[str, list[str]] = {}
    for branch, slot in selectors.sessions_missed(year=year, today=today):
        by_branch.setdefault(branch.name, []).append(slot.label.removeprefix(f"{year}年"))
    return [f"{name}（{len(items)}次）：{'、'.join(items)}" for name, items in by_branch.items()]
