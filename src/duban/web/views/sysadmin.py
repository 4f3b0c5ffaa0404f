"""The system administrator's pages (系统管理员): accounts, units, aliases, groups, leaders
and their lines, and the org file. Every change goes through org.actions; this module only
reads forms and shows the organisation (no task, report or attachment is ever read here).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from duban.org import actions
from duban.org.errors import OrgError
from duban.org.loader import OrgFileError
from duban.org.models import Leader, Role, Unit, UnitAlias, UnitGroup, UnitKind, User
from duban.web.common import acting_user, roles_required

sysadmin_only = roles_required(Role.SYSADMIN)
MAX_ORG_FILE = 2 * 1024 * 1024


def _units() -> list[Unit]:
    return list(Unit.objects.order_by("order", "id"))


def _unit_choice(required: bool = True) -> forms.ModelChoiceField[Unit]:
    return forms.ModelChoiceField(
        label="所在单位",
        queryset=Unit.objects.order_by("order", "id"),
        required=required,
        empty_label="（请选择）",
        error_messages={"required": "请选择所在单位。", "invalid_choice": "所选单位不存在。"},
    )


def _show(form: forms.Form, e: OrgError) -> None:
    form.add_error(e.field if e.field in form.fields else None, e.message)


def _locked_usernames() -> set[str]:
    from axes.models import AccessAttempt

    from duban.org.policy import current

    policy = current()
    cutoff = timezone.now() - policy.lockout_time
    return set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=policy.lockout_threshold, attempt_time__gte=cutoff
        ).values_list("username", flat=True)
    )


# ---------------------------------------------------------------- users


@sysadmin_only
def users(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip().replace("\x00", "")[:50]
    unit_id = request.GET.get("unit", "")
    state = request.GET.get("state", "")
    rows = User.objects.select_related("unit").order_by("unit__order", "username")
    if q:
        rows = rows.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if unit_id.isdigit() and len(unit_id) < 12:
        rows = rows.filter(unit_id=int(unit_id))
    locked = _locked_usernames()
    if state == "inactive":
        rows = rows.filter(is_active=False)
    elif state == "locked":
        rows = rows.filter(username__in=locked)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/admin/sys_users.html",
        {
            "tab": "users",
            "page": page,
            "locked": locked,
            "units": _units(),
            "q": q,
            "unit_id": unit_id,
            "state": state,
        },
    )


class NewUserForm(forms.Form):
    username = forms.CharField(label="用户名（登录名）", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    unit = _unit_choice()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "请填写用户名。"
        self.fields["full_name"].error_messages["required"] = "请填写姓名。"
        self.fields["unit"].queryset = Unit.objects.order_by("order", "id")  # type: ignore[attr-defined]


@sysadmin_only
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = actions.create_user(
                by=acting_user(request),
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                unit=form.cleaned_data["unit"],
                request=request,
            )
        except OrgError as e:
            _show(form, e)
        else:
            return render(
                request,
                "web/admin/sys_password.html",
                {"tab": "users", "target": user, "password": password, "created": True},
            )
    return render(request, "web/admin/sys_user_new.html", {"tab": "users", "form": form})


class EditUserForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    unit = _unit_choice(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].error_messages["required"] = "请填写姓名。"
        self.fields["unit"].queryset = Unit.objects.order_by("order", "id")  # type: ignore[attr-defined]


@sysadmin_only
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User.objects.select_related("unit", "leader"), pk=pk)
    by = acting_user(request)
    form = EditUserForm(
        request.POST or None, initial={"full_name": target.full_name, "unit": target.unit}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_user(
                by=by, user=target, full_name=form.cleaned_data["full_name"], request=request
            )
            actions.move_user(by=by, user=target, unit=form.cleaned_data["unit"], request=request)
        except OrgError as e:
            _show(form, e)
        else:
            messages.success(request, "已保存。")
            return redirect("sysadmin_user", pk=target.pk)
    return render(
        request,
        "web/admin/sys_user.html",
        {
            "tab": "users",
            "target": target,
            "form": form,
            "locked": actions.is_locked(target),
            "is_self": target.pk == by.pk,
        },
    )


@sysadmin_only
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        actions.set_active(by=acting_user(request), user=target, active=active, request=request)
    except OrgError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "账号已启用。" if active else "账号已停用，其登录会话已结束。")
    return redirect("sysadmin_user", pk=pk)


@sysadmin_only
@require_POST
def user_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    try:
        password = actions.reset_password(by=acting_user(request), user=target, request=request)
    except OrgError as e:
        messages.error(request, e.message)
        return redirect("sysadmin_user", pk=pk)
    return render(
        request,
        "web/admin/sys_password.html",
        {"tab": "users", "target": target, "password": password, "created": False},
    )


@sysadmin_only
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    actions.unlock_user(by=acting_user(request), user=target, request=request)
    messages.success(request, f"已解锁{target.display}，可以重新登录。")
    return redirect("sysadmin_user", pk=pk)


# ---------------------------------------------------------------- units and aliases


class UnitForm(forms.Form):
    code = forms.CharField(label="单位代码（英文，如 fgj）", max_length=40)
    name = forms.CharField(label="全称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    kind = forms.ChoiceField(label="类型", choices=UnitKind.choices)
    is_active = forms.BooleanField(label="在用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages["required"] = f"请填写{f.label}。"
        self.fields["kind"].error_messages["invalid_choice"] = "请选择单位类型。"


def _save_unit(request: HttpRequest, form: UnitForm, unit: Unit | None) -> Unit | None:
    try:
        return actions.save_unit(
            by=acting_user(request), unit=unit, request=request, **form.cleaned_data
        )
    except OrgError as e:
        _show(form, e)
        return None


@sysadmin_only
@require_http_methods(["GET", "POST"])
def units(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = _save_unit(request, form, None)
        if unit is not None:
            messages.success(request, f"已新建单位“{unit.name}”。")
            return redirect("sysadmin_unit", pk=unit.pk)
    rows = Unit.objects.prefetch_related("aliases").order_by("order", "id")
    return render(
        request, "web/admin/sys_units.html", {"tab": "units", "units": rows, "form": form}
    )


@sysadmin_only
@require_http_methods(["GET", "POST"])
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    initial = {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "is_active": unit.is_active,
    }
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save_unit(request, form, unit):
        messages.success(request, "已保存。")
        return redirect("sysadmin_unit", pk=unit.pk)
    return render(
        request,
        "web/admin/sys_unit.html",
        {
            "tab": "units",
            "unit": unit,
            "form": form,
            "aliases": unit.aliases.order_by("alias"),
            "alias_error": "",
            "people": unit.users.order_by("username"),
        },
    )


@sysadmin_only
@require_POST
def alias_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    try:
        actions.add_alias(
            by=acting_user(request), unit=unit, alias=request.POST.get("alias", ""), request=request
        )
    except OrgError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "别名已添加。")
    return redirect("sysadmin_unit", pk=unit.pk)


@sysadmin_only
@require_POST
def alias_remove(request: HttpRequest, pk: int) -> HttpResponse:
    alias = get_object_or_404(UnitAlias, pk=pk)
    unit_id = alias.unit_id
    actions.remove_alias(by=acting_user(request), alias=alias, request=request)
    messages.success(request, "别名已删除。")
    return redirect("sysadmin_unit", pk=unit_id)


# ---------------------------------------------------------------- groups


def _picked(request: HttpRequest, name: str, model: type[Any]) -> list[Any]:
    ids = [int(v) for v in request.POST.getlist(name) if v.isdigit() and len(v) < 12]
    return list(model.objects.filter(pk__in=ids))


@sysadmin_only
def groups(request: HttpRequest) -> HttpResponse:
    rows = UnitGroup.objects.prefetch_related("members", "subgroups").order_by("name")
    return render(request, "web/admin/sys_groups.html", {"tab": "groups", "groups": rows})


@sysadmin_only
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(UnitGroup, pk=pk) if pk else None
    error, field = "", ""
    name = group.name if group else ""
    member_ids = set(group.members.values_list("id", flat=True)) if group else set()
    sub_ids = set(group.subgroups.values_list("id", flat=True)) if group else set()
    if request.method == "POST":
        name = request.POST.get("name", "")
        members = _picked(request, "members", Unit)
        subs = _picked(request, "subgroups", UnitGroup)
        member_ids, sub_ids = {u.pk for u in members}, {g.pk for g in subs}
        try:
            group = actions.save_group(
                by=acting_user(request),
                group=group,
                name=name,
                members=members,
                subgroups=subs,
                request=request,
            )
        except OrgError as e:
            error, field = e.message, e.field or ""
        else:
            messages.success(request, f"分组“{group.name}”已保存。")
            return redirect("sysadmin_groups")
    others = UnitGroup.objects.order_by("name")
    if group is not None:
        others = others.exclude(pk=group.pk)
    return render(
        request,
        "web/admin/sys_group.html",
        {
            "tab": "groups",
            "group": group,
            "name": name,
            "units": _units(),
            "member_ids": member_ids,
            "others": others,
            "sub_ids": sub_ids,
            "error": error,
            "field": field,
        },
    )


# ---------------------------------------------------------------- leaders and lines


@sysadmin_only
def leaders(request: HttpRequest) -> HttpResponse:
    rows = Leader.objects.prefetch_related("units").select_related("user").order_by("order", "id")
    return render(request, "web/admin/sys_leaders.html", {"tab": "leaders", "leaders": rows})


class LeaderForm(forms.Form):
    code = forms.CharField(label="代码（英文，如 zhangsan）", max_length=40)
    name = forms.CharField(label="姓名", max_length=50)
    title = forms.CharField(label="职务", max_length=50)
    fields_text = forms.CharField(label="分管领域", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages["required"] = f"请填写{f.label}。"


@sysadmin_only
@require_http_methods(["GET", "POST"])
def leader_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    leader = get_object_or_404(Leader, pk=pk) if pk else None
    initial = (
        {
            "code": leader.code,
            "name": leader.name,
            "title": leader.title,
            "fields_text": leader.fields_text,
        }
        if leader
        else {}
    )
    form = LeaderForm(request.POST or None, initial=initial)
    line_ids = set(leader.units.values_list("id", flat=True)) if leader else set()
    if request.method == "POST":
        picked = _picked(request, "units", Unit)
        line_ids = {u.pk for u in picked}
        if form.is_valid():
            try:
                leader = actions.save_leader(
                    by=acting_user(request),
                    leader=leader,
                    units=picked,
                    request=request,
                    **form.cleaned_data,
                )
            except OrgError as e:
                _show(form, e)
            else:
                messages.success(request, f"{leader}及其分管单位已保存。")
                return redirect("sysadmin_leaders")
    return render(
        request,
        "web/admin/sys_leader.html",
        {"tab": "leaders", "leader": leader, "form": form, "units": _units(), "line_ids": line_ids},
    )


# ---------------------------------------------------------------- org file


@sysadmin_only
@require_http_methods(["GET", "POST"])
def org_file(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = ["请选择要导入的组织机构文件（.yaml）。"]
        elif upload.size is not None and upload.size > MAX_ORG_FILE:
            problems = ["文件超过2MB，不像组织机构文件，请检查。"]
        else:
            try:
                text = upload.read().decode("utf-8")
                summary = actions.import_org(by=acting_user(request), text=text, request=request)
            except UnicodeDecodeError:
                problems = ["文件不是 UTF-8 编码的文本。"]
            except OrgFileError as e:
                problems = e.problems
            else:
                messages.success(
                    request,
                    f"已导入：单位{summary.units}个（别名{summary.aliases}个），分组{summary.groups}个，"
                    f"县领导{summary.leaders}位，用户{summary.users}个。新用户须由系统管理员重置密码后登录。",
                )
                return redirect("sysadmin_org")
    return render(request, "web/admin/sys_org.html", {"tab": "org", "problems": problems})


@sysadmin_only
def org_export(request: HttpRequest) -> HttpResponse:
    text = actions.export_org(by=acting_user(request), request=request)
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="org-{stamp}.yaml"'
    return response
