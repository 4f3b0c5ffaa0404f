"""Reads of meetings, scoped to the acting user; the source label of a directive; the
follow-up of earlier decisions; the year's figures for the 述职 report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from duban.org.models import UNIT_ROLES, Role, User
from duban.work.extraction import Extraction, extract_for_office
from duban.work.models import Directive, Task, TaskStatus

from . import rules
from .models import (
    LawStudy,
    MajorMatter,
    Meeting,
    MeetingState,
    MinutesVersion,
    Topic,
    TopicState,
)


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """The office and the county leaders see every meeting; a unit sees the meetings still
    taking topics, those it brings a topic to and those it was asked to sit in on."""
    qs = Meeting.objects.select_related("type", "type__convener")
    if user.role in (Role.SUPERVISOR, Role.LEADER):
        return qs
    if user.role in UNIT_ROLES and user.unit_id is not None:
        return qs.filter(
            Q(state=MeetingState.PLANNED, type__collective=False)
            | Q(topics__unit_id=user.unit_id)
            | Q(attendance__unit_id=user.unit_id)
        ).distinct()
    return qs.none()


def meeting_for(user: User, pk: int) -> Meeting | None:
    return meetings_visible_to(user).filter(pk=pk).first()


def topics_for(user: User, meeting: Meeting) -> QuerySet[Topic]:
    """A unit sees its own topics and the agenda once it is fixed; the office all of them."""
    # The agenda in order first, then what was left off it, in the order it came in.
    qs = (
        meeting.topics.select_related("unit", "directive")
        .prefetch_related("materials")
        .order_by(F("position").asc(nulls_last=True), "id")
    )
    if user.role in UNIT_ROLES:
        return qs.filter(Q(unit_id=user.unit_id) | Q(state=TopicState.ON_AGENDA))
    return qs


def open_for_topics(user: User, *, now: datetime) -> QuerySet[Meeting]:
    """Meetings a unit may still submit a topic to (before their cut-off)."""
    return meetings_visible_to(user).filter(
        state=MeetingState.PLANNED, agenda_state="open", topic_cutoff__gte=now
    )


def own_topics(user: User) -> QuerySet[Topic]:
    if user.unit_id is None:
        return Topic.objects.none()
    return (
        Topic.objects.filter(unit_id=user.unit_id)
        .select_related("meeting", "meeting__type", "directive")
        .order_by("-submitted_at")
    )


def versions(meeting: Meeting) -> list[MinutesVersion]:
    return list(meeting.minutes.select_related("saved_by").order_by("number"))


def minutes_text(version: MinutesVersion, topics: dict[int, Topic]) -> str:
    """A version as plain text, the way versions are compared."""
    lines = [version.opening]
    for item in version.items:
        t = topics.get(item["topic"])
        label = rules.topic_label(t.position if t else None)
        lines.append(f"{label}：{t.title if t else ''}")
        lines += item["text"].splitlines()
    return "\n".join(lines)


def version_diff(meeting: Meeting, old: int, new: int) -> list[tuple[str, str]]:
    found = {v.number: v for v in meeting.minutes.filter(number__in=[old, new])}
    if old not in found or new not in found:
        return []
    topics = {t.pk: t for t in meeting.topics.all()}
    return rules.diff_lines(minutes_text(found[old], topics), minutes_text(found[new], topics))


def decision_drafts(topic: Topic) -> Extraction:
    """The extractor over a topic's decision paragraph: the decomposition form's drafts."""
    directive = topic.directive
    text = directive.text if directive is not None else topic.decision
    base = timezone.localdate(topic.meeting.starts_at)
    return extract_for_office(text, base=base)


# ---------------------------------------------------------------- sources


def source_label(topic: Topic) -> str:
    return f"{topic.meeting.title} · {rules.topic_label(topic.position)}"


def source_of(directive_id: int) -> tuple[str, int] | None:
    """ "县政府第12次常务会议 · 议题三" and the meeting's id for a 会议议定事项 born here."""
    topic = Topic.objects.filter(directive_id=directive_id).select_related("meeting").first()
    if topic is None:
        return None
    return source_label(topic), topic.meeting_id


def directive_ids_of(meeting_id: int) -> list[int]:
    """The directives a meeting's decisions became (the ledger's 会议 filter uses these)."""
    return list(
        Topic.objects.filter(meeting_id=meeting_id, directive__isnull=False).values_list(
            "directive_id", flat=True
        )
    )


def meetings_with_decisions(user: User) -> QuerySet[Meeting]:
    return meetings_visible_to(user).filter(topics__directive__isnull=False).distinct()


# ---------------------------------------------------------------- follow-up


@dataclass
class OpenDecision:
    meeting: Meeting
    topic: Topic
    label: str  # 第N次…会议 · 议题三
    directive: Directive
    tasks: list[Task]
    open_tasks: int
    red: int


def open_decisions(
    user: User, *, since: date | None = None, before: date | None = None
) -> list[OpenDecision]:
    """上次会议议定事项落实情况: the decisions of earlier meetings not yet all closed.

    A decision is open while any of its directive's tasks is neither closed nor withdrawn,
    or while it has no task at all yet (decomposition still to do).
    """
    if user.role not in (Role.SUPERVISOR, Role.LEADER):
        return []
    qs = (
        Topic.objects.filter(directive__isnull=False)
        .select_related("meeting", "meeting__type", "directive")
        .order_by("meeting__starts_at", "meeting_id", "position")
    )
    if since is not None:
        qs = qs.filter(meeting__starts_at__date__gte=since)
    if before is not None:
        qs = qs.filter(meeting__starts_at__date__lt=before)
    topics = list(qs)
    tasks: dict[int, list[Task]] = {}
    for task in (
        Task.objects.filter(directive_id__in=[t.directive_id for t in topics])
        .exclude(status=TaskStatus.DRAFT)
        .select_related("lead_unit")
        .order_by("number")
    ):
        tasks.setdefault(task.directive_id, []).append(task)
    out = []
    settled = (TaskStatus.CLOSED, TaskStatus.WITHDRAWN)
    for topic in topics:
        assert topic.directive is not None
        mine = tasks.get(topic.directive.pk, [])
        still = [t for t in mine if t.status not in settled]
        if mine and not still:
            continue
        out.append(
            OpenDecision(
                meeting=topic.meeting,
                topic=topic,
                label=source_label(topic),
                directive=topic.directive,
                tasks=mine,
                open_tasks=len(still),
                red=sum(1 for t in still if t.light == "red"),
            )
        )
    return out


# ---------------------------------------------------------------- the year's lists


def law_studies(year: int) -> list[LawStudy]:
    return list(
        LawStudy.objects.filter(meeting__year=year)
        .select_related("meeting", "meeting__type")
        .order_by("meeting__starts_at")
    )


def major_matters(year: int) -> list[MajorMatter]:
    return list(
        MajorMatter.objects.filter(decided_on__year=year)
        .select_related("meeting", "directive")
        .order_by("decided_on", "id")
    )


def year_figures(*, year: int) -> dict[str, int]:
    """The year's meeting work in numbers, for the 述职 report.

    Keys: meetings_held (all types), meetings_held:<type name> (per type), topics (on an
    agenda of a held meeting), decisions (topics with a decision in an issued 纪要),
    directives (decisions registered as 会议议定事项), law_studies, major_matters (三重一大
    decided collectively at a meeting), major_matters_outside (decided outside one).
    """
    held_states = (
        MeetingState.HELD,
        MeetingState.MINUTES_DRAFTED,
        MeetingState.MINUTES_ISSUED,
    )
    held = list(
        Meeting.objects.filter(year=year, state__in=held_states).values_list(
            "type__name", flat=True
        )
    )
    figures: dict[str, int] = {"meetings_held": len(held)}
    for name, n in sorted(Counter(held).items()):
        figures[f"meetings_held:{name}"] = n
    topics = Topic.objects.filter(
        meeting__year=year, meeting__state__in=held_states, state=TopicState.ON_AGENDA
    )
    figures["topics"] = topics.count()
    figures["decisions"] = (
        topics.filter(meeting__state=MeetingState.MINUTES_ISSUED).exclude(decision="").count()
    )
    figures["directives"] = topics.filter(directive__isnull=False).count()
    figures["law_studies"] = LawStudy.objects.filter(meeting__year=year).count()
    matters = MajorMatter.objects.filter(decided_on__year=year)
    figures["major_matters"] = matters.filter(meeting__isnull=False).count()
    figures["major_matters_outside"] = matters.filter(meeting__isnull=True).count()
    return figures


def labels_for(directive_ids: Iterable[int]) -> dict[int, str]:
    """Source labels of many directives at once (lists of tasks)."""
    return {
        t.directive_id: source_label(t)
        for t in Topic.objects.filter(directive_id__in=list(directive_ids)).select_related(
            "meeting"
        )
        if t.directive_id is not None
    }
