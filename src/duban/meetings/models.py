"""Meeting types (settings), meetings with their chain, topics, attendance, law study,
minutes versions and the 三重一大 matters. Written only by `duban.meetings.actions`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from duban.org.models import Leader, Unit
from duban.records.models import ChainedRecord
from duban.work.models import Directive, GuardedModel


class MeetingKind(models.TextChoices):
    STANDING = "standing", "常务会议"
    PLENARY = "plenary", "全体会议"
    EXECUTIVE = "executive", "县长办公会议"
    SPECIAL = "special", "专题会议"
    ECONOMY = "economy", "经济运行分析会"
    PROJECTS = "projects", "项目建设推进会"
    PARTY_GROUP = "party_group", "党组会议"
    OFFICE = "office", "室务会议"


class MeetingType(GuardedModel):
    """A kind of meeting as one county holds it (settings, changed through actions)."""

    name = models.CharField("名称", max_length=60, unique=True)
    kind = models.CharField("类别", max_length=20, choices=MeetingKind.choices)
    organ = models.CharField("召开机关", max_length=60, default="县人民政府")
    # "县政府第{n}次常务会议": {n} is the meeting's number within the year.
    numbering = models.CharField("编号格式", max_length=80)
    convener = models.ForeignKey(
        Leader, verbose_name="召集人", on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField(Leader, verbose_name="出席", related_name="+", blank=True)
    sitting_in = models.ManyToManyField(Unit, verbose_name="列席", related_name="+", blank=True)
    makes_directives = models.BooleanField("议定事项转为会议议定事项督办", default=True)
    law_study = models.BooleanField("会前学法", default=False)
    prior_steps = models.BooleanField("议题须经前置程序", default=False)
    collective = models.BooleanField("三重一大集体决策", default=False)
    cutoff_days = models.PositiveSmallIntegerField("议题截止（会前天数）", default=3)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "会议类型"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MeetingCounter(GuardedModel):
    """The last number given to a type's meetings in a year, locked by the allocating
    transaction (as `work.serials`), so two meetings planned at once never share a number."""

    type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type", "year"], name="meeting_counter_type_year")
        ]


class MeetingState(models.TextChoices):
    PLANNED = "planned", "筹备中"
    NOTICE_SENT = "notice_sent", "已发通知"
    HELD = "held", "已召开"
    MINUTES_DRAFTED = "minutes_drafted", "纪要起草中"
    MINUTES_ISSUED = "minutes_issued", "纪要已印发"


class AgendaState(models.TextChoices):
    OPEN = "open", "征集议题"
    PROPOSED = "proposed", "待召集人审定"
    APPROVED = "approved", "已审定"


class ReviewState(models.TextChoices):
    NONE = "none", "未送审"
    SENT = "sent", "送召集人审核"
    APPROVED = "approved", "召集人已审核"
    RETURNED = "returned", "召集人退回修改"


class Meeting(ChainedRecord):
    STREAM_PREFIX = "mt"
    RECORD_LABEL = "会议"

    type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="meetings")
    year = models.PositiveIntegerField("年度")
    number = models.PositiveIntegerField("届次")
    title = models.CharField("会议名称", max_length=100)
    starts_at = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=100)
    topic_cutoff = models.DateTimeField("议题截止时间")
    state = models.CharField(
        max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    agenda_state = models.CharField(
        max_length=10, choices=AgendaState.choices, default=AgendaState.OPEN
    )
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.NONE
    )
    minutes_doc_no = models.CharField("纪要编号", max_length=60, blank=True)
    minutes_issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "会议"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["type", "year", "number"], name="meeting_number")
        ]

    def __str__(self) -> str:
        return self.title


class PriorStep(models.TextChoices):
    """前置程序 a topic of a standing meeting must have passed (issue 15 point 2)."""

    LEGALITY = "legality", "合法性审查"
    CONSULTATION = "consultation", "征求意见"
    FAIR_COMPETITION = "fair_competition", "公平竞争审查"


class TopicState(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    ON_AGENDA = "on_agenda", "列入议程"
    DEFERRED = "deferred", "暂缓上会"


class DecisionKind(models.TextChoices):
    AGREED = "agreed", "原则同意"
    REQUIRED = "required", "会议要求"
    DECIDED = "decided", "会议决定"


class Topic(GuardedModel):
    """议题: one matter a unit brings to a meeting; its changes are on the meeting's chain."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="topics")
    title = models.CharField("议题名称", max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name="汇报单位", on_delete=models.PROTECT, related_name="+"
    )
    presenter = models.CharField("汇报人", max_length=50, blank=True)
    summary = models.TextField("议题说明", blank=True)
    is_normative = models.BooleanField("涉及规范性文件", default=False)
    affects_market = models.BooleanField("涉及市场主体经济活动", default=False)
    # The prior steps recorded as checked: {"legality": "2026-03-01 县司法局审查意见", …}
    steps = models.JSONField("前置程序", default=dict)
    sitting_in = models.ManyToManyField(Unit, verbose_name="列席单位", related_name="+", blank=True)
    state = models.CharField(
        max_length=10, choices=TopicState.choices, default=TopicState.SUBMITTED
    )
    position = models.PositiveSmallIntegerField("议程序号", null=True, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision_kind = models.CharField(max_length=10, choices=DecisionKind.choices, blank=True)
    decision = models.TextField("议定事项", blank=True)
    # The 会议议定事项 registered from this topic when the 纪要 was issued.
    directive = models.OneToOneField(
        Directive, on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_topic"
    )

    class Meta:
        verbose_name = "议题"
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title


class TopicMaterial(GuardedModel):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="materials")
    file = models.FileField(upload_to="meetings/%Y/%m/")
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField()
    algorithm = models.CharField(max_length=10)
    digest = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()


class AttendanceRole(models.TextChoices):
    ATTEND = "attend", "出席"
    SIT_IN = "sit_in", "列席"


class Presence(models.TextChoices):
    EXPECTED = "expected", "未签到"
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"


class Attendance(GuardedModel):
    """One line of the attendance list: a leader (出席) or a unit (列席)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    role = models.CharField(max_length=8, choices=AttendanceRole.choices)
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, null=True, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True)
    name = models.CharField("姓名/单位", max_length=100)
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.EXPECTED)
    reason = models.CharField("请假事由", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "role", "order", "id"]


class LawStudy(GuardedModel):
    """常务会议学法: what the standing meeting studied, for the 法治政府 report."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="law_study")
    law = models.CharField("法律法规名称", max_length=200)
    articles = models.CharField("条款", max_length=200, blank=True)
    presenter = models.CharField("讲解人", max_length=100)


class MinutesVersion(GuardedModel):
    """One saved draft of the 纪要: each save is a new version, never an edit."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    number = models.PositiveIntegerField()
    opening = models.TextField("导语")
    # [{"topic": id, "kind": "agreed", "text": "…"}], in agenda order
    items = models.JSONField(default=list)
    saved_at = models.DateTimeField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_version_number")
        ]


class MatterCategory(models.TextChoices):
    DECISION = "decision", "重大决策"
    APPOINTMENT = "appointment", "重要干部任免"
    PROJECT = "project", "重大项目安排"
    FUNDS = "funds", "大额资金使用"


class MajorMatter(ChainedRecord):
    """三重一大: a matter that must be decided collectively at a 党组会/室务会.

    With a meeting, it records the attendance, each member's 表态 in order (the principal
    last) and the decision. Without one, it is a matter of those kinds that was decided
    outside a meeting, and the year's list flags it.
    """

    STREAM_PREFIX = "md"
    RECORD_LABEL = "三重一大事项"

    category = models.CharField("类别", max_length=12, choices=MatterCategory.choices)
    title = models.CharField("事项", max_length=200)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="major_matters"
    )
    directive = models.ForeignKey(
        Directive, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("决策日期")
    # [{"name": "…", "stance": "同意", "principal": false}, …] in speaking order
    stances = models.JSONField(default=list)
    present = models.JSONField(default=list)  # names of the members present
    absent = models.JSONField(default=list)  # [{"name", "reason"}]
    decision = models.TextField("决定")
    note = models.TextField("说明", blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "三重一大事项"
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def outside_meeting(self) -> bool:
        return self.meeting_id is None
