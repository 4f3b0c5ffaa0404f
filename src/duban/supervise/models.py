"""Supervision: the county's settings for it, and its records.

Settings (the system administrator edits them in the admin; seeded with defaults by
migration 0002): `SupervisionConfig` (one row), escalation `Ladder`s and their
`LadderStep`s, and the scoring rules `ScoreRule`.

Records (written only by `supervise/actions.py` and the ladders in `duban tick`, inside
`writing()`; never deleted): `Escalation`, `SpotCheck` and its `SpotCheckItem`s,
`Campaign` and its `CampaignVisit`s, `ScoreAppeal`. Every change of a record appends an
event: on the task's own chain when it concerns one task (escalations, findings, appeals),
else on the record's chain in `SupervisionEvent` (a spot check's draw, a campaign).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from duban.org.models import Unit
from duban.work.models import Cycle, Event, GuardedModel, Task, _writing

# ---------------------------------------------------------------- settings


class SupervisionConfig(models.Model):
    """The county's supervision settings: one row (pk 1), edited by the sysadmin."""

    key_cycle = models.CharField(
        "重点督办报送周期",
        max_length=12,
        choices=[c for c in Cycle.choices if c[0] != Cycle.NONE],
        default=Cycle.WEEKLY,
        help_text="重点督办事项的报送周期不长于此周期。",
    )
    key_cycle_day = models.PositiveSmallIntegerField(
        "重点督办报送日",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="每周：1-7 表示周一至周日；每月：1-31 日。",
    )
    rectify_workdays = models.PositiveSmallIntegerField(
        "整改时限（工作日）",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
        help_text="抽查不属实重新办理、整改事项的默认时限。",
    )
    line_summary_weekday = models.PositiveSmallIntegerField(
        "分线周报发送日",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text="1-7 表示周一至周日；duban tick 在这一天向每位县领导发送一次分管事项周报。",
    )
    score_base = models.DecimalField("考评基础分", max_digits=6, decimal_places=2, default=100)

    class Meta:
        verbose_name = "督查设置"
        verbose_name_plural = "督查设置"

    def __str__(self) -> str:
        return "督查设置"

    def clean(self) -> None:
        if self.key_cycle == Cycle.WEEKLY and not 1 <= self.key_cycle_day <= 7:
            raise ValidationError({"key_cycle_day": "每周报送日须为1-7（周一至周日）。"})


def config() -> SupervisionConfig:
    """The settings row, or the defaults when none was saved."""
    return SupervisionConfig.objects.filter(pk=1).first() or SupervisionConfig(pk=1)


class Ladder(models.Model):
    """An escalation ladder: steps taken one after another while a task stays behind."""

    name = models.CharField("名称", max_length=50, unique=True)
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "督办升级规则"
        verbose_name_plural = "督办升级规则"

    def __str__(self) -> str:
        return self.name


class Basis(models.TextChoices):
    """What a step's threshold measures (supervise/ladder.py)."""

    RED = "red", "红灯持续（工作日）"
    OVERDUE = "overdue", "逾期（工作日）"
    YELLOW_TIMES = "yellow_times", "累计亮黄灯（次）"
    RED_TIMES = "red_times", "累计亮红灯（次）"
    MISSING_REPORTS = "missing_reports", "缺报进展（期）"


class LadderStep(models.Model):
    """One step of a ladder: when it fires, what it is called, and whom it tells."""

    ladder = models.ForeignKey(Ladder, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("级次", default=1)
    name = models.CharField("名称", max_length=30, help_text="如：蓝色提醒、橙色预警、督查函")
    colour_name = models.CharField("颜色", max_length=10, blank=True, help_text="如：蓝、橙、红")
    colour = models.CharField(
        "显示颜色",
        max_length=7,
        default="#b45309",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "请填写 #RRGGBB 形式的颜色。")],
        help_text="网页上显示的颜色，如 #1d4ed8",
    )
    basis = models.CharField("依据", max_length=20, choices=Basis.choices)
    threshold = models.PositiveSmallIntegerField("阈值")
    key_threshold = models.PositiveSmallIntegerField(
        "重点督办事项阈值", null=True, blank=True, help_text="留空则与一般事项相同。"
    )
    key_skip = models.BooleanField(
        "重点督办事项跳过此级", default=False, help_text="如三明：重点事项直接从橙色预警开始。"
    )
    urge = models.BooleanField("自动催办", default=False, help_text="计为一次催办，发给承办单位。")
    notify_units = models.BooleanField("通知承办单位", default=True)
    notify_unit_head = models.BooleanField("通知牵头单位负责人", default=False)
    notify_leader = models.BooleanField("报告牵头（分管）县领导", default=False)
    notify_supervisors = models.BooleanField("通知督查室", default=False)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["ladder_id", "order", "id"]
        verbose_name = "升级步骤"
        verbose_name_plural = "升级步骤"
        constraints = [
            models.UniqueConstraint(fields=["ladder", "order"], name="ladder_step_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ladder.name}·{self.name}"


class RuleKind(models.TextChoices):
    """What a scoring rule counts. Results only: the 2024 burden-reduction rules forbid
    scoring by online activity (logins, clicks, the number of reports)."""

    ON_TIME = "on_time", "按期办结（每项）"
    EARLY = "early", "提前办结（提前阈值个工作日以上，每项）"
    OVERDUE = "overdue", "逾期未办结（每项）"
    MISSING_REPORT = "missing_report", "未按期报送进展（每期）"
    SENT_BACK = "sent_back", "退回重办（每次）"
    FALSE_FINDING = "false_finding", "抽查核实不属实（每项）"
    PARTIAL_FINDING = "partial_finding", "抽查核实基本属实（每项）"
    ESCALATED = "escalated", "督办升级（每次）"
    # 人大建议/政协提案 (proposals/): the deputy or member was not satisfied with the reply,
    # which reopens the handling task (重新办理) — counties deduct for it (issue 14 point 8).
    DISSATISFIED = "dissatisfied", "代表委员对答复不满意（每次）"


class ScoreRule(models.Model):
    """One line of the unit scoring rules (考评细则). Points are signed: −2 deducts."""

    order = models.PositiveSmallIntegerField("排序", default=0)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("计分项", max_length=20, choices=RuleKind.choices)
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    key_weight = models.DecimalField(
        "重点督办事项倍数", max_digits=4, decimal_places=2, default=Decimal(1)
    )
    threshold = models.PositiveSmallIntegerField(
        "阈值", default=0, help_text="提前办结：提前的工作日数。"
    )
    step = models.ForeignKey(
        LadderStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="升级步骤",
        help_text="督办升级：只计这一步骤；留空则每一步都计。",
    )
    text = models.TextField("细则原文", help_text="单位看到的规则条文。")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "考评细则"
        verbose_name_plural = "考评细则"

    def __str__(self) -> str:
        return self.name


class ScoreRuleHistory(models.Model):
    """A score rule's values as they were until `valid_until` (issue 17: changing a rule
    rewrote past months' scores). Written by `supervise.rule_history.change_rule` when a
    rule changes; a score item on day D uses the first entry with valid_until >= D, or the
    rule's current values when there is none. Never changed or deleted."""

    rule = models.ForeignKey(ScoreRule, on_delete=models.PROTECT, related_name="history")
    valid_until = models.DateField("有效至")
    name = models.CharField("名称", max_length=50)
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    key_weight = models.DecimalField("重点督办事项倍数", max_digits=4, decimal_places=2)
    is_active = models.BooleanField("启用")
    text = models.TextField("细则原文")
    changed_at = models.DateTimeField("修改时间")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["rule_id", "valid_until", "id"]
        verbose_name = "考评细则历史版本"
        verbose_name_plural = "考评细则历史版本"


# ---------------------------------------------------------------- the record


class SupervisionEvent(models.Model):
    """Append-only, hash-chained record of a spot check or a campaign (stream s:<id>, c:<id>).

    Same chain as the task events (audit/chain.py): each row carries the hash of the
    previous row of its stream, and the record row keeps the head. `duban audit verify`
    checks these chains too.
    """

    stream = models.CharField(max_length=24)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=24)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["stream", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "seq"], name="supervision_event_stream_seq_unique"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not _writing.get():
            raise RuntimeError("events are append-only and written only by duban actions")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("events are append-only")


class Escalation(GuardedModel):
    """督办升级: one ladder step taken on one task. Never twice (the unique constraint)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="escalations")
    step = models.ForeignKey(LadderStep, on_delete=models.PROTECT, related_name="escalations")
    at = models.DateTimeField()
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="escalation")

    class Meta:
        ordering = ["task_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "step"], name="escalation_once_per_step"),
        ]


class SpotCheckStatus(models.TextChoices):
    OPEN = "open", "核查中"
    CLOSED = "closed", "已完成"


class SpotCheck(GuardedModel):
    """随机抽查: a reproducible sample of closed tasks, re-verified on site."""

    title = models.CharField("名称", max_length=100)
    seed = models.BigIntegerField("随机种子")
    size = models.PositiveIntegerField("样本量")
    rate = models.DecimalField("抽查比例（%）", max_digits=5, decimal_places=2, null=True)
    stratify = models.BooleanField("按单位分层", default=False)
    filters = models.JSONField("总体条件", default=dict)
    population = models.PositiveIntegerField("总体数")
    population_digest = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=SpotCheckStatus.choices, default=SpotCheckStatus.OPEN
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField("抽查情况", blank=True)
    event_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "随机抽查"
        verbose_name_plural = "随机抽查"

    @property
    def stream(self) -> str:
        return f"s:{self.pk}"


class Verdict(models.TextChoices):
    TRUE = "true", "属实"
    MOSTLY = "mostly", "基本属实"
    FALSE = "false", "不属实"


class SpotCheckItem(GuardedModel):
    """One sampled task and the inspectors' finding on it."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="items")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="spot_checks")
    position = models.PositiveIntegerField()
    verdict = models.CharField("核实结果", max_length=10, choices=Verdict.choices, blank=True)
    notes = models.TextField("核查情况", blank=True)
    found_at = models.DateTimeField(null=True, blank=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="spot_check_item"
    )
    rectification = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["spot_check_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "task"], name="spot_check_task_unique"),
            models.CheckConstraint(
                condition=(models.Q(verdict="") & models.Q(found_at__isnull=True))
                | (~models.Q(verdict="") & models.Q(found_at__isnull=False)),
                name="spot_check_item_found_pair",
            ),
        ]


class CampaignStatus(models.TextChoices):
    OPEN = "open", "督查中"
    CLOSED = "closed", "已结束"


class Campaign(GuardedModel):
    """专项督查: a themed inspection over some units or tasks, with a checklist."""

    title = models.CharField("名称", max_length=100)
    theme = models.TextField("督查内容", blank=True)
    checklist = models.JSONField("检查清单", default=list)  # list of item texts
    units = models.ManyToManyField(Unit, related_name="campaigns", blank=True)
    tasks = models.ManyToManyField(Task, related_name="campaigns", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField("督查报告", blank=True)
    event_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "专项督查"
        verbose_name_plural = "专项督查"

    @property
    def stream(self) -> str:
        return f"c:{self.pk}"


class Check(models.TextChoices):
    """A checklist item as found on a visit."""

    DONE = "done", "已落实"
    PARTLY = "partly", "部分落实"
    NOT_DONE = "not_done", "未落实"


class CampaignVisit(GuardedModel):
    """One visit of a campaign to a unit: each checklist item found, notes, attachments."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="visits")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("督查日期")
    inspectors = models.CharField("督查人员", max_length=200)
    results = models.JSONField("检查结果", default=list)  # [{"item", "check", "note"}]
    notes = models.TextField("发现问题", blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    event = models.OneToOneField(SupervisionEvent, on_delete=models.PROTECT, related_name="+")
    rectification = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["campaign_id", "visited_on", "id"]


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待裁定"
    UPHELD = "upheld", "申诉成立"
    REJECTED = "rejected", "维持原分"


class ScoreAppeal(GuardedModel):
    """考评申诉: a unit contests one score item; the office decides. Both are task events."""

    item_key = models.CharField(max_length=80, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="score_appeals")
    rule = models.ForeignKey(ScoreRule, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=6, decimal_places=2)
    reason = models.TextField("申诉理由")
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField("裁定意见", blank=True)
    decided_event = models.OneToOneField(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="pending") & models.Q(decided_at__isnull=True))
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="appeal_decided_pair",
            ),
        ]
