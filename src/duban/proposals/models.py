"""A session's batch, its items (建议/提案) and what the handling units record on them.

`Proposal` is the chained record (records.ChainedRecord, stream "pr:<id>"); the other rows
are written only by `proposals.actions`, each change with an event in the item's chain. The
handling itself is the work Task in `Proposal.task` (kind PROPOSAL): its status, deadline
and light are the work record's, never copied here except as the figures the office lists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from duban.org.fields import EncryptedTextField
from duban.org.models import Unit
from duban.records.models import ChainedRecord
from duban.work.models import Directive, GuardedModel, Task


class Body(models.TextChoices):
    NPC = "npc", "人大代表建议"
    CPPCC = "cppcc", "政协委员提案"


class ProposalSession(GuardedModel):
    """One year's session of the 人大 or the 政协 and the items it produced."""

    year = models.PositiveIntegerField("年度")
    body = models.CharField("类别", max_length=8, choices=Body.choices)
    name = models.CharField("会议名称", max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-year", "body"]
        verbose_name = "建议提案批次"
        verbose_name_plural = "建议提案批次"
        constraints = [
            models.UniqueConstraint(fields=["year", "body"], name="proposal_session_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"


class State(models.TextChoices):
    REGISTERED = "registered", "待交办"
    HANDLING = "handling", "办理中"
    REPLIED = "replied", "已答复待反馈"
    DONE = "done", "已办结"


class Category(models.TextChoices):
    A = "A", "A类 已解决或基本解决"
    B = "B", "B类 正在解决或列入计划解决"
    C = "C", "C类 因条件限制或其他原因需以后解决"
    D = "D", "D类 留作参考"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class Proposal(ChainedRecord):
    """第N号建议 / 提案第N号: one item of a session."""

    STREAM_PREFIX = "pr"
    RECORD_LABEL = "建议提案"

    session = models.ForeignKey(ProposalSession, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveIntegerField("编号")
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容")
    urgent = models.BooleanField("急办件", default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.REGISTERED)
    # 第几次办理: 1, then +1 for each 再次办理 after a 不满意.
    round = models.PositiveSmallIntegerField(default=1)
    directive = models.ForeignKey(
        Directive, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    co_due = models.DateField("协办意见时限", null=True, blank=True)
    adjust_until = models.DateField("申请调整截止", null=True, blank=True)
    category = models.CharField("答复类别", max_length=1, choices=Category.choices, blank=True)
    satisfaction = models.CharField(
        "满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    first_satisfaction = models.CharField(
        "首次满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    replied_at = models.DateTimeField("首次答复时间", null=True, blank=True)
    replied_on_time = models.BooleanField("按期答复", null=True, blank=True)
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["session_id", "number"]
        verbose_name = "建议提案"
        verbose_name_plural = "建议提案"
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="proposal_number_unique"),
        ]
        indexes = [models.Index(fields=["session", "state"], name="proposal_session_state")]

    def __str__(self) -> str:
        return f"{self.code} {self.title[:30]}"

    @property
    def code(self) -> str:
        return number_label(self.session.body, self.number)


def number_label(body: str, number: int) -> str:
    """第2号建议 for the 人大, 提案第15号 for the 政协 (as each body numbers them)."""
    return f"第{number}号建议" if body == Body.NPC else f"提案第{number}号"


class ProposerRole(models.TextChoices):
    LEAD = "lead", "领衔"
    JOINED = "joined", "附议/联名"


class Proposer(GuardedModel):
    """A deputy or member on an item: one leads, others join (附议/联名).

    The contact fields are personal data: SM4-GCM at rest (org.fields), never exported to
    the published replies (国办发〔2014〕46号: contact details removed before publication).
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="proposers")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField("姓名", max_length=50)
    role = models.CharField(max_length=8, choices=ProposerRole.choices)
    delegation = models.CharField("代表团/界别", max_length=100, blank=True)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    address = EncryptedTextField("通讯地址", blank=True, default="")

    class Meta:
        ordering = ["proposal_id", "position"]


class UnitRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"


class ProposalUnit(GuardedModel):
    """A handling unit of an item: 主办 (several = 会办, the first answers) or 协办."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=4, choices=UnitRole.choices)
    position = models.PositiveSmallIntegerField(default=0)
    # False once an approved 申请调整 took the item away from the unit (kept for the record).
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["proposal_id", "-active", "role", "position"]


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "未同意"


class Adjustment(GuardedModel):
    """申请调整: a unit says the item is not (only) its own, within the window."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="adjustments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("理由")
    suggestion = models.CharField("建议承办单位", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="pending") & models.Q(decided_at__isnull=True))
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="proposal_adjustment_decided_pair",
            ),
        ]


class ContactWay(models.TextChoices):
    VISIT = "visit", "走访面商"
    MEETING = "meeting", "座谈会"
    PHONE = "phone", "电话联系"
    INSPECTION = "inspection", "邀请视察"
    LETTER = "letter", "书面沟通"


class Contact(GuardedModel):
    """答复前的沟通: the 主办 unit contacts the deputy/member before replying."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="contacts")
    round = models.PositiveSmallIntegerField(default=1)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    on = models.DateField("沟通日期")
    way = models.CharField("沟通方式", max_length=12, choices=ContactWay.choices)
    with_whom = models.CharField("沟通对象", max_length=100)
    by_whom = models.CharField("承办人", max_length=100)
    note = models.TextField("沟通情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["on", "id"]


class CoOpinion(GuardedModel):
    """协办意见: a co-unit's (or a further 会办 unit's) written opinion to the 主办 unit."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="opinions")
    round = models.PositiveSmallIntegerField(default=1)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("协办意见")
    late = models.BooleanField(default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]


class ReplyStatus(models.TextChoices):
    DRAFT = "draft", "待单位负责人签发"
    SIGNED = "signed", "待督查室审核"
    RETURNED = "returned", "退回修改"
    APPROVED = "approved", "审核通过待发出"
    SENT = "sent", "已答复"


class Reply(GuardedModel):
    """答复函: drafted by the 主办 unit, signed by its head, reviewed by the office, sent."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="replies")
    round = models.PositiveSmallIntegerField(default=1)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    category = models.CharField("答复类别", max_length=1, choices=Category.choices)
    text = models.TextField("答复内容")
    # B/C: what the unit promises and by when (列入明年计划…); tracked as a task once sent.
    promise = models.TextField("承诺事项", blank=True)
    promise_due = models.DateField("承诺完成时限", null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.DRAFT)
    is_public = models.BooleanField("公开答复", default=False)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposal_id", "round", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | models.Q(signed_by__isnull=False),
                name="proposal_reply_signed_pair",
            ),
        ]


class Feedback(GuardedModel):
    """代表/委员的反馈: satisfaction with one round's reply, entered by the office."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="feedback")
    round = models.PositiveSmallIntegerField()
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("满意度", max_length=12, choices=Satisfaction.choices)
    comment = models.TextField("意见", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "round"], name="proposal_feedback_round"),
        ]


class FollowUp(GuardedModel):
    """A B/C reply's promise, tracked as its own work Task with its own deadline."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="follow_ups")
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=1, choices=Category.choices)
    promise = models.TextField("承诺事项")
    due = models.DateField("承诺完成时限")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due", "id"]


class ProposalConfig(models.Model):
    """The county's deadlines for the stream: one row (pk 1), edited by the sysadmin.

    Defaults from reference/office-rules.md: reply within 3 months of 交办; a dissatisfied
    deputy's item is answered again within 1 month; co-units send opinions within 1 month;
    a wrongly assigned item goes back within 7-10 days (7 working days here).
    """

    reply_months = models.PositiveSmallIntegerField("答复时限（月）", default=3)
    urgent_days = models.PositiveSmallIntegerField("急办件答复时限（天）", default=30)
    co_opinion_days = models.PositiveSmallIntegerField("协办意见时限（天）", default=30)
    adjust_workdays = models.PositiveSmallIntegerField("申请调整期限（工作日）", default=7)
    reopen_months = models.PositiveSmallIntegerField("再次办理时限（月）", default=1)

    class Meta:
        verbose_name = "建议提案办理设置"
        verbose_name_plural = "建议提案办理设置"

    def __str__(self) -> str:
        return "建议提案办理设置"


def proposal_config() -> ProposalConfig:
    return ProposalConfig.objects.filter(pk=1).first() or ProposalConfig(pk=1)
