"""The security administrator's pages (安全管理员): users' roles, the password, session and
sign-in policy, two-factor requirements, sign-in address allowlists, and active sessions.
Changes go through org.actions; no page here shows task content or edits user data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from duban.org import actions, sessions
from duban.org.errors import OrgError
from duban.org.models import ADMIN_ROLES, Leader, Role, Unit, User
from duban.org.policy import current
from duban.web.common import acting_user, roles_required

secadmin_only = roles_required(Role.SECADMIN)
ALLOWLIST_KEYS = [("*", "所有账号"), *[(r.value, r.label) for r in Role]]


@secadmin_only
def roles(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip().replace("\x00", "")[:50]
    role = request.GET.get("role", "")
    rows = User.objects.select_related("unit", "leader").order_by("role", "username")
    if q:
        rows = rows.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if role in Role.values:
        rows = rows.filter(role=role)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/admin/sec_roles.html",
        {"tab": "roles", "page": page, "q": q, "role": role, "roles": Role.choices},
    )


def _pk(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None


@secadmin_only
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User.objects.select_related("unit", "leader"), pk=pk)
    by = acting_user(request)
    error, field = "", ""
    chosen = {"role": target.role, "unit": target.unit_id, "leader": target.leader_id}
    if request.method == "POST":
        unit_id, leader_id = _pk(request.POST.get("unit")), _pk(request.POST.get("leader"))
        chosen = {"role": request.POST.get("role", ""), "unit": unit_id, "leader": leader_id}
        try:
            actions.set_role(
                by=by,
                user=target,
                role=str(chosen["role"]),
                unit=Unit.objects.filter(pk=unit_id).first() if unit_id else None,
                leader=Leader.objects.filter(pk=leader_id).first() if leader_id else None,
                request=request,
            )
        except OrgError as e:
            error, field = e.message, e.field or ""
        else:
            messages.success(
                request, f"已将{target.display}的角色设为{target.get_role_display()}。"
            )
            return redirect("secadmin_roles")
    return render(
        request,
        "web/admin/sec_role.html",
        {
            "tab": "roles",
            "target": target,
            "is_self": target.pk == by.pk,
            "roles": Role.choices,
            "admin_roles": sorted(ADMIN_ROLES),
            "units": Unit.objects.order_by("order", "id"),
            "leaders": Leader.objects.order_by("order", "id"),
            "chosen": chosen,
            "error": error,
            "field": field,
        },
    )


@secadmin_only
@require_POST
def mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    n = actions.reset_two_factor(by=acting_user(request), user=target, request=request)
    messages.success(
        request, f"已重置{target.display}的双因素认证（{n}个设备），其下次登录时重新设置。"
    )
    return redirect("secadmin_role", pk=pk)


def _int(raw: Any) -> int | None:
    raw = str(raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 7 else None


@secadmin_only
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    now = current()
    values: dict[str, Any] = {name: getattr(now, name) for name in actions.POLICY_FIELDS}
    mfa_roles = set(now.mfa_roles)
    lists = {key: "\n".join(now.ip_allowlists.get(key, [])) for key, _ in ALLOWLIST_KEYS}
    error, field = "", ""
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in actions.POLICY_FIELDS}
        mfa_roles = {r for r in request.POST.getlist("mfa_roles") if r in Role.values}
        lists = {key: request.POST.get(f"ip_{key}", "") for key, _ in ALLOWLIST_KEYS}
        parsed = {name: _int(v) for name, v in values.items()}
        bad = next((n for n, v in parsed.items() if v is None), None)
        if bad:
            low, high, label = actions.POLICY_FIELDS[bad]
            error, field = f"{label}须为{low}至{high}之间的整数。", bad
        else:
            try:
                actions.set_policy(
                    by=acting_user(request),
                    values={k: v for k, v in parsed.items() if v is not None},
                    mfa_roles=mfa_roles,
                    ip_allowlists={
                        key: [line for line in text.replace("，", "\n").split() if line]
                        for key, text in lists.items()
                    },
                    request=request,
                )
            except OrgError as e:
                error, field = e.message, e.field or ""
            else:
                messages.success(request, "安全策略已保存，立即生效。")
                return redirect("secadmin_policy")
    rows = [
        (name, label, low, high, values[name])
        for name, (low, high, label) in actions.POLICY_FIELDS.items()
    ]
    return render(
        request,
        "web/admin/sec_policy.html",
        {
            "tab": "policy",
            "rows": rows,
            "roles": Role.choices,
            "mfa_roles": mfa_roles,
            "lists": [(key, label, lists.get(key, "")) for key, label in ALLOWLIST_KEYS],
            "error": error,
            "field": field,
        },
    )


@secadmin_only
def session_list(request: HttpRequest) -> HttpResponse:
    rows = sessions.active_sessions()
    people = User.objects.in_bulk([s.user_id for s in rows])
    return render(
        request,
        "web/admin/sec_sessions.html",
        {
            "tab": "sessions",
            "rows": [(s, people.get(s.user_id)) for s in rows],
            "mine": request.session.session_key,
        },
    )


@secadmin_only
@require_POST
def session_end(request: HttpRequest) -> HttpResponse:
    ref = request.POST.get("ref", "")[:64]
    if request.session.session_key and ref == sessions.ref_of(request.session.session_key):
        messages.error(request, "不能强制下线当前会话，请用“退出”。")
        return redirect("secadmin_sessions")
    try:
        actions.end_session(by=acting_user(request), ref=ref, request=request)
    except OrgError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已强制下线。")
    return redirect("secadmin_sessions")
