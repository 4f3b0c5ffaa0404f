"""Every change to the organisation, the accounts and the security policy (one write path).

The sysadmin manages units, aliases, groups, leaders and their lines, and accounts
(create, disable, move, reset password, unlock, org file); the secadmin manages roles, the
policy and sessions (三员分立, 等保 8.1.5). Each action checks the actor's role first (a
refusal is logged and raises `OrgRefused`), then changes state and appends its access-log
row in ONE transaction, so a change without its log row cannot be stored.
"""

from __future__ import annotations

import ipaddress
import secrets
import string
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from duban.audit.access import record, record_admin
from duban.audit.models import AccessKind
from duban.org import sessions
from duban.org.errors import OrgError, OrgRefused
from duban.org.loader import OrgFileError, OrgSummary, dump, load, parse, refresh_search_keys
from duban.org.models import (
    ADMIN_ROLES,
    Leader,
    PasswordHistory,
    Portfolio,
    Role,
    SecurityPolicy,
    Unit,
    UnitAlias,
    UnitGroup,
    UnitKind,
    User,
)
from duban.org.policy import current

BUSINESS_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD)


def _require(by: User, role: str, what: str) -> None:
    if not by.is_active or by.role != role:
        record(
            AccessKind.REFUSED,
            user=by,
            detail=f"{what}: needs {role}, actor is {by.role}",
        )
        raise OrgRefused(f"只有{Role(role).label}可以{what}。")


def _text(value: str, label: str, field: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise OrgError(f"{label}含有无效字符。", field=field)
    if required and not value:
        raise OrgError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise OrgError(f"{label}不能超过{max_length}个字。", field=field)
    return value


# ---------------------------------------------------------------- passwords


def temporary_password() -> str:
    """A one-time password that meets any policy: 14 characters of all four classes."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(11))
        pw = secrets.choice(string.ascii_uppercase) + core + secrets.choice("@#%+=") + "7"
        if any(c.islower() for c in pw):
            return pw


def _store_password(user: User, raw: str, *, now: datetime, must_change: bool) -> None:
    if user.password and user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password, at=now)
    user.set_password(raw)
    user.password_changed_at = now
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])


def change_password(
    *, user: User, old: str, new: str, request: Any = None, now: datetime | None = None
) -> None:
    """The user's own change: the old password, then every rule of the policy."""
    now = now or timezone.now()
    if not user.check_password(old):
        raise OrgError("原密码不正确。", field="old_password")
    if new == old:
        raise OrgError("新密码不能与原密码相同。", field="new_password1")
    try:
        validate_password(new, user)
    except ValidationError as e:
        raise OrgError("；".join(e.messages), field="new_password1") from None
    with transaction.atomic():
        _store_password(user, new, now=now, must_change=False)
        record(AccessKind.PASSWORD, user=user, target=f"user:{user.username}", request=request)


def password_expired(user: User, *, now: datetime | None = None) -> bool:
    days = current().expiry_days
    if not days:
        return False
    since = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - since > timedelta(days=days)


# ---------------------------------------------------------------- accounts (sysadmin)


def create_user(
    *,
    by: User,
    username: str,
    full_name: str,
    unit: Unit,
    now: datetime | None = None,
    request: Any = None,
) -> tuple[User, str]:
    """A new liaison of `unit` with a one-time password; the secadmin gives other roles."""
    _require(by, Role.SYSADMIN, "新建用户")
    now = now or timezone.now()
    username = _text(username, "用户名", "username", max_length=150)
    if any(c.isspace() for c in username):
        raise OrgError("用户名不能包含空格。", field="username")
    full_name = _text(full_name, "姓名", "full_name", max_length=50)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise OrgError(f"用户名“{username}”已被使用。", field="username")
        user = User(
            username=username,
            full_name=full_name,
            role=Role.LIAISON,
            unit=unit,
            date_joined=now,
            must_change_password=True,
        )
        password = temporary_password()
        user.set_password(password)
        user.password_changed_at = now
        user.save()
        record_admin(
            by=by,
            what="新建用户",
            target=f"user:{username}",
            changes={"姓名": full_name, "单位": unit.name, "角色": Role.LIAISON.label},
            request=request,
        )
    return user, password


def update_user(*, by: User, user: User, full_name: str, request: Any = None) -> None:
    _require(by, Role.SYSADMIN, "修改用户信息")
    full_name = _text(full_name, "姓名", "full_name", max_length=50)
    if full_name == user.full_name:
        return
    with transaction.atomic():
        old = user.full_name
        user.full_name = full_name
        user.save(update_fields=["full_name"])
        record_admin(
            by=by,
            what="修改姓名",
            target=f"user:{user.username}",
            changes={"姓名": [old, full_name]},
            request=request,
        )


def move_user(*, by: User, user: User, unit: Unit | None, request: Any = None) -> None:
    _require(by, Role.SYSADMIN, "调整用户所在单位")
    if user.role in (Role.LIAISON, Role.UNIT_HEAD) and unit is None:
        raise OrgError("联络员和单位负责人必须属于一个单位。", field="unit")
    if unit == user.unit:
        return
    with transaction.atomic():
        old = user.unit.name if user.unit else ""
        user.unit = unit
        user.save(update_fields=["unit"])
        # The user's open pages showed the old unit's tasks: sign them out.
        sessions.end_sessions_of(user.pk)
        record_admin(
            by=by,
            what="调整所在单位",
            target=f"user:{user.username}",
            changes={"单位": [old, unit.name if unit else ""]},
            request=request,
        )


def set_active(*, by: User, user: User, active: bool, request: Any = None) -> None:
    _require(by, Role.SYSADMIN, "停用或启用用户")
    if user.pk == by.pk:
        raise OrgError("不能停用自己的账号。", field="is_active")
    if user.is_active == active:
        return
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        ended = 0 if active else sessions.end_sessions_of(user.pk)  # ASVS 7.4.2
        record_admin(
            by=by,
            what="启用用户" if active else "停用用户",
            target=f"user:{user.username}",
            changes={"结束会话": ended} if ended else None,
            request=request,
        )


def reset_password(
    *, by: User, user: User, now: datetime | None = None, request: Any = None
) -> str:
    """A one-time password; the user must change it at the next sign-in."""
    _require(by, Role.SYSADMIN, "重置密码")
    if user.pk == by.pk:
        raise OrgError("不能重置自己的密码，请在“修改密码”中修改。")
    now = now or timezone.now()
    password = temporary_password()
    with transaction.atomic():
        _store_password(user, password, now=now, must_change=True)
        sessions.end_sessions_of(user.pk)
        _axes_reset(user.username)
        record_admin(by=by, what="重置密码", target=f"user:{user.username}", request=request)
    return password


def _axes_reset(username: str) -> int:
    from axes.utils import reset

    return int(reset(username=username) or 0)


def is_locked(user: User) -> bool:
    from axes.models import AccessAttempt

    cutoff = timezone.now() - current().lockout_time
    limit = current().lockout_threshold
    return bool(
        AccessAttempt.objects.filter(
            username=user.username, failures_since_start__gte=limit, attempt_time__gte=cutoff
        ).exists()
    )


def unlock_user(*, by: User, user: User, request: Any = None) -> int:
    """Clear the failed sign-ins that locked the account (django-axes)."""
    _require(by, Role.SYSADMIN, "解锁账号")
    with transaction.atomic():
        cleared = _axes_reset(user.username)
        record_admin(
            by=by,
            what="解锁账号",
            target=f"user:{user.username}",
            changes={"清除失败记录": cleared},
            request=request,
        )
    return cleared


# ---------------------------------------------------------------- units, aliases, groups, leaders


def _name_taken(value: str, *, except_unit: Unit | None = None) -> bool:
    units = Unit.objects.all()
    aliases = UnitAlias.objects.all()
    if except_unit is not None:
        units = units.exclude(pk=except_unit.pk)
        aliases = aliases.exclude(unit=except_unit)
    return (
        units.filter(name=value).exists()
        or units.filter(short_name=value).exists()
        or aliases.filter(alias=value).exists()
        or UnitGroup.objects.filter(name=value).exists()
    )


def save_unit(
    *,
    by: User,
    unit: Unit | None,
    code: str,
    name: str,
    short_name: str,
    kind: str,
    is_active: bool = True,
    request: Any = None,
) -> Unit:
    """Create (unit=None) or edit a unit. Names are unique across units, aliases, groups."""
    _require(by, Role.SYSADMIN, "管理单位")
    code = _text(code, "单位代码", "code", max_length=40)
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise OrgError("单位代码只能由英文字母、数字、“-”和“_”组成。", field="code")
    name = _text(name, "单位全称", "name", max_length=100)
    short_name = _text(short_name, "简称", "short_name", max_length=50, required=False)
    if kind not in UnitKind.values:
        raise OrgError("请选择单位类型。", field="kind")
    with transaction.atomic():
        if Unit.objects.filter(code=code).exclude(pk=unit.pk if unit else 0).exists():
            raise OrgError(f"单位代码“{code}”已被使用。", field="code")
        for value, field in ((name, "name"), (short_name, "short_name")):
            if value and _name_taken(value, except_unit=unit):
                raise OrgError(f"名称“{value}”已被其他单位或分组使用。", field=field)
        old = (
            {"代码": unit.code, "全称": unit.name, "简称": unit.short_name, "在用": unit.is_active}
            if unit
            else {}
        )
        is_new = unit is None
        if unit is None:
            last = Unit.objects.order_by("-order").values_list("order", flat=True).first()
            unit = Unit(order=(last or 0) + 1)
        unit.code, unit.name, unit.short_name = code, name, short_name
        unit.kind, unit.is_active = kind, is_active
        unit.save()
        refresh_search_keys([unit])
        new = {"代码": code, "全称": name, "简称": short_name, "在用": is_active}
        changes = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
        record_admin(
            by=by,
            what="新建单位" if is_new else "修改单位",
            target=f"unit:{code}",
            changes=changes,
            request=request,
        )
    return unit


def add_alias(*, by: User, unit: Unit, alias: str, request: Any = None) -> UnitAlias:
    _require(by, Role.SYSADMIN, "添加单位别名")
    alias = _text(alias, "别名", "alias", max_length=100)
    with transaction.atomic():
        if (
            alias in (unit.name, unit.short_name)
            or UnitAlias.objects.filter(unit=unit, alias=alias).exists()
        ):
            raise OrgError(f"“{alias}”已是该单位的名称或别名。", field="alias")
        if _name_taken(alias):
            raise OrgError(f"“{alias}”已被其他单位或分组使用。", field="alias")
        row = UnitAlias.objects.create(unit=unit, alias=alias)
        refresh_search_keys([unit])
        record_admin(
            by=by,
            what="添加别名",
            target=f"unit:{unit.code}",
            changes={"别名": alias},
            request=request,
        )
    return row


def remove_alias(*, by: User, alias: UnitAlias, request: Any = None) -> None:
    _require(by, Role.SYSADMIN, "删除单位别名")
    with transaction.atomic():
        unit, text = alias.unit, alias.alias
        alias.delete()
        refresh_search_keys([unit])
        record_admin(
            by=by,
            what="删除别名",
            target=f"unit:{unit.code}",
            changes={"别名": text},
            request=request,
        )


def save_group(
    *,
    by: User,
    group: UnitGroup | None,
    name: str,
    members: Iterable[Unit],
    subgroups: Iterable[UnitGroup] = (),
    request: Any = None,
) -> UnitGroup:
    _require(by, Role.SYSADMIN, "管理单位分组")
    name = _text(name, "分组名称", "name", max_length=100)
    members, subgroups = list(members), list(subgroups)
    with transaction.atomic():
        clash = UnitGroup.objects.filter(name=name).exclude(pk=group.pk if group else 0)
        if clash.exists() or (_name_taken(name) and not (group and group.name == name)):
            raise OrgError(f"名称“{name}”已被其他分组或单位使用。", field="name")
        if group is not None and _reaches(subgroups, group):
            raise OrgError("分组不能通过其他分组包含自身。", field="subgroups")
        is_new = group is None
        old_members = sorted(group.members.values_list("code", flat=True)) if group else []
        group = group or UnitGroup()
        old_name = group.name
        group.name = name
        group.save()
        group.members.set(members)
        group.subgroups.set(subgroups)
        record_admin(
            by=by,
            what="新建分组" if is_new else "修改分组",
            target=f"group:{name}",
            changes={
                "名称": [old_name, name],
                "成员": [old_members, sorted(u.code for u in members)],
                "包含分组": sorted(g.name for g in subgroups),
            },
            request=request,
        )
    return group


def _reaches(subgroups: list[UnitGroup], target: UnitGroup) -> bool:
    stack, seen = list(subgroups), set()
    while stack:
        g = stack.pop()
        if g.pk == target.pk:
            return True
        if g.pk in seen:
            continue
        seen.add(g.pk)
        stack.extend(g.subgroups.all())
    return False


def save_leader(
    *,
    by: User,
    leader: Leader | None,
    code: str,
    name: str,
    title: str,
    fields_text: str,
    units: Iterable[Unit],
    request: Any = None,
) -> Leader:
    """Create or edit a county leader and their line (分管单位)."""
    _require(by, Role.SYSADMIN, "管理县领导及分管")
    code = _text(code, "代码", "code", max_length=40)
    name = _text(name, "姓名", "name", max_length=50)
    title = _text(title, "职务", "title", max_length=50)
    fields_text = _text(fields_text, "分管领域", "fields_text", max_length=300, required=False)
    units = list(units)
    with transaction.atomic():
        if Leader.objects.filter(code=code).exclude(pk=leader.pk if leader else 0).exists():
            raise OrgError(f"代码“{code}”已被使用。", field="code")
        is_new = leader is None
        old_units = sorted(leader.units.values_list("code", flat=True)) if leader else []
        if leader is None:
            last = Leader.objects.order_by("-order").values_list("order", flat=True).first()
            leader = Leader(order=(last or 0) + 1)
        leader.code, leader.name, leader.title, leader.fields_text = code, name, title, fields_text
        leader.save()
        Portfolio.objects.filter(leader=leader).exclude(unit__in=units).delete()
        have = set(Portfolio.objects.filter(leader=leader).values_list("unit_id", flat=True))
        Portfolio.objects.bulk_create(
            [Portfolio(leader=leader, unit=u) for u in units if u.pk not in have]
        )
        record_admin(
            by=by,
            what="新建县领导" if is_new else "修改县领导",
            target=f"leader:{code}",
            changes={
                "姓名": name,
                "职务": title,
                "分管单位": [old_units, sorted(u.code for u in units)],
            },
            request=request,
        )
    return leader


# ---------------------------------------------------------------- org file (sysadmin)


def import_org(*, by: User, text: str, request: Any = None) -> OrgSummary:
    """Load an org file from the sysadmin's page. Roles are the secadmin's: the file may
    add liaisons and unit heads, but may not give or change any other role."""
    _require(by, Role.SYSADMIN, "导入组织机构文件")
    data = parse(text)
    problems = []
    stored = dict(User.objects.values_list("username", "role"))
    for us in data.get("users") or []:
        if not isinstance(us, dict):
            continue
        name, role = us.get("username"), us.get("role")
        line = us.get("__line__")
        if name in stored and stored[name] != role:
            problems.append(
                f"第{line}行：用户“{name}”的角色与系统中不同；角色由安全管理员在“角色”页设置。"
            )
        elif name not in stored and role not in (Role.LIAISON, Role.UNIT_HEAD):
            problems.append(
                f"第{line}行：新用户“{name}”只能是联络员或单位负责人；其他角色由安全管理员设置。"
            )
    if problems:
        raise OrgFileError(problems)
    with transaction.atomic():
        summary = load(data, must_change_password=True)
        record_admin(
            by=by,
            what="导入组织机构文件",
            target="org",
            changes={
                "单位": summary.units,
                "别名": summary.aliases,
                "分组": summary.groups,
                "县领导": summary.leaders,
                "用户": summary.users,
            },
            request=request,
        )
    return summary


def export_org(*, by: User, request: Any = None) -> str:
    _require(by, Role.SYSADMIN, "导出组织机构文件")
    text = dump()
    record(AccessKind.EXPORT, user=by, target="org", detail="组织机构文件", request=request)
    return text


# ------------------------------------------------------ roles, policy, sessions (secadmin)


def set_role(
    *,
    by: User,
    user: User,
    role: str,
    unit: Unit | None = None,
    leader: Leader | None = None,
    request: Any = None,
) -> None:
    """Give a user their one role. The secadmin never changes their own role."""
    _require(by, Role.SECADMIN, "设置用户角色")
    if user.pk == by.pk:
        raise OrgRefused("不能修改自己的角色。")
    if role not in Role.values:
        raise OrgError("请选择角色。", field="role")
    if role in (Role.LIAISON, Role.UNIT_HEAD) and unit is None:
        raise OrgError("联络员和单位负责人须选择所在单位。", field="unit")
    if role == Role.LEADER and leader is None:
        raise OrgError("县领导角色须选择对应的县领导。", field="leader")
    if role != Role.LEADER:
        leader = None
    with transaction.atomic():
        if leader is not None and User.objects.filter(leader=leader).exclude(pk=user.pk).exists():
            raise OrgError(f"{leader}已有对应的账号。", field="leader")
        old = {"角色": user.get_role_display(), "单位": user.unit.name if user.unit else ""}
        user.role = role
        if role in (Role.LIAISON, Role.UNIT_HEAD) or unit is not None:
            user.unit = unit
        user.leader = leader
        user.is_staff = role == Role.SYSADMIN
        user.save(update_fields=["role", "unit", "leader", "is_staff"])
        # New rights apply from a fresh sign-in (and a new 2FA requirement with them).
        ended = sessions.end_sessions_of(user.pk)
        record_admin(
            by=by,
            what="设置角色",
            target=f"user:{user.username}",
            changes={
                "角色": [old["角色"], Role(role).label],
                "单位": [old["单位"], user.unit.name if user.unit else ""],
                "县领导": str(leader) if leader else "",
                "结束会话": ended,
            },
            request=request,
        )


POLICY_FIELDS = {
    "min_length": (8, 64, "密码最短长度"),
    "min_classes": (1, 4, "密码字符类别数"),
    "expiry_days": (0, 365, "密码有效期"),
    "history_count": (0, 24, "密码历史次数"),
    "idle_minutes": (1, 240, "空闲超时"),
    "absolute_hours": (1, 72, "会话最长时间"),
    "lockout_threshold": (3, 20, "锁定阈值"),
    "lockout_minutes": (1, 1440, "锁定时长"),
    "ip_failure_limit": (5, 1000, "同一地址失败次数上限"),
}


def set_policy(
    *,
    by: User,
    values: dict[str, int],
    mfa_roles: Iterable[str],
    ip_allowlists: dict[str, list[str]],
    now: datetime | None = None,
    request: Any = None,
) -> SecurityPolicy:
    """Store the password, session and sign-in policy; the access log keeps old and new."""
    _require(by, Role.SECADMIN, "设置安全策略")
    now = now or timezone.now()
    for name, (low, high, label) in POLICY_FIELDS.items():
        v = values.get(name)
        if not isinstance(v, int) or not low <= v <= high:
            raise OrgError(f"{label}须在{low}至{high}之间。", field=name)
    roles = sorted(set(mfa_roles))
    if any(r not in Role.values for r in roles):
        raise OrgError("双因素认证的角色无效。", field="mfa_roles")
    lists: dict[str, list[str]] = {}
    for key, nets in ip_allowlists.items():
        if key != "*" and key not in Role.values:
            raise OrgError("白名单的角色无效。", field=f"ip_{key}")
        clean = []
        for net in nets:
            try:
                clean.append(str(ipaddress.ip_network(net.strip(), strict=False)))
            except ValueError:
                raise OrgError(
                    f"“{net}”不是有效的地址或网段（例：10.1.2.0/24）。", field=f"ip_{key}"
                ) from None
        if clean:
            lists[key] = clean
    with transaction.atomic():
        row = SecurityPolicy.objects.select_for_update().filter(pk=1).first()
        before = current()
        row = row or SecurityPolicy(pk=1)
        for name in POLICY_FIELDS:
            setattr(row, name, values[name])
        row.mfa_roles = roles
        row.ip_allowlists = lists
        row.updated_at = now
        row.save()
        changes: dict[str, Any] = {
            name: [getattr(before, name), values[name]]
            for name in POLICY_FIELDS
            if getattr(before, name) != values[name]
        }
        if sorted(before.mfa_roles) != roles:
            changes["mfa_roles"] = [sorted(before.mfa_roles), roles]
        if before.ip_allowlists != lists:
            changes["ip_allowlists"] = [before.ip_allowlists, lists]
        record_admin(by=by, what="设置安全策略", target="policy", changes=changes, request=request)
    return row


def end_session(*, by: User, ref: str, request: Any = None) -> None:
    """Force one session to sign out (ASVS 7.4.5); `ref` is sessions.ref_of(key)."""
    _require(by, Role.SECADMIN, "强制下线")
    with transaction.atomic():
        uid = sessions.end_session(ref)
        if uid is None:
            raise OrgError("该会话已结束。")
        name = User.objects.filter(pk=uid).values_list("username", flat=True).first() or ""
        record_admin(by=by, what="强制下线", target=f"user:{name}", request=request)


def reset_two_factor(*, by: User, user: User, request: Any = None) -> int:
    """Remove a user's authenticator and recovery codes (a lost phone); they enrol again."""
    _require(by, Role.SECADMIN, "重置双因素认证")
    from django_otp import devices_for_user

    with transaction.atomic():
        n = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            n += 1
        sessions.end_sessions_of(user.pk)
        record_admin(
            by=by,
            what="重置双因素认证",
            target=f"user:{user.username}",
            changes={"设备": n},
            request=request,
        )
    return n


def is_admin_role(role: str) -> bool:
    return role in ADMIN_ROLES
