"""Every refusal of the API is a JSON problem (RFC 9457): type, title, status, detail, code.

`detail` is Chinese, for the person who reads the integration's log; `code` is for the
program. A refusal about one input names it in `field` (a dotted path into the request, as
`tasks.0.lead`), and a validation error lists every field at fault in `errors`.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from duban.work.errors import ActionError, Refused

CONTENT_TYPE = "application/problem+json"

TITLES = {
    "bad_request": "请求无效",
    "unauthorized": "未认证",
    "forbidden": "无权操作",
    "not_found": "不存在",
    "method_not_allowed": "不支持的请求方法",
    "not_acceptable": "不支持的格式",
    "state_conflict": "当前状态不允许",
    "payload_too_large": "请求过大",
    "unsupported_media_type": "不支持的内容类型",
    "validation_error": "输入有误",
    "rate_limited": "调用过于频繁",
    "server_error": "服务器内部错误",
}
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "state_conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    code = code or STATUS_CODES.get(status, "bad_request")
    body: dict[str, Any] = {
        "type": f"/api/v1/problems#{code}",
        "title": TITLES.get(code, "请求无效"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def from_action(e: ActionError, *, field_prefix: str = "") -> HttpResponse:
    """Refused (who) is 403; Invalid naming an input is 422; Invalid about the state is 409."""
    field = f"{field_prefix}{e.field}" if e.field else None
    if isinstance(e, Refused):
        return problem(403, e.message, code="forbidden")
    if field:
        return problem(
            422,
            e.message,
            code="invalid_input",
            field=field,
            errors=[{"field": field, "message": e.message}],
        )
    return problem(409, e.message, code="state_conflict")


# ---------------------------------------------------------------- validation errors

LABELS = {
    "kind": "事项来源",
    "title": "标题",
    "urgency": "紧急程度",
    "doc_no": "文号",
    "issuer": "来文单位/交办方",
    "issuer_leader": "批示领导",
    "received_at": "收文时间",
    "text": "内容",
    "tasks": "任务",
    "assign": "是否立即交办",
    "content": "事项内容",
    "requirement": "质量要求",
    "lead": "牵头单位",
    "co": "配合单位",
    "leader": "牵头领导",
    "due": "完成时限",
    "cycle": "报送周期",
    "cycle_day": "报送日",
    "is_key": "重点督办",
    "reason": "理由",
    "message": "催办内容",
    "note": "备注",
    "accept": "审核结论",
    "approve": "审批结论",
    "new_due": "新时限",
    "attachments": "附件",
    "directive": "来文",
    "q": "关键词",
    "unit": "承办单位",
    "unit_role": "承办方式",
    "line": "分管领导",
    "status": "办理状态",
    "light": "亮灯",
    "due_from": "时限起始日期",
    "due_to": "时限截止日期",
    "sort": "排序",
    "page": "页码",
    "size": "每页条数",
    "after": "翻页游标",
    "before": "翻页游标",
    "id": "编号",
    "year": "年度",
}


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必须填写"
    # A constrained str behind a validator reports too_long, like a list: tell them apart.
    if kind == "string_too_long" or (kind == "too_long" and ctx.get("field_type") != "List"):
        return f"不能超过{ctx.get('max_length', '')}个字符"
    if kind == "too_long":
        return f"最多{ctx.get('max_length', '')}项"
    if kind in ("string_too_short", "too_short"):
        return "不能为空"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "须为整数"
    if kind in ("bool_parsing", "bool_type"):
        return "须为 true 或 false"
    if kind == "timezone_aware":
        return "须带时区，如 2026-03-10T09:00:00+08:00"
    if kind.startswith("datetime"):
        return "须为时间，格式如 2026-03-10T09:00:00+08:00"
    if kind.startswith("date"):
        return "须为日期，格式如 2026-03-10"
    if kind in ("greater_than_equal", "greater_than"):
        return f"须不小于{ctx.get('ge', ctx.get('gt', ''))}"
    if kind in ("less_than_equal", "less_than"):
        return f"须不大于{ctx.get('le', ctx.get('lt', ''))}"
    if kind in ("literal_error", "enum"):
        return f"取值无效，可选：{ctx.get('expected', '')}"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return "类型无效"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "不认识的字段"
    return "格式无效"


def validation_problem(raw_errors: list[dict[str, Any]]) -> HttpResponse:
    """Pydantic errors (ninja's ValidationError) as one problem naming each field in Chinese."""
    errors = []
    for e in raw_errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form")]
        loc = [p for p in loc if p not in ("payload", "data", "filters", "file", "params")]
        field = ".".join(loc) or "body"
        names = [LABELS.get(p, "") for p in loc if not p.isdigit()]
        label = next((n for n in reversed(names) if n), field)
        numbers = [p for p in loc if p.isdigit()]
        where = f"第{int(numbers[0]) + 1}项任务的" if loc[:1] == ["tasks"] and numbers else ""
        errors.append({"field": field, "message": f"{where}“{label}”{_message(e)}。"})
    detail = "；".join(e["message"].rstrip("。") for e in errors[:5]) + "。"
    first = errors[0]["field"] if errors else None
    return problem(422, detail, code="validation_error", field=first, errors=errors)
