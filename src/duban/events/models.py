"""Major events (重大活动): their types (settings) and each event with its plan.

An `Activity` is a chained record (records/): every change — created, plan issued, a
checklist mark on the day, a schedule change, notes, a follow-up registered, closed — is a
`RecordEvent` in its own stream. Preparation items and follow-ups become work through the
work actions (a Directive of kind 重点工作 and its Tasks), linked here by FK: work never
imports this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from duban.org.models import Leader, Unit, UnitKind
from duban.records.models import ChainedRecord
from duban.work.models import Directive, GuardedModel, Task


class Section(models.TextChoices):
    """The plan template's sections (活动方案的组成部分)."""

    PURPOSE = "purpose", "活动目的"
    SCHEDULE = "schedule", "活动日程"
    SITES = "sites", "活动点位"
    PARTICIPANTS = "participants", "参加人员"
    MATERIALS = "materials", "材料准备"
    LOGISTICS = "logistics", "后勤保障"


class LogisticsKind(models.TextChoices):
    VEHICLES = "vehicles", "车辆"
    VENUE = "venue", "会场"
    MEALS = "meals", "用餐"
    SECURITY = "security", "安保"
    WEATHER = "weather", "天气预案"
    OTHER = "other", "其他"


class EventType(models.Model):
    """活动类型 (settings): 领导调研, 工作督查, 客商考察, 项目集中开工 … with a plan template."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    purpose = models.TextField("活动目的（模板）", blank=True)
    weather_fallback = models.TextField("天气预案（模板）", blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "活动类型"

    def __str__(self) -> str:
        return self.name


class PrepTemplate(models.Model):
    """A default preparation item of a type: what, in which section, which kind of unit
    answers for it and how many working days before the event it is due."""

    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="prep")
    section = models.CharField("所属部分", max_length=20, choices=Section.choices)
    logistics = models.CharField(
        "保障类别", max_length=20, choices=LogisticsKind.choices, blank=True
    )
    what = models.CharField("准备事项", max_length=200)
    unit_kind = models.CharField("责任单位类型", max_length=20, choices=UnitKind.choices)
    lead_workdays = models.PositiveSmallIntegerField("提前工作日", default=2)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["event_type", "order", "id"]
        verbose_name = verbose_name_plural = "准备事项模板"

    def __str__(self) -> str:
        return self.what


class ActivityState(models.TextChoices):
    PLANNING = "planning", "方案策划"
    PLAN_ISSUED = "plan_issued", "方案已印发"
    ON_THE_DAY = "on_the_day", "活动进行中"
    FOLLOW_UP = "follow_up", "后续落实"
    CLOSED = "closed", "已办结"


class Activity(ChainedRecord):
    """重大活动: one event, its plan and its follow-up."""

    STREAM_PREFIX = "ev"
    RECORD_LABEL = "重大活动"

    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="+")
    title = models.CharField("活动名称", max_length=100)
    day = models.DateField("活动日期")
    purpose = models.TextField("活动目的", blank=True)
    weather_fallback = models.TextField("天气预案", blank=True)
    leader = models.ForeignKey(
        Leader, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        "状态", max_length=20, choices=ActivityState.choices, default=ActivityState.PLANNING
    )
    notes = models.TextField("活动记录（领导要求、客商诉求、开工承诺等）", blank=True)
    doc_no = models.CharField("方案文号", max_length=60, blank=True)
    # The preparation directive (重点工作) holding one task per preparation item.
    directive = models.ForeignKey(
        Directive, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    plan_issued_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["day"], name="activity_day")]
        verbose_name = verbose_name_plural = "重大活动"

    def __str__(self) -> str:
        return self.title


class Site(GuardedModel):
    """点位: a stop on the route, with its host unit and contact."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sites")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("点位", max_length=100)
    host_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact = models.CharField("联系人", max_length=100, blank=True)

    class Meta:
        ordering = ["activity", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Participant(GuardedModel):
    """参加人员: a county leader or an accompanying unit (陪同单位)."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="participants")
    order = models.PositiveSmallIntegerField(default=0)
    leader = models.ForeignKey(
        Leader, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        ordering = ["activity", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(leader__isnull=False) | models.Q(unit__isnull=False),
                name="participant_is_someone",
            )
        ]

    def __str__(self) -> str:
        return str(self.leader) if self.leader else (self.unit.label if self.unit else "")


class Mark(models.TextChoices):
    PENDING = "pending", "未开始"
    ARRIVED = "arrived", "已到达"
    STARTED = "started", "已开始"
    DONE = "done", "已完成"
    PROBLEM = "problem", "有问题"


class ScheduleItem(GuardedModel):
    """日程: one line of the minute-by-minute schedule, and its mark on the day."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="schedule")
    start = models.TimeField("时间")
    end = models.TimeField("结束", null=True, blank=True)
    what = models.CharField("内容", max_length=200)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    who = models.CharField("人员", max_length=200, blank=True)
    mark = models.CharField("现场情况", max_length=10, choices=Mark.choices, default=Mark.PENDING)
    note = models.CharField("情况说明", max_length=200, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["activity", "start", "id"]

    def __str__(self) -> str:
        return f"{self.start:%H:%M} {self.what}"


class PrepItem(GuardedModel):
    """准备事项: material or logistics to prepare, who answers for it, and its task."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="prep")
    order = models.PositiveSmallIntegerField(default=0)
    section = models.CharField("所属部分", max_length=20, choices=Section.choices)
    logistics = models.CharField(
        "保障类别", max_length=20, choices=LogisticsKind.choices, blank=True
    )
    what = models.CharField("准备事项", max_length=200)
    unit_kind = models.CharField(
        "责任单位类型", max_length=20, choices=UnitKind.choices, blank=True
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_workdays = models.PositiveSmallIntegerField("提前工作日", default=2)
    due = models.DateField("完成时限", null=True, blank=True)
    task = models.OneToOneField(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["activity", "order", "id"]

    def __str__(self) -> str:
        return self.what


class FollowUp(GuardedModel):
    """后续落实: a directive registered from the event's notes, with the event as its source."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="follow_ups")
    directive = models.OneToOneField(Directive, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["activity", "id"]
