"""`duban org load FILE`: an organisation from YAML, checked whole before anything is stored.

The file format is documented in docs/org-file.md (see src/duban/demo/county.yaml).
Units, groups and leaders are matched by code/name and updated in place, so loading a
corrected file again is safe. Every problem is reported with its line number, and a file
with any problem stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction

from duban.org.models import (
    County,
    Leader,
    Portfolio,
    Role,
    Unit,
    UnitAlias,
    UnitGroup,
    UnitKind,
    User,
)
from duban.org.pinyin import search_key


class OrgFileError(Exception):
    """The file was refused; `problems` lists every problem (Chinese, with line numbers)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line of every mapping as `__line__`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class OrgSummary:
    units: int = 0
    aliases: int = 0
    groups: int = 0
    leaders: int = 0
    users: int = 0
    problems: list[str] = field(default_factory=list)


def parse(text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark else ""
        raise OrgFileError([f"{where}YAML格式错误：{getattr(e, 'problem', e)}"]) from None
    if not isinstance(data, dict):
        raise OrgFileError(["文件内容应为包含 units、groups、leaders、users 的映射。"])
    return data


def _items(data: dict[str, Any], key: str, problems: list[str]) -> list[dict[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list):
        problems.append(f"“{key}”应为列表。")
        return []
    good = []
    for item in items:
        if isinstance(item, dict):
            good.append(item)
        else:
            problems.append(f"“{key}”中有一项不是映射：{item!r}")
    return good


def _str(
    item: dict[str, Any], key: str, what: str, problems: list[str], required: bool = True
) -> str:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"第{item['__line__']}行：{what}缺少“{key}”。")
        return ""
    return str(value).strip()


def check(data: dict[str, Any]) -> list[str]:
    """Every problem in the file, each naming its line. Empty when the file is good."""
    problems: list[str] = []
    units = _items(data, "units", problems)
    groups = _items(data, "groups", problems)
    leaders = _items(data, "leaders", problems)
    users = _items(data, "users", problems)

    codes: dict[str, int] = {}
    names: dict[str, tuple[int, str]] = {}  # every name/short/alias → (line, owner code)
    for u in units:
        line = u["__line__"]
        code = _str(u, "code", "单位", problems)
        name = _str(u, "name", "单位", problems)
        if code in codes:
            problems.append(f"第{line}行：单位代码“{code}”与第{codes[code]}行重复。")
        codes[code] = line
        kind = u.get("kind")
        if kind not in UnitKind.values:
            problems.append(f"第{line}行：单位类型“{kind}”无效，应为 {'/'.join(UnitKind.values)}。")
        aliases = u.get("aliases") or []
        if not isinstance(aliases, list):
            problems.append(f"第{line}行：aliases 应为列表。")
            aliases = []
        seen_here: set[str] = set()
        for label, raw in [("全称", name), ("简称", u.get("short"))] + [
            ("别名", a) for a in aliases
        ]:
            if not raw:
                continue
            value = str(raw).strip()
            if value in seen_here:
                continue  # a unit may list its own short name as an alias
            seen_here.add(value)
            if value in names and names[value][1] != code:
                other_line, other = names[value]
                problems.append(
                    f"第{line}行：{label}“{value}”已被第{other_line}行的单位“{other}”使用。"
                )
            else:
                names[value] = (line, code)

    problems.extend(_clashes_with_stored(units, names))

    group_names: dict[str, int] = {}
    for g in groups:
        gname = _str(g, "name", "分组", problems)
        if gname in group_names:
            problems.append(f"第{g['__line__']}行：分组“{gname}”与第{group_names[gname]}行重复。")
        group_names[gname] = g["__line__"]
        if gname in names:
            problems.append(f"第{g['__line__']}行：分组名“{gname}”与单位名称或别名重复。")
    for g in groups:
        line, sub_of = g["__line__"], g.get("name")
        for member in g.get("members") or []:
            if member not in codes:
                problems.append(f"第{line}行：分组“{sub_of}”中的单位“{member}”不存在。")
        for sub in g.get("groups") or []:
            if sub == sub_of:
                problems.append(f"第{line}行：分组“{sub_of}”不能包含自身。")
            elif sub not in group_names:
                problems.append(f"第{line}行：分组“{sub_of}”包含的分组“{sub}”不存在。")
    problems.extend(_group_cycles(groups))

    leader_codes: dict[str, int] = {}
    for ld in leaders:
        line = ld["__line__"]
        code = _str(ld, "code", "县领导", problems)
        _str(ld, "name", "县领导", problems)
        _str(ld, "title", "县领导", problems)
        if code in leader_codes:
            problems.append(f"第{line}行：县领导代码“{code}”与第{leader_codes[code]}行重复。")
        leader_codes[code] = line
        for unit in ld.get("units") or []:
            if unit not in codes:
                problems.append(f"第{line}行：县领导“{ld.get('name')}”分管的单位“{unit}”不存在。")

    usernames: dict[str, int] = {}
    for us in users:
        line = us["__line__"]
        username = _str(us, "username", "用户", problems)
        if username in usernames:
            problems.append(f"第{line}行：用户名“{username}”与第{usernames[username]}行重复。")
        usernames[username] = line
        role = us.get("role")
        if role not in Role.values:
            problems.append(f"第{line}行：角色“{role}”无效，应为 {'/'.join(Role.values)}。")
        unit = us.get("unit")
        if unit is not None and unit not in codes:
            problems.append(f"第{line}行：用户“{username}”所在单位“{unit}”不存在。")
        if role in (Role.LIAISON, Role.UNIT_HEAD) and unit is None:
            problems.append(f"第{line}行：联络员和单位负责人必须指定所在单位（unit）。")
        if role == Role.LEADER:
            if us.get("leader") not in leader_codes:
                problems.append(
                    f"第{line}行：县领导用户“{username}”的 leader“{us.get('leader')}”不存在。"
                )
        elif us.get("leader") is not None:
            problems.append(f"第{line}行：只有角色为 leader 的用户才能设置 leader。")
    return problems


def _clashes_with_stored(
    units: list[dict[str, Any]], names: dict[str, tuple[int, str]]
) -> list[str]:
    """Names in the file already used by a stored unit that the file does not redefine."""
    in_file = {str(u.get("code")) for u in units}
    stored: dict[str, str] = {}
    for code, name, short in Unit.objects.exclude(code__in=in_file).values_list(
        "code", "name", "short_name"
    ):
        stored[name] = code
        if short:
            stored[short] = code
    for code, alias in UnitAlias.objects.exclude(unit__code__in=in_file).values_list(
        "unit__code", "alias"
    ):
        stored[alias] = code
    return [
        f"第{line}行：名称“{value}”已被系统中的单位“{stored[value]}”使用。"
        for value, (line, _) in names.items()
        if value in stored
    ]


def _group_cycles(groups: list[dict[str, Any]]) -> list[str]:
    """A group that contains itself through other groups (A ⊃ B ⊃ A)."""
    edges = {
        g.get("name"): [s for s in (g.get("groups") or []) if s != g.get("name")] for g in groups
    }
    lines = {g.get("name"): g["__line__"] for g in groups}
    problems = []
    for start in edges:
        stack, seen = list(edges[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                problems.append(f"第{lines[start]}行：分组“{start}”通过其他分组包含了自身。")
                break
            if node in seen or node not in edges:
                continue
            seen.add(node)
            stack.extend(edges[node])
    return problems


def refresh_search_keys(units: Iterable[Unit]) -> None:
    """Recompute the pinyin keys of units after their names or aliases changed."""
    for unit in units:
        names = [unit.name, unit.short_name, *unit.aliases.values_list("alias", flat=True)]
        unit.search_key = search_key(n for n in names if n)
        unit.save(update_fields=["search_key"])


def load_file(path: Path, *, password: str | None = None) -> OrgSummary:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrgFileError([f"找不到文件：{path}"]) from None
    except UnicodeDecodeError:
        raise OrgFileError([f"文件不是 UTF-8 编码的文本：{path}"]) from None
    return load(parse(text), password=password)


@transaction.atomic
def load(
    data: dict[str, Any], *, password: str | None = None, must_change_password: bool = False
) -> OrgSummary:
    """Store an organisation. `password` sets new users' password (demo only); otherwise new
    users get an unusable password and an administrator sets one."""
    problems = check(data)
    if problems:
        raise OrgFileError(problems)
    summary = OrgSummary()
    # Hashed once: PBKDF2 takes ~0.3 s, and a demo county has 130 users.
    password_hash = make_password(password) if password else None
    county = str(data.get("county") or "").strip()
    if county:
        County.objects.update_or_create(pk=1, defaults={"name": county})
    by_code: dict[str, Unit] = {}
    for order, u in enumerate(data.get("units") or []):
        unit, _ = Unit.objects.update_or_create(
            code=u["code"],
            defaults={
                "name": u["name"].strip(),
                "short_name": str(u.get("short") or "").strip(),
                "kind": u["kind"],
                "order": order,
            },
        )
        by_code[unit.code] = unit
        summary.units += 1
    # Aliases are replaced wholesale so a corrected file can move an alias between units.
    UnitAlias.objects.filter(unit__in=by_code.values()).delete()
    aliases = []
    for u in data.get("units") or []:
        own = {u["name"].strip(), str(u.get("short") or "").strip()}
        for a in dict.fromkeys(str(x).strip() for x in (u.get("aliases") or [])):
            if a and a not in own:
                aliases.append(UnitAlias(unit=by_code[u["code"]], alias=a))
    UnitAlias.objects.bulk_create(aliases)
    summary.aliases = len(aliases)
    refresh_search_keys(by_code.values())

    groups: dict[str, UnitGroup] = {}
    for g in data.get("groups") or []:
        group, _ = UnitGroup.objects.get_or_create(name=g["name"])
        group.members.set([by_code[c] for c in g.get("members") or []])
        groups[group.name] = group
        summary.groups += 1
    for g in data.get("groups") or []:
        groups[g["name"]].subgroups.set([groups[s] for s in g.get("groups") or []])

    leaders: dict[str, Leader] = {}
    for order, ld in enumerate(data.get("leaders") or []):
        leader, _ = Leader.objects.update_or_create(
            code=ld["code"],
            defaults={
                "name": ld["name"],
                "title": ld["title"],
                "fields_text": str(ld.get("fields") or ""),
                "order": order,
            },
        )
        Portfolio.objects.filter(leader=leader).delete()
        Portfolio.objects.bulk_create(
            [Portfolio(leader=leader, unit=by_code[c]) for c in ld.get("units") or []]
        )
        leaders[leader.code] = leader
        summary.leaders += 1

    for us in data.get("users") or []:
        user = User.objects.filter(username=us["username"]).first() or User(username=us["username"])
        is_new = user.pk is None
        user.full_name = str(us.get("name") or "")
        if "phone" in us:
            user.phone = str(us.get("phone") or "").strip()
        user.role = us["role"]
        user.unit = by_code[us["unit"]] if us.get("unit") else None
        user.leader = leaders[us["leader"]] if us.get("leader") else None
        # Three-officers separation: only the system administrator uses the admin site.
        user.is_staff = user.role == Role.SYSADMIN
        if is_new:
            user.must_change_password = must_change_password
            if password_hash:
                user.password = password_hash
            else:
                user.set_unusable_password()
        user.save()
        summary.users += 1
    return summary


def dump() -> str:
    """The stored organisation as an org file that `load` reads back (docs/org-file.md).

    Passwords never leave the database; users come back with their role, unit and leader.
    """
    data: dict[str, Any] = {}
    county = County.current_name()
    if county:
        data["county"] = county
    aliases: dict[int, list[str]] = {}
    for unit_id, alias in UnitAlias.objects.order_by("id").values_list("unit_id", "alias"):
        aliases.setdefault(unit_id, []).append(alias)
    units = []
    for u in Unit.objects.order_by("order", "id"):
        row: dict[str, Any] = {"code": u.code, "name": u.name}
        if u.short_name:
            row["short"] = u.short_name
        row["kind"] = u.kind
        if aliases.get(u.pk):
            row["aliases"] = aliases[u.pk]
        units.append(row)
    data["units"] = units
    groups = []
    for g in UnitGroup.objects.order_by("id").prefetch_related("members", "subgroups"):
        row = {"name": g.name, "members": [m.code for m in g.members.order_by("order", "id")]}
        subs = [s.name for s in g.subgroups.order_by("id")]
        if subs:
            row["groups"] = subs
        groups.append(row)
    data["groups"] = groups
    leaders = []
    for ld in Leader.objects.order_by("order", "id"):
        row = {"code": ld.code, "name": ld.name, "title": ld.title}
        if ld.fields_text:
            row["fields"] = ld.fields_text
        row["units"] = list(
            Unit.objects.filter(portfolio__leader=ld)
            .order_by("order", "id")
            .values_list("code", flat=True)
        )
        leaders.append(row)
    data["leaders"] = leaders
    users = []
    for us in User.objects.order_by("id").select_related("unit", "leader"):
        row = {"username": us.username, "name": us.full_name, "role": us.role}
        if us.unit_id and us.unit:
            row["unit"] = us.unit.code
        if us.leader_id and us.leader:
            row["leader"] = us.leader.code
        users.append(row)
    data["users"] = users
    header = "# 组织机构文件（由督办系统导出；格式见 docs/org-file.md）\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
