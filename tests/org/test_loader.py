"""`duban org load FILE`: a good file loads, loads again unchanged, and a bad one stores nothing.

Every refusal must name the line of the offending entry and the offending value, so an office
clerk can fix the file without reading code.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from duban.org.loader import OrgFileError, load_file
from duban.org.models import Leader, Portfolio, Role, Unit, UnitAlias, UnitGroup, User
from duban.org.selectors import expand_group, line_units, resolve_units

pytestmark = pytest.mark.django_db

# Line numbers matter: the bad files below replace single lines so that every entry stays on
# the line written in the margin.
GOOD = """\
units:
  - code: dcs
    name: 县政府办公室督查室
    short: 督查室
    kind: section
  - code: fgj
    name: 县发展和改革局
    short: 县发改局
    kind: department
    aliases: [发改局, 县发改委]
  - code: czj
    name: 县财政局
    short: 县财政局
    kind: department
    aliases: [财政局]
  - code: cgz
    name: 城关镇人民政府
    short: 城关镇
    kind: township
  - code: xhx
    name: 新华乡人民政府
    short: 新华乡
    kind: township
groups:
  - name: 各乡镇人民政府
    members: [cgz, xhx]
  - name: 县直各部门
    members: [fgj, czj]
  - name: 全县各单位
    members: [dcs]
    groups: [各乡镇人民政府, 县直各部门]
leaders:
  - code: lily
    name: 李丽
    title: 副县长
    units: [fgj, czj]
  - code: wang
    name: 王刚
    title: 副县长
    units: [cgz, xhx]
users:
  - username: alice
    name: 艾丽
    role: supervisor
    unit: dcs
  - username: lily
    name: 李丽
    role: leader
    leader: lily
  - username: amy
    name: 安梅
    role: liaison
    unit: fgj
  - username: sam
    name: 沈默
    role: sysadmin
    unit: dcs
"""
# Lines of the entries the bad files refer to.
FGJ, CZJ, CGZ, XHX = 6, 11, 16, 20
TOWNSHIPS, DEPARTMENTS, ALL_UNITS = 25, 27, 29
LILY_USER, AMY = 46, 50


def edit(old: str, new: str, text: str = GOOD) -> str:
    """The good file with one piece replaced (must occur exactly once)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row the loader could write, to prove a refused file stored nothing."""
    tables: list[type[models.Model]] = [
        Unit,
        UnitAlias,
        UnitGroup,
        UnitGroup.members.through,
        UnitGroup.subgroups.through,
        Leader,
        Portfolio,
        User,
    ]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in tables}


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Unit, UnitAlias, UnitGroup, Leader, User)}


def codes(units: Any) -> list[str]:
    return [u.code for u in units]


def aliases() -> set[tuple[str, str]]:
    return set(UnitAlias.objects.values_list("unit__code", "alias"))


# ---------------------------------------------------------------- a good file


def test_a_good_file_loads_units_aliases_groups_leaders_and_users(tmp_path: Path) -> None:
    summary = load_file(write(tmp_path, GOOD))

    assert (summary.units, summary.aliases, summary.groups, summary.leaders, summary.users) == (
        5,
        3,
        3,
        2,
        4,
    )
    assert codes(Unit.objects.all()) == ["dcs", "fgj", "czj", "cgz", "xhx"]
    fgj = Unit.objects.get(code="fgj")
    assert (fgj.name, fgj.short_name, fgj.kind) == ("县发展和改革局", "县发改局", "department")
    assert aliases() == {("fgj", "发改局"), ("fgj", "县发改委"), ("czj", "财政局")}

    assert codes(expand_group(UnitGroup.objects.get(name="各乡镇人民政府"))) == ["cgz", "xhx"]
    # A group that includes other groups stands for their members too, in registry order.
    assert codes(expand_group(UnitGroup.objects.get(name="全县各单位"))) == [
        "dcs",
        "fgj",
        "czj",
        "cgz",
        "xhx",
    ]

    lily, wang = Leader.objects.get(code="lily"), Leader.objects.get(code="wang")
    assert (lily.name, lily.title) == ("李丽", "副县长")
    assert codes(line_units(lily)) == ["fgj", "czj"]
    assert codes(line_units(wang)) == ["cgz", "xhx"]

    users = {u.username: u for u in User.objects.select_related("unit", "leader")}
    assert {n: (u.role, u.unit and u.unit.code) for n, u in users.items()} == {
        "alice": (Role.SUPERVISOR, "dcs"),
        "lily": (Role.LEADER, None),
        "amy": (Role.LIAISON, "fgj"),
        "sam": (Role.SYSADMIN, "dcs"),
    }
    assert users["lily"].leader == lily and users["amy"].full_name == "安梅"
    # Three-officers separation: only the system administrator reaches the admin site.
    assert [n for n, u in users.items() if u.is_staff] == ["sam"]
    # Nobody can log in until an administrator sets a password.
    assert not any(u.has_usable_password() for u in users.values())


def test_new_users_get_the_given_password(tmp_path: Path) -> None:
    text = (
        "units:\n  - {code: dcs, name: 督查室, kind: section}\nusers:\n"
        "  - {username: alice, role: supervisor, unit: dcs}\n"
    )
    load_file(write(tmp_path, text), password="demo-2026")
    assert User.objects.get(username="alice").check_password("demo-2026")


def test_loading_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    load_file(path)
    amy = User.objects.get(username="amy")
    amy.set_password("amy-own-secret")
    amy.save(update_fields=["password"])

    def state() -> dict[str, Any]:
        return {
            "units": list(Unit.objects.values("pk", "code", "name", "short_name", "kind", "order")),
            "aliases": aliases(),
            "groups": {
                g.name: (codes(g.members.all()), sorted(s.name for s in g.subgroups.all()))
                for g in UnitGroup.objects.all()
            },
            "leaders": list(Leader.objects.values("pk", "code", "name", "title", "order")),
            "lines": set(Portfolio.objects.values_list("leader__code", "unit__code")),
            "users": list(User.objects.order_by("pk").values()),
        }

    before, counted = state(), counts()
    load_file(path)
    assert counts() == counted
    assert state() == before
    # A reload must never reset a password someone has set since.
    assert User.objects.get(username="amy").check_password("amy-own-secret")


def test_a_corrected_file_moves_an_alias_to_another_unit(tmp_path: Path) -> None:
    load_file(write(tmp_path, GOOD))
    corrected = edit("aliases: [发改局, 县发改委]", "aliases: [县发改委]")
    corrected = edit("aliases: [财政局]", "aliases: [财政局, 发改局]", corrected)
    load_file(write(tmp_path, corrected))

    assert aliases() == {("fgj", "县发改委"), ("czj", "财政局"), ("czj", "发改局")}
    assert codes(resolve_units("发改局") or []) == ["czj"]


def test_a_corrected_file_updates_a_leaders_line_and_a_users_unit(tmp_path: Path) -> None:
    load_file(write(tmp_path, GOOD))
    corrected = edit("units: [cgz, xhx]", "units: [cgz]")
    corrected = edit("    unit: fgj\n", "    unit: czj\n", corrected)
    load_file(write(tmp_path, corrected))

    assert codes(line_units(Leader.objects.get(code="wang"))) == ["cgz"]
    assert User.objects.get(username="amy").unit == Unit.objects.get(code="czj")
    assert counts() == {"Unit": 5, "UnitAlias": 3, "UnitGroup": 3, "Leader": 2, "User": 4}


# ---------------------------------------------------------------- bad files

# (what is wrong, the file, what the message must contain: line and offending value)
BAD_FILES = [
    pytest.param(
        edit("members: [cgz, xhx]", "members: [cgz, xhx, sjj]"),
        [f"第{TOWNSHIPS}行", "各乡镇人民政府", "“sjj”不存在"],
        id="unknown-unit-in-group",
    ),
    pytest.param(
        edit("aliases: [财政局]", "aliases: [财政局, 发改局]"),
        [f"第{CZJ}行", "“发改局”", f"第{FGJ}行", "“fgj”"],
        id="alias-used-by-two-units",
    ),
    pytest.param(
        edit("aliases: [财政局]", "aliases: [财政局, 县发展和改革局]"),
        [f"第{CZJ}行", "“县发展和改革局”", "“fgj”"],
        id="alias-is-another-units-name",
    ),
    pytest.param(
        edit("groups: [各乡镇人民政府, 县直各部门]", "groups: [各乡镇人民政府, 全县各单位]"),
        [f"第{ALL_UNITS}行", "“全县各单位”", "不能包含自身"],
        id="group-contains-itself",
    ),
    pytest.param(
        edit("    members: [fgj, czj]\n", "    members: [fgj, czj]\n    groups: [全县各单位]\n"),
        [f"第{DEPARTMENTS}行", "“县直各部门”", "包含了自身"],
        id="group-cycle-through-another-group",
    ),
    pytest.param(
        edit("    role: liaison\n", "    role: clerk\n"),
        [f"第{AMY}行", "“clerk”", "角色"],
        id="unknown-role",
    ),
    pytest.param(
        edit("    unit: fgj\n", "    unit:\n"),
        [f"第{AMY}行", "联络员", "unit"],
        id="liaison-without-unit",
    ),
    pytest.param(
        edit("    leader: lily\n", "    leader: zhang\n"),
        [f"第{LILY_USER}行", "“lily”", "“zhang”不存在"],
        id="leader-user-with-unknown-leader",
    ),
    pytest.param(
        edit("  - code: xhx\n", "  - code: cgz\n"),
        [f"第{XHX}行", "“cgz”", f"第{CGZ}行", "重复"],
        id="duplicate-unit-code",
    ),
    pytest.param(
        edit("    name: 县财政局\n", "    name: 县财政局: 县国资办\n"),
        [f"第{CZJ + 1}行", "YAML"],
        id="broken-yaml",
    ),
]


def refused(load: Any) -> list[str]:
    """Run a load that must be refused; assert nothing in the database changed."""
    before, counted = snapshot(), counts()
    with pytest.raises(OrgFileError) as info:
        load()
    assert counts() == counted
    assert snapshot() == before
    return info.value.problems


def problem_with(problems: list[str], parts: list[str]) -> str:
    matching = [p for p in problems if all(part in p for part in parts)]
    assert matching, f"no problem mentions {parts}: {problems}"
    return matching[0]


@pytest.mark.parametrize(("text", "parts"), BAD_FILES)
def test_a_bad_file_is_refused_naming_the_line_and_stores_nothing(
    tmp_path: Path, text: str, parts: list[str]
) -> None:
    problems = refused(lambda: load_file(write(tmp_path, text)))
    problem_with(problems, parts)
    assert not Unit.objects.exists()


@pytest.mark.parametrize(("text", "parts"), BAD_FILES)
def test_a_bad_file_leaves_an_organisation_loaded_before_untouched(
    tmp_path: Path, text: str, parts: list[str]
) -> None:
    load_file(write(tmp_path, GOOD, name="good.yaml"))
    problems = refused(lambda: load_file(write(tmp_path, text)))
    problem_with(problems, parts)


def test_a_group_cycle_names_every_group_on_it(tmp_path: Path) -> None:
    text = edit("    members: [fgj, czj]\n", "    members: [fgj, czj]\n    groups: [全县各单位]\n")
    problems = refused(lambda: load_file(write(tmp_path, text)))
    problem_with(problems, [f"第{DEPARTMENTS}行", "“县直各部门”", "包含了自身"])
    # 全县各单位 moved down one line with the inserted line.
    problem_with(problems, [f"第{ALL_UNITS + 1}行", "“全县各单位”", "包含了自身"])


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = edit("    role: liaison\n", "    role: clerk\n")
    text = edit("members: [cgz, xhx]", "members: [cgz, sjj]", text)
    problems = refused(lambda: load_file(write(tmp_path, text)))
    problem_with(problems, [f"第{AMY}行", "“clerk”"])
    problem_with(problems, [f"第{TOWNSHIPS}行", "“sjj”"])


def test_an_alias_held_by_a_unit_already_loaded_is_refused_with_its_line(
    tmp_path: Path,
) -> None:
    """A file need not list every unit; it must still not take an alias another unit holds."""
    load_file(write(tmp_path, GOOD, name="good.yaml"))
    text = (
        "units:\n  - code: sjj\n    name: 县审计局\n    kind: department\n    aliases: [发改局]\n"
    )
    problems = refused(lambda: load_file(write(tmp_path, text)))
    problem_with(problems, ["第2行", "“发改局”"])


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "org-gbk.yaml"
    path.write_bytes(GOOD.encode("gbk"))
    problems = refused(lambda: load_file(path))
    problem_with(problems, ["UTF-8", str(path)])


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    load_file(write(tmp_path, GOOD, name="good.yaml"))
    path = tmp_path / "no-such-org.yaml"
    problems = refused(lambda: load_file(path))
    problem_with(problems, ["找不到文件", str(path)])


# ---------------------------------------------------------------- the command


def test_the_command_loads_a_good_file_and_says_what_it_stored(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("org", "load", str(write(tmp_path, GOOD)), stdout=out)
    assert "单位 5 个（别名 3 个），分组 3 个，县领导 2 位，用户 4 个" in out.getvalue()
    assert counts() == {"Unit": 5, "UnitAlias": 3, "UnitGroup": 3, "Leader": 2, "User": 4}


def test_the_command_refuses_a_bad_file_listing_every_problem(tmp_path: Path) -> None:
    load_file(write(tmp_path, GOOD, name="good.yaml"))
    text = edit("    role: liaison\n", "    role: clerk\n")
    text = edit("members: [cgz, xhx]", "members: [cgz, sjj]", text)
    before = snapshot()
    err = io.StringIO()

    with pytest.raises(CommandError) as info:
        call_command("org", "load", str(write(tmp_path, text)), stderr=err)

    assert "有 2 处错误，未导入任何内容" in str(info.value)
    lines = err.getvalue().splitlines()
    assert len(lines) == 2
    problem_with(lines, [f"第{AMY}行", "“clerk”"])
    problem_with(lines, [f"第{TOWNSHIPS}行", "“sjj”"])
    assert snapshot() == before


def test_the_command_refuses_a_missing_file(tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何内容"):
        call_command("org", "load", str(tmp_path / "missing.yaml"), stderr=err)
    assert "找不到文件" in err.getvalue()


# ---------------------------------------------------------------- names in texts


@pytest.fixture
def org(tmp_path: Path) -> None:
    load_file(write(tmp_path, GOOD))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("县发展和改革局", ["fgj"]),  # full name
        ("县发改局", ["fgj"]),  # short name
        ("发改局", ["fgj"]),  # alias
        ("  县发改委 ", ["fgj"]),  # alias, as cut out of a text
        ("县财政局", ["czj"]),  # short name equal to the full name
        ("各乡镇人民政府", ["cgz", "xhx"]),  # group
        ("全县各单位", ["dcs", "fgj", "czj", "cgz", "xhx"]),  # group of groups
    ],
)
def test_resolve_units_knows_names_short_names_aliases_and_groups(
    org: None, name: str, expected: list[str]
) -> None:
    assert codes(resolve_units(name) or []) == expected


@pytest.mark.parametrize("name", ["县教育局", "教育局", "各街道办事处", "发改"])
def test_resolve_units_does_not_guess_an_unknown_name(org: None, name: str) -> None:
    assert resolve_units(name) is None


def test_an_empty_name_resolves_to_nothing(tmp_path: Path) -> None:
    """A unit without a short name must not be what an empty cell in a table stands for."""
    load_file(write(tmp_path, "units:\n  - {code: dcs, name: 县政府办公室督查室, kind: section}\n"))
    assert resolve_units("") is None
    assert resolve_units("   ") is None
