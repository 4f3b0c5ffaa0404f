"""The shapes the API reads and writes (pydantic, through django-ninja).

Field names are the code's names (GLOSSARY.md); values of kinds, statuses and lights are
the codes the ledger's query string uses, so a saved ledger filter is also an API query.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field, StrictBool


def _clean(value: str) -> str:
    # NUL cannot be stored in PostgreSQL text, and a lone surrogate cannot be encoded.
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("含有无法保存的字符")
    return value


Text = Annotated[str, AfterValidator(_clean)]


def _working_year(value: date | datetime) -> date | datetime:
    # Year 1 or 9999 is a typo, and overflows the time-zone and working-day arithmetic.
    if not 2000 <= value.year <= 2100:
        raise ValueError("须在2000年至2100年之间")
    return value


Day = Annotated[date, AfterValidator(_working_year)]
Moment = Annotated[AwareDatetime, AfterValidator(_working_year)]

Kind = Literal[
    "meeting", "instruction", "superior", "proposal", "key_work", "rectification", "other"
]
UrgencyCode = Literal["extra", "urgent", "normal"]
StatusCode = Literal[
    "draft", "assigned", "in_progress", "returned", "submitted", "verified", "closed", "withdrawn"
]
LightCode = Literal["none", "green", "yellow", "red", "on_time", "late"]
CycleCode = Literal["none", "weekly", "monthly", "quarterly"]


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    is_active: bool


class LeaderOut(Schema):
    id: int
    code: str
    name: str
    title: str


class MeOut(Schema):
    integration: str
    username: str
    role: str
    role_label: str
    unit: UnitOut | None
    leader: LeaderOut | None
    rate_per_minute: int


class ShareOut(Schema):
    unit: UnitOut
    role: Literal["lead", "co"]
    status: str
    status_label: str
    received_at: datetime | None
    return_reason: str


class TaskOut(Schema):
    id: int
    code: str
    directive_id: int
    directive_code: str
    number: int
    content: str
    requirement: str
    status: StatusCode
    status_label: str
    light: LightCode
    light_label: str
    is_key: bool
    leader: LeaderOut | None
    lead_unit: UnitOut | None
    due: date | None
    due_original: date | None
    due_provisional: bool
    cycle: CycleCode
    cycle_day: int | None
    assigned_at: datetime | None
    submitted_at: datetime | None
    closed_at: datetime | None
    closed_on_time: bool | None
    urge_count: int
    updated_at: datetime


class ExtensionOut(Schema):
    id: int
    unit: UnitOut
    requested_at: datetime
    current_due: date
    requested_due: date
    reason: str
    status: Literal["pending", "approved", "rejected"]
    decided_at: datetime | None
    decision_reason: str


class TaskDetailOut(TaskOut):
    shares: list[ShareOut]
    extensions: list[ExtensionOut]
    actions: list[str] = Field(description="此令牌现在可对该事项执行的操作")


class UnitReviewOut(Schema):
    """单位审核: a liaison's submission waiting for (or decided by) the unit head."""

    id: int
    task_id: int
    task_code: str
    task_content: str
    unit: UnitOut
    what: Literal["submit", "extension", "progress"]
    what_label: str
    prepared_by: str
    prepared_at: datetime
    text: str
    requested_due: date | None
    status: Literal["pending", "approved", "returned", "lapsed"]
    status_label: str
    decided_at: datetime | None
    decision_reason: str


class UnitReviewAnswerOut(Schema):
    detail: str = Field(description="结果说明（中文）")
    review: UnitReviewOut
    task: TaskDetailOut


class UnitReviewDecideIn(Schema):
    approve: StrictBool = Field(description="true 同意报出；false 退回经办人（须填理由）")
    reason: Annotated[Text, Field(max_length=4000)] = ""


class LedgerRowOut(TaskOut):
    leads: list[UnitOut]
    co: list[UnitOut]
    latest_progress: str
    latest_progress_at: datetime | None


class LedgerPageOut(Schema):
    items: list[LedgerRowOut]
    page: int
    pages: int
    total: int
    size: int
    next_after: str | None = Field(description="下一页：把它作为 after 参数，并把 page 加一")
    previous_before: str | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    digest: str = Field(description="上传时记录的文件摘要（十六进制）")
    algorithm: str = Field(description="摘要算法：sm3，或早于启用SM3时上传的文件为sha256")


class EventOut(Schema):
    id: int
    seq: int
    kind: str
    kind_label: str
    at: datetime
    actor: str | None
    actor_unit: UnitOut | None
    payload: dict[str, object]
    hash: str
    attachments: list[AttachmentOut]


class DirectiveOut(Schema):
    id: int
    code: str
    kind: Kind
    kind_label: str
    title: str
    doc_no: str
    issuer: str
    urgency: UrgencyCode
    received_at: datetime
    registered_at: datetime
    status: Literal["registered", "active", "reported_back", "withdrawn"]
    status_label: str
    first_assigned_at: datetime | None
    reported_back_at: datetime | None
    report_back_text: str


class DirectiveDetailOut(DirectiveOut):
    text: str
    tasks: list[TaskOut]
    attachments: list[AttachmentOut]


class DirectivePageOut(Schema):
    items: list[DirectiveOut]
    page: int
    pages: int
    total: int
    size: int


class StatsOut(Schema):
    lights: dict[str, int]
    statuses: dict[str, int]
    on_time_since: date
    closed: int
    closed_on_time: int
    on_time_percent: float | None
    overnight_this_month: int


# ---------------------------------------------------------------- input


class TaskIn(Schema):
    content: Annotated[Text, Field(min_length=1, max_length=4000)]
    requirement: Annotated[Text, Field(max_length=4000)] = ""
    lead: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=100)]],
        Field(min_length=1, max_length=20, description="单位代码、全称、简称、别名或分组名称"),
    ]
    co: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=100)]], Field(max_length=50)
    ] = []
    leader: Annotated[Text, Field(max_length=50)] | None = Field(
        None, description="牵头领导的代码；不填为牵头单位的分管领导"
    )
    due: Annotated[Text, Field(max_length=40)] | None = Field(
        None, description="2026-12-31、6月底前、5个工作日、30天、3个月；不填按默认时限"
    )
    cycle: CycleCode = "none"
    cycle_day: Annotated[int, Field(ge=1, le=31)] | None = None
    is_key: StrictBool = False


class DirectiveIn(Schema):
    kind: Kind
    title: Annotated[Text, Field(min_length=1, max_length=200)]
    urgency: UrgencyCode = "normal"
    doc_no: Annotated[Text, Field(max_length=100)] = ""
    issuer: Annotated[Text, Field(max_length=100)] = ""
    issuer_leader: Annotated[Text, Field(max_length=50)] | None = None
    received_at: Moment | None = Field(None, description="收文时间；不填为登记时间")
    text: Annotated[Text, Field(max_length=200_000)] = ""
    tasks: Annotated[list[TaskIn], Field(max_length=200)] = []
    assign: StrictBool = Field(True, description="登记后立即交办（即批即转）")


class TasksIn(Schema):
    tasks: Annotated[list[TaskIn], Field(min_length=1, max_length=200)]
    assign: StrictBool = True


class AssignIn(Schema):
    lead: (
        Annotated[list[Annotated[Text, Field(min_length=1, max_length=100)]], Field(max_length=20)]
        | None
    ) = None
    co: (
        Annotated[list[Annotated[Text, Field(min_length=1, max_length=100)]], Field(max_length=50)]
        | None
    ) = None
    due: Annotated[Text, Field(max_length=40)] | None = None


class ReasonIn(Schema):
    reason: Annotated[Text, Field(min_length=1, max_length=4000)]


class UrgeIn(Schema):
    message: Annotated[Text, Field(min_length=1, max_length=4000)]


class TextIn(Schema):
    text: Annotated[Text, Field(min_length=1, max_length=20_000)]


class ExtensionIn(Schema):
    new_due: Day
    reason: Annotated[Text, Field(min_length=1, max_length=4000)]


class VerifyIn(Schema):
    accept: StrictBool
    reason: Annotated[Text, Field(max_length=4000)] = ""


class CloseIn(Schema):
    note: Annotated[Text, Field(max_length=4000)] = ""


class DecideIn(Schema):
    approve: StrictBool
    reason: Annotated[Text, Field(max_length=4000)] = ""
    new_due: Day | None = None


ReportText = Annotated[Text, Field(min_length=1, max_length=20_000)]
DirectiveJson = Annotated[
    str, Field(max_length=300_000, description="JSON 文本，结构同 POST /directives 的请求体")
]


class DirectiveQuery(Schema):
    status: Literal["registered", "active", "reported_back", "withdrawn"] | None = None
    kind: Kind | None = None
    q: Annotated[Text, Field(max_length=50)] | None = Field(None, description="标题或文号")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    size: Annotated[int, Field(ge=1, le=200)] = 50


class LedgerQuery(Schema):
    q: Annotated[Text, Field(max_length=50)] | None = Field(
        None, description="事项内容或进展中的关键词，或编号如 2026-0012"
    )
    kind: Kind | None = None
    unit: Annotated[int, Field(ge=1, le=2**31)] | None = Field(None, description="单位 id")
    unit_role: Literal["lead", "co"] | None = None
    leader: Annotated[int, Field(ge=1, le=2**31)] | None = Field(None, description="牵头领导 id")
    line: Annotated[int, Field(ge=1, le=2**31)] | None = Field(None, description="分管领导 id")
    status: (
        Literal[
            "open",
            "draft",
            "assigned",
            "in_progress",
            "returned",
            "submitted",
            "verified",
            "closed",
            "withdrawn",
        ]
        | None
    ) = None
    light: Literal["green", "yellow", "red", "on_time", "late"] | None = None
    is_key: bool | None = None
    due_from: Day | None = None
    due_to: Day | None = None
    sort: Literal["-code", "code", "due", "-due"] = "-code"
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    size: Annotated[int, Field(ge=1, le=200)] = 50
    after: Annotated[Text, Field(max_length=60)] | None = None
    before: Annotated[Text, Field(max_length=60)] | None = None
