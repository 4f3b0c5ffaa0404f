"""The REST API, version 1: `/api/v1/`, described by `/api/v1/openapi.json` (OpenAPI 3.1).

A thin layer over the same actions and selectors as the pages (DESIGN.md "api/"): every
read starts from `selectors.*_visible_to(caller)`, every write is an action called with
the integration's service account as `by`, so rules, scopes and events are the pages'.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, NinjaAPI, Query, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from pydantic import ValidationError as PydanticError

from duban.api import schemas as s
from duban.api.auth import RateLimited, TokenAuth, caller
from duban.api.problems import from_action, problem, validation_problem
from duban.org.models import UNIT_ROLES, Leader, Unit, User
from duban.org.selectors import leader_of, resolve_units
from duban.work import actions, homes, ledger, selectors, stats
from duban.work.available import available_actions, extension_named, task_named
from duban.work.deadlines import parse_due_typed
from duban.work.errors import ActionError, Invalid, Refused
from duban.work.models import (
    Assignment,
    Attachment,
    Directive,
    Event,
    ExtensionRequest,
    Task,
    UnitReview,
)

log = logging.getLogger("duban.api")


class ChineseJSON(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as characters, not as \u escapes


api = NinjaAPI(
    renderer=ChineseJSON(),
    title="督办系统接口",
    version="1",
    description=(
        "督办系统对接接口（第1版）。认证：`Authorization: Bearer <令牌>`，令牌由系统管理员"
        "在“对接系统”页面或用 `duban apitoken create` 签发。每个拒绝都是 RFC 9457 格式的"
        " `application/problem+json`：type、title、status、detail（中文）、code。"
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    # The docs page loads Swagger UI from ninja's own static files ("ninja" in INSTALLED_APPS),
    # and validatorUrl None keeps it from calling validator.swagger.io (an isolated intranet).
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
)

ERRORS = {400, 401, 403, 404, 409, 413, 422, 429}
READ_ERRORS = {400, 401, 403, 404, 422, 429}


def answers(ok: Any, *, status: int = 200, errors: set[int] = ERRORS) -> dict[Any, Any]:
    return {status: ok, frozenset(errors): s.Problem}


# ---------------------------------------------------------------- errors as problems


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return validation_problem(list(exc.errors))


@api.exception_handler(RateLimited)
def _rate(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return problem(
        429,
        f"调用过于频繁：每个令牌每分钟最多{exc.limit}次，请{exc.retry_after}秒后再试。",
        code="rate_limited",
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(
        401,
        "缺少有效的令牌：请在请求头 Authorization: Bearer <令牌> 中"
        "提供系统管理员签发的、未吊销的令牌。",
        code="unauthorized",
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, "请求无效。")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, str(exc) or "不存在或无权查看。", code="not_found")


@api.exception_handler(ActionError)
def _refused(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return from_action(exc)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(413, "请求过大：正文不能超过2.5MB，每个附件不能超过20MB。")


@api.exception_handler(TooManyFieldsSent)
def _too_many(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(413, "请求字段或附件过多。")


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("api %s %s failed", request.method, request.path)
    return problem(500, "服务器内部错误，已记录，请联系系统管理员。", code="server_error")


class _Openapi:
    """Problems are documented as application/problem+json, which is what they are."""

    original = api.get_openapi_schema

    @classmethod
    def schema(cls, *args: Any, **kwargs: Any) -> Any:
        spec = cls.original(*args, **kwargs)
        for path in spec.get("paths", {}).values():
            for op in path.values():
                for code, resp in op.get("responses", {}).items():
                    content = resp.get("content") or {}
                    if str(code).startswith(("4", "5")) and "application/json" in content:
                        resp["content"] = {"application/problem+json": content["application/json"]}
        return spec


api.get_openapi_schema = _Openapi.schema  # type: ignore[method-assign]


# ---------------------------------------------------------------- shapes out


def unit_out(u: Unit | None) -> dict[str, Any] | None:
    if u is None:
        return None
    return {
        "id": u.pk,
        "code": u.code,
        "name": u.name,
        "short_name": u.short_name,
        "kind": u.kind,
        "is_active": u.is_active,
    }


def leader_out(ld: Leader | None) -> dict[str, Any] | None:
    if ld is None:
        return None
    return {"id": ld.pk, "code": ld.code, "name": ld.name, "title": ld.title}


def task_out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk,
        "code": t.code,
        "directive_id": t.directive_id,
        "directive_code": t.directive.code,
        "number": t.number,
        "content": t.content,
        "requirement": t.requirement,
        "status": t.status,
        "status_label": t.get_status_display(),
        "light": t.light,
        "light_label": t.get_light_display(),
        "is_key": t.is_key,
        "leader": leader_out(t.leader),
        "lead_unit": unit_out(t.lead_unit),
        "due": t.due,
        "due_original": t.due_original,
        "due_provisional": t.due_provisional,
        "cycle": t.cycle,
        "cycle_day": t.cycle_day,
        "assigned_at": t.assigned_at,
        "submitted_at": t.submitted_at,
        "closed_at": t.closed_at,
        "closed_on_time": t.closed_on_time,
        "urge_count": t.urge_count,
        "updated_at": t.updated_at,
    }


def _attachment_out(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "size": a.size,
        "digest": a.digest,
        "algorithm": a.algorithm,
    }


def task_detail_out(user: User, t: Task) -> dict[str, Any]:
    shares = [
        {
            "unit": unit_out(a.unit),
            "role": a.role,
            "status": a.status,
            "status_label": a.get_status_display(),
            "received_at": a.received_at,
            "return_reason": a.return_reason,
        }
        for a in t.assignments.all()
    ]
    extensions = [
        {
            "id": e.pk,
            "unit": unit_out(e.unit),
            "requested_at": e.requested_at,
            "current_due": e.current_due,
            "requested_due": e.requested_due,
            "reason": e.reason,
            "status": e.status,
            "decided_at": e.decided_at,
            "decision_reason": e.decision_reason,
        }
        for e in t.extensions.all()
    ]
    return {
        **task_out(t),
        "shares": shares,
        "extensions": extensions,
        "actions": sorted(available_actions(user, t)),
    }


def _detail_task(pk: int) -> Task:
    task = (
        Task.objects.select_related("directive", "lead_unit", "leader")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
            Prefetch("extensions", queryset=ExtensionRequest.objects.select_related("unit")),
        )
        .get(pk=pk)
    )
    return task


def directive_out(d: Directive) -> dict[str, Any]:
    return {
        "id": d.pk,
        "code": d.code,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "title": d.title,
        "doc_no": d.doc_no,
        "issuer": d.issuer,
        "urgency": d.urgency,
        "received_at": d.received_at,
        "registered_at": d.registered_at,
        "status": d.status,
        "status_label": d.get_status_display(),
        "first_assigned_at": d.first_assigned_at,
        "reported_back_at": d.reported_back_at,
        "report_back_text": d.report_back_text,
    }


def directive_detail_out(user: User, d: Directive) -> dict[str, Any]:
    tasks = (
        selectors.tasks_visible_to(user)
        .filter(directive=d)
        .select_related("directive", "lead_unit", "leader")
        .order_by("number")
    )
    return {
        **directive_out(d),
        "text": d.text,
        "tasks": [task_out(t) for t in tasks],
        "attachments": [_attachment_out(a) for a in d.attachments.all()],
    }


# ---------------------------------------------------------------- who am I, the registry


@api.get("/me", response=answers(s.MeOut, errors=READ_ERRORS), summary="本令牌的身份")
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    return {
        "integration": user.integration.name,
        "username": user.username,
        "role": user.role,
        "role_label": user.get_role_display(),
        "unit": unit_out(user.unit),
        "leader": leader_out(user.leader),
        "rate_per_minute": user.integration.rate_per_minute,
    }


@api.get("/units", response=answers(list[s.UnitOut], errors=READ_ERRORS), summary="单位名录")
def units(request: HttpRequest) -> list[dict[str, Any]]:
    return [unit_out(u) for u in Unit.objects.order_by("order", "id")]  # type: ignore[misc]


@api.get("/leaders", response=answers(list[s.LeaderOut], errors=READ_ERRORS), summary="县领导")
def leaders(request: HttpRequest) -> list[dict[str, Any]]:
    return [leader_out(ld) for ld in Leader.objects.order_by("order", "id")]  # type: ignore[misc]


# ---------------------------------------------------------------- directives


@api.get(
    "/directives", response=answers(s.DirectivePageOut, errors=READ_ERRORS), summary="来文列表"
)
def directive_list(request: HttpRequest, filters: Query[s.DirectiveQuery]) -> dict[str, Any]:
    qs = selectors.directives_visible_to(caller(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(doc_no__icontains=filters.q))
    total = qs.count()
    pages = max(1, math.ceil(total / filters.size))
    page = min(filters.page, pages)
    start = (page - 1) * filters.size
    rows = qs.order_by("-registered_at", "-id")[start : start + filters.size]
    return {
        "items": [directive_out(d) for d in rows],
        "page": page,
        "pages": pages,
        "total": total,
        "size": filters.size,
    }


def _directive(user: User, pk: int) -> Directive:
    d = selectors.directives_visible_to(user).filter(pk=pk).first()
    if d is None:
        raise Http404("来文不存在或无权查看。")
    return d


@api.get(
    "/directives/{int:directive_id}",
    response=answers(s.DirectiveDetailOut, errors=READ_ERRORS),
    summary="来文及其任务",
)
def directive_detail(request: HttpRequest, directive_id: int) -> dict[str, Any]:
    user = caller(request)
    return directive_detail_out(user, _directive(user, directive_id))


def _units(refs: list[str], field: str, row: str) -> list[Unit]:
    found: list[Unit] = []
    for ref in refs:
        unit = Unit.objects.filter(code=ref.strip()).first()
        units = [unit] if unit is not None else resolve_units(ref)
        if not units:
            raise Invalid(f"{row}单位“{ref}”不存在。", log=f"unknown unit {ref!r}", field=field)
        found.extend(u for u in units if u not in found)
    return found


def _leader(ref: str | None, field: str, row: str) -> Leader | None:
    if not ref:
        return None
    leader = Leader.objects.filter(Q(code=ref) | Q(name=ref)).first()
    if leader is None:
        raise Invalid(f"{row}县领导“{ref}”不存在。", log=f"unknown leader {ref!r}", field=field)
    return leader


def _due(raw: str | None, field: str, row: str) -> dict[str, Any]:
    if not raw or not raw.strip():
        return {}
    try:
        return parse_due_typed(raw.strip(), today=timezone.localdate())
    except ValueError as e:
        raise Invalid(f"{row}{e}", log=f"bad due {raw!r}", field=field) from None


def _drafts(tasks: list[s.TaskIn]) -> list[actions.TaskDraft]:
    drafts = []
    for i, t in enumerate(tasks):
        row, at = f"第{i + 1}项任务：", f"tasks.{i}."
        lead = _units(t.lead, at + "lead", row)
        drafts.append(
            actions.TaskDraft(
                content=t.content,
                requirement=t.requirement,
                lead=lead,
                co=_units(t.co, at + "co", row),
                leader=_leader(t.leader, at + "leader", row) or leader_of(lead[0]),
                due=_due(t.due, at + "due", row),
                cycle=t.cycle,
                cycle_day=t.cycle_day,
                is_key=t.is_key,
            )
        )
    return drafts


def _task_error(e: ActionError) -> HttpResponse:
    """An action's refusal about task N (第N项任务：…) names `tasks.N-1.field`."""
    if e.field and e.message.startswith("第") and "项任务" in e.message and "." not in e.field:
        index = e.message[1 : e.message.index("项")]
        if index.isdigit():
            return from_action(e, field_prefix=f"tasks.{int(index) - 1}.")
    return from_action(e)


def _register(request: HttpRequest, data: s.DirectiveIn, files: list[Any]) -> Any:
    # The 登记序号 is taken under a lock (work/serials.py), so concurrent registrations
    # need no retry here.
    try:
        return _register_once(request, data, files)
    finally:
        _close(files)


def _close(files: list[Any]) -> None:
    """Uploads over 2.5 MB are temporary files: closed here, not left to the server."""
    for f in files:
        f.close()


def _register_once(request: HttpRequest, data: s.DirectiveIn, files: list[Any]) -> Any:
    user = caller(request)
    now = timezone.now()
    try:
        # All or nothing, as on the register page: a refused task leaves no directive.
        with transaction.atomic():
            directive = actions.register(
                kind=data.kind,
                title=data.title,
                urgency=data.urgency,
                received_at=data.received_at or now,
                doc_no=data.doc_no,
                issuer=data.issuer,
                issuer_leader=_leader(data.issuer_leader, "issuer_leader", ""),
                text=data.text,
                attachments=files,
                by=user,
                now=now,
            )
            if data.tasks:
                created = actions.decompose(
                    directive=directive, tasks=_drafts(data.tasks), by=user, now=now
                )
                if data.assign:
                    for task in created:
                        actions.assign(task=task, by=user, now=now)
    except ActionError as e:
        return _task_error(e)
    directive.refresh_from_db()
    return Status(201, directive_detail_out(user, directive))


@api.post(
    "/directives",
    response=answers(s.DirectiveDetailOut, status=201),
    summary="登记来文（可同时分解、交办）",
)
def directive_register(request: HttpRequest, payload: s.DirectiveIn) -> Any:
    return _register(request, payload, [])


@api.post(
    "/directives/upload",
    response=answers(s.DirectiveDetailOut, status=201),
    summary="登记来文并上传附件（OA 收文，multipart）",
    description=(
        "multipart/form-data：`directive` 为 JSON 文本，结构同 POST /directives 的请求体；"
        "`attachments` 为附件（可多个，每个不超过20MB）。"
    ),
)
def directive_upload(
    request: HttpRequest,
    directive: Form[s.DirectiveJson],
    attachments: File[list[UploadedFile] | None] = None,
) -> Any:
    try:
        data = s.DirectiveIn.model_validate_json(directive)
    except PydanticError as e:
        errors = [{**err, "loc": ("directive", *err["loc"])} for err in e.errors()]
        _close(list(attachments or []))
        return validation_problem(errors)
    return _register(request, data, list(attachments or []))


@api.post(
    "/directives/{int:directive_id}/tasks",
    response=answers(s.DirectiveDetailOut, status=201),
    summary="分解任务（可同时交办）",
)
def directive_decompose(request: HttpRequest, directive_id: int, payload: s.TasksIn) -> Any:
    user = caller(request)
    directive = _directive(user, directive_id)
    now = timezone.now()
    try:
        with transaction.atomic():
            created = actions.decompose(
                directive=directive, tasks=_drafts(payload.tasks), by=user, now=now
            )
            if payload.assign:
                for task in created:
                    actions.assign(task=task, by=user, now=now)
    except ActionError as e:
        return _task_error(e)
    directive.refresh_from_db()
    return Status(201, directive_detail_out(user, directive))


@api.post(
    "/directives/{int:directive_id}/report-back",
    response=answers(s.DirectiveDetailOut),
    summary="回音（全部事项办结后）",
)
def directive_report_back(request: HttpRequest, directive_id: int, payload: s.TextIn) -> Any:
    user = caller(request)
    directive = actions.report_back(
        directive=_directive(user, directive_id), text=payload.text, by=user, now=timezone.now()
    )
    return directive_detail_out(user, directive)


# ---------------------------------------------------------------- the ledger and tasks


def _ledger(request: HttpRequest, f: s.LedgerQuery) -> Any:
    if f.due_from and f.due_to and f.due_to < f.due_from:
        return problem(
            422, "“时限截止日期”不能早于起始日期。", code="validation_error", field="due_to"
        )
    for name, model in (("unit", Unit), ("leader", Leader), ("line", Leader)):
        value = getattr(f, name)
        if value is not None and not model.objects.filter(pk=value).exists():
            return problem(
                422, f"“{s_label(name)}”{value}不存在。", code="validation_error", field=name
            )
    filters = ledger.LedgerFilters(
        q=(f.q or "").strip(),
        kind=f.kind or "",
        unit=f.unit,
        unit_role=f.unit_role or "",
        leader=f.leader,
        line=f.line,
        status=f.status or "",
        light=f.light or "",
        is_key=f.is_key,
        due_from=f.due_from,
        due_to=f.due_to,
        sort=f.sort,
    )
    page = ledger.ledger_page(
        caller(request), filters, page=f.page, after=f.after, before=f.before, size=f.size
    )
    return {
        "items": [
            {
                **task_out(r.task),
                "leads": [unit_out(u) for u in r.leads],
                "co": [unit_out(u) for u in r.co],
                "latest_progress": r.latest,
                "latest_progress_at": r.latest_at,
            }
            for r in page.rows
        ],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
        "size": page.size,
        "next_after": page.last_cursor if page.has_next else None,
        "previous_before": page.first_cursor if page.has_previous else None,
    }


def s_label(name: str) -> str:
    from duban.api.problems import LABELS

    return LABELS.get(name, name)


@api.get(
    "/ledger",
    response=answers(s.LedgerPageOut, errors=READ_ERRORS),
    summary="台账（与台账页相同的筛选，分页）",
    description="下一页：`page=N+1&after=<next_after>`（按游标翻页，不受新增事项影响）。",
)
def ledger_list(request: HttpRequest, filters: Query[s.LedgerQuery]) -> Any:
    return _ledger(request, filters)


@api.get(
    "/tasks",
    response=answers(s.LedgerPageOut, errors=READ_ERRORS),
    summary="事项列表（同台账）",
)
def task_list(request: HttpRequest, filters: Query[s.LedgerQuery]) -> Any:
    return _ledger(request, filters)


def _visible_task(user: User, pk: int) -> Task:
    if selectors.task_for(user, pk) is None:
        raise Http404("事项不存在或无权查看。")
    return _detail_task(pk)


@api.get(
    "/tasks/{int:task_id}",
    response=answers(s.TaskDetailOut, errors=READ_ERRORS),
    summary="事项详情",
)
def task_detail(request: HttpRequest, task_id: int) -> dict[str, Any]:
    user = caller(request)
    return task_detail_out(user, _visible_task(user, task_id))


@api.get(
    "/tasks/{int:task_id}/events",
    response=answers(list[s.EventOut], errors=READ_ERRORS),
    summary="流转记录",
)
def task_events(request: HttpRequest, task_id: int) -> list[dict[str, Any]]:
    user = caller(request)
    task = _visible_task(user, task_id)
    events = selectors.timeline(user, task).prefetch_related("attachments")
    return [event_out(e) for e in events]


def event_out(e: Event) -> dict[str, Any]:
    return {
        "id": e.pk,
        "seq": e.seq,
        "kind": e.kind,
        "kind_label": e.get_kind_display(),
        "at": e.at,
        "actor": (e.actor.full_name or e.actor.username) if e.actor else None,
        "actor_unit": unit_out(e.actor_unit),
        "payload": e.payload,
        "hash": e.hash,
        "attachments": [_attachment_out(a) for a in e.attachments.all()],
    }


# ---------------------------------------------------------------- task actions


def _act(request: HttpRequest, task_id: int, run: Any) -> Any:
    """Run an action on a task as the caller; answer with the task as the caller sees it.

    As on the pages, the task is named without a visibility filter first: the action
    decides who may act, so a unit not on the task hears why (403), not "not found".
    """
    user = caller(request)
    task = task_named(task_id)
    if task is None:
        raise Http404("事项不存在。")
    run(user, task, timezone.now())
    return task_detail_out(user, _detail_task(task.pk))


# 单位审核 (issue 12 point 6): when the county holds a liaison's 报送 for the unit head, a
# liaison's token is held the same way (202, the review in the head's queue); a unit head's
# token goes out directly, as the head does on the pages (docs/decisions.md).
HELD_ANSWERS = {
    200: s.TaskDetailOut,
    202: s.UnitReviewAnswerOut,
    frozenset(ERRORS): s.Problem,
}
_HELD_NOTE = {
    "submit": "办结报告已送单位负责人审核，单位负责人同意后报送督查室。",
    "extension": "延期申请已送单位负责人审核，单位负责人同意后报督查室审批。",
    "progress": "进展报告已送单位负责人审核，单位负责人同意后报送督查室。",
}


def unit_review_out(r: UnitReview) -> dict[str, Any]:
    return {
        "id": r.pk,
        "task_id": r.task_id,
        "task_code": r.task.code,
        "task_content": r.task.content,
        "unit": unit_out(r.unit),
        "what": r.what,
        "what_label": r.get_what_display(),
        "prepared_by": r.prepared_by.full_name or r.prepared_by.username,
        "prepared_at": r.prepared_at,
        "text": r.text,
        "requested_due": r.requested_due,
        "status": r.status,
        "status_label": r.get_status_display(),
        "decided_at": r.decided_at,
        "decision_reason": r.decision_reason,
    }


def _review_answer(user: User, review: UnitReview, detail: str) -> dict[str, Any]:
    review = UnitReview.objects.select_related("task", "unit", "prepared_by").get(pk=review.pk)
    return {
        "detail": detail,
        "review": unit_review_out(review),
        "task": task_detail_out(user, _detail_task(review.task_id)),
    }


def _held_or_act(
    request: HttpRequest,
    task_id: int,
    what: str,
    run: Any,
    *,
    text: str,
    new_due: Any = None,
    files: list[Any] | None = None,
) -> Any:
    """A liaison's 办结/延期/进展 when 单位审核 holds it: into the head's queue (202), as the
    pages do (web/views/tasks.py); otherwise the direct action (200)."""
    user = caller(request)
    if not actions.needs_unit_review(user, what):
        return _act(request, task_id, run)
    task = task_named(task_id)
    if task is None:
        raise Http404("事项不存在。")
    review = actions.send_for_unit_review(
        task=task,
        what=what,
        text=text,
        new_due=new_due,
        attachments=files or [],
        by=user,
        now=timezone.now(),
    )
    return Status(202, _review_answer(user, review, _HELD_NOTE[what]))


@api.post("/tasks/{int:task_id}/assign", response=answers(s.TaskDetailOut), summary="交办")
def task_assign(request: HttpRequest, task_id: int, payload: s.AssignIn) -> Any:
    def run(user: User, task: Task, now: Any) -> None:
        lead = _units(payload.lead, "lead", "") if payload.lead else None
        co = _units(payload.co, "co", "") if payload.co is not None else None
        actions.assign(
            task=task, lead=lead, co=co, due=_due(payload.due, "due", ""), by=user, now=now
        )

    return _act(request, task_id, run)


@api.post("/tasks/{int:task_id}/receive", response=answers(s.TaskDetailOut), summary="签收")
def task_receive(request: HttpRequest, task_id: int) -> Any:
    return _act(request, task_id, lambda u, t, now: actions.receive(task=t, by=u, now=now))


@api.post("/tasks/{int:task_id}/return", response=answers(s.TaskDetailOut), summary="退回")
def task_return(request: HttpRequest, task_id: int, payload: s.ReasonIn) -> Any:
    return _act(
        request,
        task_id,
        lambda u, t, now: actions.return_(task=t, reason=payload.reason, by=u, now=now),
    )


@api.post(
    "/tasks/{int:task_id}/progress",
    response=HELD_ANSWERS,
    summary="报送进展（multipart，可带附件）",
)
def task_progress(
    request: HttpRequest,
    task_id: int,
    text: Form[s.ReportText],
    attachments: File[list[UploadedFile] | None] = None,
) -> Any:
    files = list(attachments or [])
    try:
        return _held_or_act(
            request,
            task_id,
            "progress",
            lambda u, t, now: actions.report_progress(
                task=t, text=text, attachments=files, by=u, now=now
            ),
            text=text,
            files=files,
        )
    finally:
        _close(files)


@api.post("/tasks/{int:task_id}/extension", response=HELD_ANSWERS, summary="申请延期")
def task_extension(request: HttpRequest, task_id: int, payload: s.ExtensionIn) -> Any:
    return _held_or_act(
        request,
        task_id,
        "extension",
        lambda u, t, now: actions.request_extension(
            task=t, new_due=payload.new_due, reason=payload.reason, by=u, now=now
        ),
        text=payload.reason,
        new_due=payload.new_due,
    )


@api.post(
    "/tasks/{int:task_id}/submit",
    response=HELD_ANSWERS,
    summary="报送办结（multipart，可带附件）",
)
def task_submit(
    request: HttpRequest,
    task_id: int,
    text: Form[s.ReportText],
    attachments: File[list[UploadedFile] | None] = None,
) -> Any:
    files = list(attachments or [])
    try:
        return _held_or_act(
            request,
            task_id,
            "submit",
            lambda u, t, now: actions.submit_done(
                task=t, text=text, attachments=files, by=u, now=now
            ),
            text=text,
            files=files,
        )
    finally:
        _close(files)


@api.post("/tasks/{int:task_id}/urge", response=answers(s.TaskDetailOut), summary="催办")
def task_urge(request: HttpRequest, task_id: int, payload: s.UrgeIn) -> Any:
    return _act(
        request,
        task_id,
        lambda u, t, now: actions.urge(task=t, message=payload.message, by=u, now=now),
    )


@api.post("/tasks/{int:task_id}/comment", response=answers(s.TaskDetailOut), summary="批示")
def task_comment(request: HttpRequest, task_id: int, payload: s.TextIn) -> Any:
    return _act(
        request,
        task_id,
        lambda u, t, now: actions.comment(task=t, text=payload.text, by=u, now=now),
    )


@api.post("/tasks/{int:task_id}/verify", response=answers(s.TaskDetailOut), summary="审核办结")
def task_verify(request: HttpRequest, task_id: int, payload: s.VerifyIn) -> Any:
    return _act(
        request,
        task_id,
        lambda u, t, now: actions.verify(
            task=t, accept=payload.accept, reason=payload.reason, by=u, now=now
        ),
    )


@api.post("/tasks/{int:task_id}/close", response=answers(s.TaskDetailOut), summary="办结销号")
def task_close(request: HttpRequest, task_id: int, payload: s.CloseIn) -> Any:
    return _act(
        request, task_id, lambda u, t, now: actions.close(task=t, note=payload.note, by=u, now=now)
    )


@api.post(
    "/extensions/{int:extension_id}/decide", response=answers(s.TaskDetailOut), summary="延期审批"
)
def extension_decide(request: HttpRequest, extension_id: int, payload: s.DecideIn) -> Any:
    user = caller(request)
    request_ = extension_named(extension_id)
    if request_ is None:
        raise Http404("延期申请不存在。")
    actions.decide_extension(
        request=request_,
        approve=payload.approve,
        reason=payload.reason,
        new_due=payload.new_due,
        by=user,
        now=timezone.now(),
    )
    return task_detail_out(user, _detail_task(request_.task_id))


# ---------------------------------------------------------------- 单位审核 (the head's queue)


@api.get(
    "/unit-reviews",
    response=answers(list[s.UnitReviewOut], errors=READ_ERRORS),
    summary="待单位审核的报送（本单位）",
)
def unit_review_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The unit head's queue; a liaison's token sees the same list as "waiting at the head"."""
    user = caller(request)
    if user.role not in UNIT_ROLES:
        raise Refused(
            "待单位审核的报送只对单位联络员和单位负责人开放。",
            log=f"unit review queue asked by {user.role}",
        )
    return [unit_review_out(r) for r in homes.unit_reviews_pending(user)]


@api.post(
    "/unit-reviews/{int:review_id}/decide",
    response=answers(s.UnitReviewAnswerOut),
    summary="单位审核：同意报出或退回经办人",
)
def unit_review_decide(
    request: HttpRequest, review_id: int, payload: s.UnitReviewDecideIn
) -> dict[str, Any]:
    user = caller(request)
    review = UnitReview.objects.select_related("task").filter(pk=review_id).first()
    if review is None or user.unit_id is None or review.unit_id != user.unit_id:
        raise Http404("待审核的报送不存在。")  # as on the pages: another unit's is not named
    decided = actions.decide_unit_review(
        review=review,
        approve=payload.approve,
        reason=payload.reason,
        by=user,
        now=timezone.now(),
    )
    what = decided.get_what_display()
    detail = f"已同意，{what}已报送督查室。" if payload.approve else f"{what}已退回经办人。"
    return _review_answer(user, decided, detail)


# ---------------------------------------------------------------- statistics


@api.get("/stats", response=answers(s.StatsOut, errors=READ_ERRORS), summary="统计")
def statistics(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    now = timezone.now()
    figures = stats.counts(user)
    rates = stats.on_time(user, now=now)
    return {
        "lights": figures.lights,
        "statuses": figures.statuses,
        "on_time_since": rates.since,
        "closed": rates.overall.closed,
        "closed_on_time": rates.overall.on_time,
        "on_time_percent": rates.overall.percent,
        "overnight_this_month": stats.overnight_this_month(user, now=now),
    }
