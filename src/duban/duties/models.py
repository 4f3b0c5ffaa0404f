"""The office's own duties: party branches and their sessions, integrity talks, the
responsibility lists, research, 放管服 catalogues, drafting, and the 述职述廉 drafts.

Every record that changes over time is a `ChainedRecord` (its changes hash-chained in
`records.RecordEvent`); rows written once alongside an event (a file, a version) are
`GuardedModel`s written by `duties.actions` only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from duban.duties.calendar import LABELS, SessionKind
from duban.org.models import Leader, Unit, User
from duban.records.models import ChainedRecord
from duban.work.models import Directive, GuardedModel

USER = settings.AUTH_USER_MODEL

SESSION_CHOICES = [(k.value, LABELS[k]) for k in SessionKind]


class DutyFile(GuardedModel):
    """A file kept with a duty record: a session's photo, a research report, a draft.

    `stream` names the holder (`<prefix>:<pk>`); the digest is also in the holder's chain.
    """

    stream = models.CharField(max_length=24, db_index=True)
    purpose = models.CharField(max_length=20)
    version = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="duties/%Y/%m/")
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField()
    algorithm = models.CharField(max_length=10, default="sm3")
    digest = models.CharField(max_length=64)
    text = models.TextField(blank=True)  # a .docx's paragraphs, for the differences
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["stream", "version", "id"]


# ---------------------------------------------------------------- 三会一课, 主题党日


class PartyBranch(GuardedModel):
    """A party branch of the office (机关党支部)."""

    name = models.CharField("支部名称", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    secretary = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    members: models.ManyToManyField[User, Any] = models.ManyToManyField(
        USER, blank=True, related_name="party_branches"
    )
    # Members without an account (retired comrades, staff of no system role), one a line.
    other_members = models.TextField("其他党员", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "党支部"

    def __str__(self) -> str:
        return self.name

    def member_count(self) -> int:
        others = [n for n in self.other_members.splitlines() if n.strip()]
        return self.members.count() + len(others)


class BranchActivity(ChainedRecord):
    """One session held: 支部党员大会, 支委会, 党小组会, 党课 or 主题党日."""

    STREAM_PREFIX = "pb"
    RECORD_LABEL = "三会一课"

    branch = models.ForeignKey(PartyBranch, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField("类别", max_length=12, choices=SESSION_CHOICES)
    held_on = models.DateField("召开日期")
    topic = models.CharField("主题", max_length=200)
    attended = models.PositiveSmallIntegerField("实到人数")
    expected = models.PositiveSmallIntegerField("应到人数")
    absent = models.TextField("缺席人员及原因", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_on", "id"]
        indexes = [models.Index(fields=["branch", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.branch.name}{self.get_kind_display()}（{self.held_on}）"


class ThemeDayTurn(GuardedModel):
    """主题党日 lead branch of one month, stored once generated: a later change of branches
    re-plans only months not yet stored, never a past one."""

    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    branch = models.ForeignKey(PartyBranch, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField()

    class Meta:
        ordering = ["year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="theme_day_turn_unique"),
        ]


# ---------------------------------------------------------------- 廉政约谈


class PostCategory(models.TextChoices):
    SECTION_HEAD = "section_head", "股室负责人"
    UNIT_HEAD = "unit_head", "下属单位负责人"
    KEY_POST = "key_post", "关键岗位"


class DutyPost(GuardedModel):
    """A post the director talks with each quarter and that carries a responsibility list."""

    title = models.CharField("岗位", max_length=100)
    holder = models.CharField("现任人员", max_length=50)
    holder_user = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField("类别", max_length=16, choices=PostCategory.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.holder}）"


class IntegrityTalk(ChainedRecord):
    """廉政约谈: one post in one quarter, planned, then held (who, when, points, follow-up)."""

    STREAM_PREFIX = "it"
    RECORD_LABEL = "廉政约谈"

    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="talks")
    year = models.PositiveIntegerField()
    quarter = models.PositiveSmallIntegerField()
    held_on = models.DateField("约谈日期", null=True, blank=True)
    talker = models.CharField("约谈人", max_length=50, blank=True)
    talkee = models.CharField("谈话对象", max_length=50, blank=True)
    points = models.TextField("约谈要点", blank=True)
    follow_up = models.TextField("整改跟进", blank=True)
    planned_at = models.DateTimeField()

    class Meta:
        ordering = ["year", "quarter", "post__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "year", "quarter"], name="integrity_talk_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度 {self.post}"


# ---------------------------------------------------------------- 责任清单 / 一岗双责


class ResponsibilityList(GuardedModel):
    """The year's 党风廉政建设 responsibility list of one post: a Directive whose tasks are
    the items (the task machinery: due dates, lights, check-off as 办结 with evidence)."""

    year = models.PositiveIntegerField()
    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="lists")
    directive = models.OneToOneField(Directive, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["year", "post__order"]
        constraints = [
            models.UniqueConstraint(fields=["year", "post"], name="responsibility_list_unique"),
        ]


# ---------------------------------------------------------------- 调研


class StudyStatus(models.TextChoices):
    ASSIGNED = "assigned", "调研中"
    SUBMITTED = "submitted", "报告待审"
    ACCEPTED = "accepted", "已定稿"


class Study(ChainedRecord):
    """调研课题: a topic of the year, its staff and leader, visits and report versions."""

    STREAM_PREFIX = "st"
    RECORD_LABEL = "调研课题"

    year = models.PositiveIntegerField()
    topic = models.CharField("课题", max_length=200)
    staff = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=10, choices=StudyStatus.choices)
    visits = models.JSONField(default=list)  # [{"on": date, "place": str, "notes": str}]
    accepted_on = models.DateField(null=True, blank=True)
    directives = models.ManyToManyField(Directive, blank=True, related_name="+")

    class Meta:
        ordering = ["year", "id"]

    def __str__(self) -> str:
        return self.topic


# ---------------------------------------------------------------- 放管服


class CatalogueKind(models.TextChoices):
    ONE_THING = "one_thing", "一件事一次办目录"
    ITEMS = "items", "面向企业和群众的事项清单"


class ServiceCatalogue(ChainedRecord):
    """A published list, kept as versions: each new version one row and one chained event."""

    STREAM_PREFIX = "sc"
    RECORD_LABEL = "放管服清单"

    kind = models.CharField(max_length=12, choices=CatalogueKind.choices)
    name = models.CharField("清单名称", max_length=200)
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class CatalogueVersion(GuardedModel):
    catalogue = models.ForeignKey(
        ServiceCatalogue, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    published_on = models.DateField()
    # [{"name": 事项名称, "unit": unit code}], in published order
    items = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["catalogue", "number"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "number"], name="catalogue_version_unique")
        ]


class ReformMeasures(GuardedModel):
    """Reform measures of a year (40条措施, 容缺审批, 重大项目代办) registered as 重点工作."""

    year = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    directive = models.OneToOneField(Directive, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()


# ---------------------------------------------------------------- 文稿起草


class DraftKind(models.TextChoices):
    WORK_REPORT = "work_report", "政府工作报告"
    SPEECH = "speech", "领导讲话"
    REPORT = "report", "汇报材料"
    DOCUMENT = "document", "文件"


class DraftStatus(models.TextChoices):
    DRAFTING = "drafting", "起草中"
    REVIEWING = "reviewing", "待审核"
    FINAL = "final", "已定稿"


class DraftingAssignment(ChainedRecord):
    """文稿起草: who drafts, who reviews, by when; versions are uploaded files. The light is
    the calendar's (duties.calendar.light on `due`), not a Task's: the drafter is office
    staff, not a unit's liaison who could report a task done (docs/decisions.md, issue 16)."""

    STREAM_PREFIX = "dg"
    RECORD_LABEL = "文稿起草"

    year = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=DraftKind.choices)
    title = models.CharField("文稿名称", max_length=200)
    drafter = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due = models.DateField("完成时限")
    status = models.CharField(max_length=10, choices=DraftStatus.choices)
    finished_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------- 述职述廉


class DutyReport(ChainedRecord):
    """The director's 述职述廉 draft of one year: each saved edit a version."""

    STREAM_PREFIX = "dr"
    RECORD_LABEL = "述职述廉报告"

    year = models.PositiveIntegerField(unique=True)
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}年度述职述廉报告"


class DutyReportVersion(GuardedModel):
    report = models.ForeignKey(DutyReport, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # [{"key": "study", "heading": "一、…", "paragraphs": [str, …]}]
    sections = models.JSONField(default=list)
    saved_at = models.DateTimeField()
    saved_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="duty_report_version_unique")
        ]
