"""Directives, their tasks, each unit's share (Assignment), and the append-only Event record.

The Task and Assignment rows are a projection of the task's events (see `rules.py`); only
the functions in `actions.py` write them, inside `writing()`; a raw save() elsewhere raises.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import models

from duban.org.models import Leader, Unit

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("duban_writing", default=False)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Opened by actions (and the bulk loader): the only place work records may be saved."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


class GuardedModel(models.Model):
    """Refuses save()/delete() outside an action, so no view can bypass the record."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not _writing.get():
            raise RuntimeError(f"{type(self).__name__} may only be written by duban actions")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("work records are never deleted; withdraw them instead")


class DirectiveKind(models.TextChoices):
    MEETING = "meeting", "会议议定事项"
    INSTRUCTION = "instruction", "领导批示"
    SUPERIOR = "superior", "上级交办件"
    PROPOSAL = "proposal", "人大建议/政协提案"
    KEY_WORK = "key_work", "重点工作"
    RECTIFICATION = "rectification", "督查整改"
    OTHER = "other", "其他"


class Urgency(models.TextChoices):
    EXTRA = "extra", "特急"
    URGENT = "urgent", "加急"
    NORMAL = "normal", "平件"


class DirectiveStatus(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ACTIVE = "active", "办理中"
    REPORTED_BACK = "reported_back", "已回音"
    WITHDRAWN = "withdrawn", "已撤销"


class Directive(GuardedModel):
    """来文/批示件: the source item as received."""

    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("登记序号")
    kind = models.CharField("事项来源", max_length=20, choices=DirectiveKind.choices)
    title = models.CharField("标题", max_length=200)
    doc_no = models.CharField("文号", max_length=100, blank=True)
    issuer = models.CharField("交办领导/来文单位", max_length=100, blank=True)
    issuer_leader = models.ForeignKey(
        Leader, on_delete=models.PROTECT, null=True, blank=True, related_name="issued"
    )
    received_at = models.DateTimeField("收文时间")
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices)
    text = models.TextField("正文", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=DirectiveStatus.choices, default=DirectiveStatus.REGISTERED
    )
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_assigned_at = models.DateTimeField("首次交办时间", null=True, blank=True)
    reported_back_at = models.DateTimeField("回音时间", null=True, blank=True)
    report_back_text = models.TextField("回音内容", blank=True)
    withdrawn_reason = models.TextField("撤销原因", blank=True)
    event_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = "来文"
        verbose_name_plural = "来文"
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="directive_serial_unique"),
        ]
        indexes = [models.Index(fields=["status", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"{self.year}-{self.serial:04d}"


class Attachment(GuardedModel):
    """A file attached to a directive or to an event (a report's evidence)."""

    directive = models.ForeignKey(
        Directive, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    task = models.ForeignKey(
        "Task", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    event = models.ForeignKey(
        "Event", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField()
    # The content's digest recorded at upload (also in the chained event), checked on every
    # download with the algorithm it was recorded with: SM3 since issue 17 point 5, SHA-256
    # for files uploaded before (their events name "sha256" and cannot be rewritten).
    algorithm = models.CharField(
        max_length=10, choices=[("sm3", "SM3"), ("sha256", "SHA-256")], default="sm3"
    )
    digest = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "待交办"
    ASSIGNED = "assigned", "待签收"
    IN_PROGRESS = "in_progress", "办理中"
    RETURNED = "returned", "已退回"
    SUBMITTED = "submitted", "待审核"
    VERIFIED = "verified", "已审核"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤销"


OPEN_STATUSES = (
    TaskStatus.ASSIGNED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.RETURNED,
    TaskStatus.SUBMITTED,
    TaskStatus.VERIFIED,
)


class Light(models.TextChoices):
    NONE = "none", "—"
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    ON_TIME = "on_time", "按期办结"
    LATE = "late", "逾期办结"


class Cycle(models.TextChoices):
    NONE = "none", "不定期"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"


class Task(GuardedModel):
    """督办事项: one unit of work. Every column below `source_excerpt` is projection."""

    directive = models.ForeignKey(Directive, on_delete=models.PROTECT, related_name="tasks")
    number = models.PositiveIntegerField("序号")
    content = models.TextField("事项内容")
    requirement = models.TextField("质量要求", blank=True)
    source_paragraph = models.PositiveIntegerField("来源段落", null=True, blank=True)
    source_excerpt = models.TextField("来源原文", blank=True)

    leader = models.ForeignKey(
        Leader, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="led_tasks"
    )
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    is_open = models.BooleanField(default=False)
    light = models.CharField(max_length=10, choices=Light.choices, default=Light.NONE)
    is_key = models.BooleanField("重点督办", default=False)
    due_spec = models.JSONField("时限要求", default=dict)
    due = models.DateField("完成时限", null=True, blank=True)
    due_original = models.DateField("原定时限", null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    cycle = models.CharField("报送周期", max_length=12, choices=Cycle.choices, default=Cycle.NONE)
    cycle_day = models.PositiveSmallIntegerField(null=True, blank=True)
    # The day the report cycle counts from when it is not the day of assignment: the cycle
    # was changed (重点督办) or the task was reopened after a spot check.
    cycle_from = models.DateField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)
    reported_slots = models.JSONField(default=list)
    missing_reports = models.PositiveSmallIntegerField(default=0)
    urge_count = models.PositiveSmallIntegerField(default=0)
    # Light history for escalation ladders: since when the task is red, and how many times
    # it turned yellow and red (广元: "two yellows → a supervision letter").
    red_since = models.DateField(null=True, blank=True)
    yellow_count = models.PositiveSmallIntegerField(default=0)
    red_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    sent_back_count = models.PositiveSmallIntegerField(default=0)
    withdrawn_reason = models.TextField(blank=True)
    # Requests waiting on someone's decision ("extension:<id>", "appeal:<item>"), folded
    # from the events like every projected column, so `duban rebuild` checks them too and
    # no request can be left without a way to settle it (docs/decisions.md, issue 12).
    open_requests = models.JSONField(default=list, blank=True)
    event_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["directive_id", "number"]
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        constraints = [
            models.UniqueConstraint(fields=["directive", "number"], name="task_number_unique"),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(closed_on_time__isnull=False),
                name="closed_task_has_on_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(status="withdrawn")
                | models.Q(due__isnull=False),
                name="assigned_task_has_due",
            ),
        ]
        indexes = [
            # Ledger filters: a unit's open tasks by due date; a line's lights; county counts.
            models.Index(
                fields=["lead_unit", "due"],
                name="task_open_unit_due",
                condition=models.Q(is_open=True),
            ),
            models.Index(fields=["leader", "light"], name="task_leader_light"),
            models.Index(fields=["light", "status"], name="task_light_status"),
            # The county-wide lists in deadline order (issue 18 defect 5): the ledger's
            # "red, by deadline" and the open/overdue list read the first 50 rows of an
            # index in order instead of sorting every match. `id` makes the order total,
            # as the ledger's keyset paging needs.
            models.Index(fields=["light", "due", "id"], name="task_light_due"),
            models.Index(
                fields=["due", "id"], name="task_open_due", condition=models.Q(is_open=True)
            ),
            models.Index(fields=["status", "due"], name="task_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.content[:30]}"

    @property
    def code(self) -> str:
        return f"{self.directive.code}-{self.number}"

    @property
    def stream(self) -> str:
        return f"t:{self.pk}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "牵头"
    CO = "co", "配合"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "待签收"
    RECEIVED = "received", "已签收"
    RETURNED = "returned", "已退回"
    DONE = "done", "已报结"
    REPLACED = "replaced", "已改派"


class Assignment(GuardedModel):
    """承办: one unit's share of one task. Projection of the task's events."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=AssignmentStatus.choices)
    assigned_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["task_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="assignment_unique"),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="assignment_unit_status")]


class EventKind(models.TextChoices):
    REGISTERED = "registered", "登记"
    CREATED = "created", "分解"
    ASSIGNED = "assigned", "交办"
    REASSIGNED = "reassigned", "改派"
    RECEIVED = "received", "签收"
    RETURNED = "returned", "退回"
    PROGRESS = "progress", "报送进展"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_DECIDED = "extension_decided", "延期审批"
    EXTENSION_LAPSED = "extension_lapsed", "延期申请失效"
    URGED = "urged", "催办"
    SUBMITTED = "submitted", "报送办结"
    VERIFIED = "verified", "审核通过"
    SENT_BACK = "sent_back", "退回重办"
    CLOSED = "closed", "办结销号"
    REPORTED_BACK = "reported_back", "回音"
    WITHDRAWN = "withdrawn", "撤销"
    LIGHT_CHANGED = "light_changed", "亮灯变化"
    DUE_RECOMPUTED = "due_recomputed", "时限校正"
    COMMENTED = "commented", "领导批示"
    # Supervision (supervise/): escalation steps, key flag, spot-check findings, appeals.
    ESCALATED = "escalated", "督办升级"
    KEY_CHANGED = "key_changed", "重点督办调整"
    SPOT_CHECKED = "spot_checked", "抽查核实"
    REOPENED = "reopened", "重新办理"
    SCORE_APPEALED = "score_appealed", "考评申诉"
    APPEAL_DECIDED = "appeal_decided", "申诉裁定"
    # Unit-head sign-off (单位审核, LoopConfig.unit_review): a liaison's submission waits
    # at the unit until its head approves (it then goes on as the event it asked for) or
    # returns it to the liaison.
    UNIT_REVIEW_REQUESTED = "unit_review_requested", "送单位审核"
    UNIT_REVIEW_DECIDED = "unit_review_decided", "单位审核"
    UNIT_REVIEW_LAPSED = "unit_review_lapsed", "单位审核失效"


class Event(models.Model):
    """流转记录: append-only, hash-chained per stream (one stream per task or directive)."""

    stream = models.CharField(max_length=24)
    seq = models.PositiveIntegerField()
    directive = models.ForeignKey(Directive, on_delete=models.PROTECT, related_name="events")
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
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
            models.UniqueConstraint(fields=["stream", "seq"], name="event_stream_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["task", "seq"], name="event_task_seq"),
            models.Index(fields=["kind", "at"], name="event_kind_at"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not _writing.get():
            raise RuntimeError("events are append-only and written only by duban actions")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("events are append-only")


class ProgressReport(GuardedModel):
    """进展情况: one unit's report, attributed to a cycle slot when the task has a cycle."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    slot = models.DateField(null=True, blank=True)
    late = models.BooleanField(default=False)
    text = models.TextField("进展情况")
    is_final = models.BooleanField(default=False)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="report")

    class Meta:
        ordering = ["task_id", "at"]
        indexes = [models.Index(fields=["task", "at"], name="report_task_at")]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "未同意"
    # Closed without a decision by the transition that made it moot (销号, 撤销, 退回, 改派).
    LAPSED = "lapsed", "已失效"


class ExtensionRequest(GuardedModel):
    """延期申请: asked before the deadline; the original deadline stays on the task."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    current_due = models.DateField()
    requested_due = models.DateField()
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="pending") & models.Q(decided_at__isnull=True))
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="extension_decided_pair",
            ),
        ]


class ReviewWhat(models.TextChoices):
    SUBMIT = "submit", "办结报告"
    EXTENSION = "extension", "延期申请"
    PROGRESS = "progress", "进展报告"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "待单位审核"
    APPROVED = "approved", "已同意报送"
    RETURNED = "returned", "已退回经办人"
    # Closed without a decision by the transition that made it moot (撤销, 退回, 改派, 已报送).
    LAPSED = "lapsed", "已失效"


class UnitReview(GuardedModel):
    """单位审核: a liaison's submission waiting for the unit head before it leaves the unit.

    The submission itself is in the `unit_review_requested` event (text, files, the asked-for
    deadline); on approval the event it asked for (`submitted`, `extension_requested`,
    `progress`) follows in the same transaction, in the liaison's name.
    """

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="unit_reviews")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=10, choices=ReviewWhat.choices)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField()
    text = models.TextField()
    requested_due = models.DateField(null=True, blank=True)
    # The `unit_review_requested` event; set right after it is written (it names this row).
    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="unit_review"
    )
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["prepared_at", "id"]
        indexes = [models.Index(fields=["unit", "status"], name="unitreview_unit_status")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="pending") & models.Q(decided_at__isnull=True))
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="unitreview_decided_pair",
            ),
        ]


class DueUnit(models.TextChoices):
    WORKDAYS = "workdays", "个工作日"
    DAYS = "days", "天"
    MONTHS = "months", "个月"


class DeadlineDefault(models.Model):
    """The office's default deadline when a directive states none, by kind and urgency."""

    kind = models.CharField(max_length=20, choices=DirectiveKind.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    amount = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=10, choices=DueUnit.choices)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "默认时限"
        verbose_name_plural = "默认时限"
        constraints = [
            models.UniqueConstraint(fields=["kind", "urgency"], name="deadline_default_unique"),
        ]


class CalendarDay(models.Model):
    """Local override of the holiday calendar: a holiday (False) or an adjusted workday (True)."""

    day = models.DateField(unique=True)
    is_workday = models.BooleanField()
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"


class CalendarYear(models.Model):
    """A year whose State Council holiday notice the office has entered in full."""

    year = models.PositiveIntegerField(unique=True)
    confirmed_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)


class SerialCounter(models.Model):
    """The last 登记序号 used in a registration year (work/serials.py allocates from it).

    One row per year, locked in the registering transaction, so numbers are handed out one
    at a time and stay gapless: a transaction that rolls back rolls its number back too.
    """

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "登记序号计数"
        verbose_name_plural = "登记序号计数"


class TaskTally(models.Model):
    """Derived counts of tasks for the county-wide dashboard (work/tally.py), never a record.

    Each task counts +1 under each key of its current projection (tally.keys_of). The
    actions append a -1 row for an old key and a +1 row for a new one in the transaction that
    changes the projection (insert only: no shared counter row is locked, so concurrent
    writers never wait on each other here); `tally.compact` folds the rows into one per key, and
    `duban rebuild --fix` recounts the whole table from the tasks.
    """

    facet = models.CharField(max_length=10)  # state, assigned, closed_in, closed (work/tally.py)
    lead_unit_id = models.IntegerField(null=True)
    leader_id = models.IntegerField(null=True)
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    light = models.CharField(max_length=10)
    closed_on_time = models.BooleanField(null=True)
    month = models.DateField(null=True)  # first day of the Asia/Shanghai month
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["facet", "month"], name="tally_facet_month")]
        verbose_name = "统计计数"
        verbose_name_plural = "统计计数"


class SilentCoUnits(models.TextChoices):
    CONFIRM = "confirm", "记录在案，审核人确认后可通过"
    BLOCK = "block", "不得审核通过"


class LoopConfig(models.Model):
    """The county's settings of the loop itself: one row (pk 1), edited by the sysadmin."""

    silent_co_units = models.CharField(
        "配合单位未签收或未报送时",
        max_length=10,
        choices=SilentCoUnits.choices,
        default=SilentCoUnits.CONFIRM,
        help_text="牵头单位报送办结时，如有配合单位从未签收或从未报送办理情况，审核通过是否允许。",
    )
    unit_review = models.BooleanField(
        "单位审核",
        default=False,
        help_text="开启后，联络员报送办结、申请延期须经本单位负责人审核同意后才报送督查室。",
    )
    unit_review_progress = models.BooleanField(
        "进展报告也须单位审核",
        default=False,
        help_text="在开启单位审核时，联络员报送的进展情况也须经本单位负责人审核。",
    )

    class Meta:
        verbose_name = "办理流程设置"
        verbose_name_plural = "办理流程设置"

    def __str__(self) -> str:
        return "办理流程设置"


def loop_config() -> LoopConfig:
    """The settings row, or the defaults when none was saved."""
    return LoopConfig.objects.filter(pk=1).first() or LoopConfig(pk=1)
