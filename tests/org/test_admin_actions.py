"""org.actions: each administrator's change, its access-log row, and its refusals (AU-1).

Zulip-style: run each action, then find exactly one new ADMIN row naming the actor and
the target, with old and new values where the action changes some.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.org import actions
from duban.org.errors import OrgError, OrgRefused
from duban.org.loader import OrgFileError, dump, load, parse
from duban.org.models import (
    Leader,
    PasswordHistory,
    Role,
    SecurityPolicy,
    Unit,
    UnitAlias,
    UnitGroup,
    User,
)
from duban.org.policy import current
from tests.conftest import SMALL_COUNTY, County


def admin_rows(**kw: Any) -> list[AccessLog]:
    return list(AccessLog.objects.filter(kind=AccessKind.ADMIN, **kw).order_by("seq"))


def test_creating_a_user_gives_a_one_time_password_and_one_log_row(county: County) -> None:
    user, password = actions.create_user(
        by=county.sam, username="zhang", full_name="张三", unit=county.b
    )
    assert user.role == Role.LIAISON and user.unit == county.b and user.must_change_password
    assert user.check_password(password) and len(password) >= 14
    [row] = admin_rows()
    assert row.user == county.sam and row.target == "user:zhang" and "张三" in row.detail
    with pytest.raises(OrgError) as e:
        actions.create_user(by=county.sam, username="zhang", full_name="又一个", unit=county.b)
    assert e.value.field == "username" and "已被使用" in e.value.message


@pytest.mark.parametrize("who", ["sec", "aud", "alice", "amy"])
def test_only_the_sysadmin_manages_accounts_and_the_refusal_is_logged(
    county: County, who: str
) -> None:
    actor = getattr(county, who)
    with pytest.raises(OrgRefused):
        actions.create_user(by=actor, username="x", full_name="某", unit=county.a)
    with pytest.raises(OrgRefused):
        actions.reset_password(by=actor, user=county.bob)
    with pytest.raises(OrgRefused):
        actions.add_alias(by=actor, unit=county.a, alias="发展改革局")
    assert not User.objects.filter(username="x").exists()
    assert AccessLog.objects.filter(kind=AccessKind.REFUSED, user=actor).count() == 3
    assert admin_rows() == []


@pytest.mark.parametrize("who", ["sam", "aud", "alice", "lily"])
def test_only_the_secadmin_gives_roles(county: County, who: str) -> None:
    with pytest.raises(OrgRefused):
        actions.set_role(by=getattr(county, who), user=county.bob, role=Role.SUPERVISOR)
    county.bob.refresh_from_db()
    assert county.bob.role == Role.LIAISON


def test_nobody_gives_a_role_to_themselves(county: County) -> None:
    with pytest.raises(OrgRefused):
        actions.set_role(by=county.sec, user=county.sec, role=Role.SUPERVISOR)
    # The sysadmin cannot either: roles are not theirs at all.
    with pytest.raises(OrgRefused):
        actions.set_role(by=county.sam, user=county.sam, role=Role.SECADMIN)


def test_the_secadmin_sets_a_role_and_the_user_signs_in_again(county: County) -> None:
    from django.test import Client

    c = Client()
    c.force_login(county.bob)
    actions.set_role(by=county.sec, user=county.bob, role=Role.UNIT_HEAD, unit=county.b)
    county.bob.refresh_from_db()
    assert county.bob.role == Role.UNIT_HEAD
    [row] = admin_rows(target="user:bob")
    assert "联络员" in row.detail and "单位负责人" in row.detail and row.user == county.sec
    assert c.get("/unit/").status_code == 302  # the old session was ended


def test_a_role_needs_its_unit_or_leader(county: County) -> None:
    with pytest.raises(OrgError) as e:
        actions.set_role(by=county.sec, user=county.alice, role=Role.LIAISON, unit=None)
    assert e.value.field == "unit"
    with pytest.raises(OrgError) as e:
        actions.set_role(by=county.sec, user=county.alice, role=Role.LEADER)
    assert e.value.field == "leader"
    with pytest.raises(OrgError) as e:  # lily already is that leader's account
        actions.set_role(
            by=county.sec, user=county.alice, role=Role.LEADER, leader=county.leader_lily
        )
    assert e.value.field == "leader"


def test_the_three_roles_are_exclusive_in_the_database(county: County) -> None:
    # One role column: holding two is impossible; a made-up combined value is refused.
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.filter(pk=county.sam.pk).update(role="sysadmin,auditor")
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.filter(pk=county.sam.pk).update(is_superuser=True)
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.filter(pk=county.aud.pk).update(leader=county.leader_wang)


def test_disabling_ends_the_sessions_and_enabling_restores(county: County) -> None:
    from django.test import Client

    c = Client()
    c.force_login(county.bob)
    actions.set_active(by=county.sam, user=county.bob, active=False)
    assert c.get("/unit/").status_code == 302
    actions.set_active(by=county.sam, user=county.bob, active=True)
    assert [r.detail.split()[0] for r in admin_rows(target="user:bob")] == ["停用用户", "启用用户"]
    with pytest.raises(OrgError):
        actions.set_active(by=county.sam, user=county.sam, active=False)


def test_moving_a_user_to_another_unit(county: County) -> None:
    actions.move_user(by=county.sam, user=county.bob, unit=county.c)
    county.bob.refresh_from_db()
    assert county.bob.unit == county.c
    [row] = admin_rows(target="user:bob")
    assert "县财政局" in row.detail and "城关镇人民政府" in row.detail
    with pytest.raises(OrgError):
        actions.move_user(by=county.sam, user=county.bob, unit=None)  # a liaison needs a unit


def test_a_reset_password_must_be_changed_and_unlocks(county: County) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="bob",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    assert actions.is_locked(county.bob)
    password = actions.reset_password(by=county.sam, user=county.bob)
    county.bob.refresh_from_db()
    assert county.bob.check_password(password) and county.bob.must_change_password
    assert not actions.is_locked(county.bob)


def test_unlocking_clears_the_failures(county: County) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="amy",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=7,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    assert actions.unlock_user(by=county.sam, user=county.amy) == 1
    assert not AccessAttempt.objects.exists()
    [row] = admin_rows(target="user:amy")
    assert row.detail.startswith("解锁账号")


def test_password_change_keeps_history_and_refuses_reuse(county: County) -> None:
    amy = county.amy
    amy.set_password("Old-pass-2026")
    amy.save()
    actions.change_password(user=amy, old="Old-pass-2026", new="New-pass-2026")
    assert PasswordHistory.objects.filter(user=amy).count() == 1
    with pytest.raises(OrgError) as e:
        actions.change_password(user=amy, old="New-pass-2026", new="Old-pass-2026")
    assert "最近5次" in e.value.message
    with pytest.raises(OrgError) as e:
        actions.change_password(user=amy, old="wrong", new="Another-2026")
    assert e.value.field == "old_password"
    assert AccessLog.objects.filter(kind=AccessKind.PASSWORD, user=amy).count() == 1


# ---------------------------------------------------------------- organisation


def test_adding_an_alias_makes_the_name_resolve(county: County) -> None:
    from duban.org.selectors import resolve_units

    assert resolve_units("财政") is None
    actions.add_alias(by=county.sam, unit=county.b, alias="财政")
    assert resolve_units("财政") == [county.b]
    county.b.refresh_from_db()
    assert "cz" in county.b.search_key
    for taken in ("发改局", "县财政局", "各乡镇人民政府"):
        with pytest.raises(OrgError):
            actions.add_alias(by=county.sam, unit=county.b, alias=taken)
    alias = UnitAlias.objects.get(alias="财政")
    actions.remove_alias(by=county.sam, alias=alias)
    assert resolve_units("财政") is None
    assert [r.detail.split()[0] for r in admin_rows(target="unit:czj")] == ["添加别名", "删除别名"]


def test_units_are_created_and_renamed_with_old_and_new_logged(county: County) -> None:
    unit = actions.save_unit(
        by=county.sam,
        unit=None,
        code="swj",
        name="县商务局",
        short_name="商务局",
        kind="department",
    )
    actions.save_unit(
        by=county.sam,
        unit=unit,
        code="swj",
        name="县商务和口岸局",
        short_name="商务局",
        kind="department",
    )
    rows = admin_rows(target="unit:swj")
    assert [r.detail.split()[0] for r in rows] == ["新建单位", "修改单位"]
    assert "县商务局" in rows[1].detail and "县商务和口岸局" in rows[1].detail
    with pytest.raises(OrgError) as e:
        actions.save_unit(
            by=county.sam, unit=None, code="x1", name="县财政局", short_name="", kind="department"
        )
    assert e.value.field == "name"
    with pytest.raises(OrgError) as e:
        actions.save_unit(
            by=county.sam, unit=None, code="bad code", name="某局", short_name="", kind="department"
        )
    assert e.value.field == "code"


def test_groups_refuse_a_cycle(county: County) -> None:
    towns = UnitGroup.objects.get()
    outer = actions.save_group(
        by=county.sam, group=None, name="全县", members=[county.a], subgroups=[towns]
    )
    with pytest.raises(OrgError) as e:
        actions.save_group(
            by=county.sam, group=towns, name=towns.name, members=[county.c], subgroups=[outer]
        )
    assert e.value.field == "subgroups"


def test_a_leaders_line_is_set_and_logged(county: County) -> None:
    actions.save_leader(
        by=county.sam,
        leader=county.leader_wang,
        code="wang",
        name="王刚",
        title="副县长",
        fields_text="乡镇",
        units=[county.c, county.d],
    )
    assert set(Leader.objects.get(code="wang").units.all()) == {county.c, county.d}
    [row] = admin_rows(target="leader:wang")
    assert "cgz" in row.detail and "xhx" in row.detail


def test_the_org_file_goes_out_and_back_unchanged(county: County) -> None:
    text = actions.export_org(by=county.sam)
    data = parse(text)
    assert {u["username"] for u in data["users"]} >= {"amy", "sam", "aud"}
    assert "password" not in text
    summary = actions.import_org(by=county.sam, text=text)
    assert summary.units == 5 and summary.users == len(SMALL_COUNTY["users"])
    assert dump() == text
    assert AccessLog.objects.filter(kind=AccessKind.EXPORT, target="org").count() == 1


def test_the_org_file_may_not_change_roles(county: County) -> None:
    text = dump().replace("role: liaison\n  unit: czj", "role: supervisor\n  unit: czj")
    assert "role: supervisor\n  unit: czj" in text
    with pytest.raises(OrgFileError) as e:
        actions.import_org(by=county.sam, text=text)
    assert "安全管理员" in e.value.problems[0]
    new_admin = dump() + "- username: mallory\n  role: auditor\n"
    with pytest.raises(OrgFileError):
        actions.import_org(by=county.sam, text=new_admin)
    assert not User.objects.filter(username="mallory").exists()


def test_the_cli_loader_still_loads_every_role(db: None) -> None:
    load(SMALL_COUNTY)
    assert User.objects.get(username="sec").role == Role.SECADMIN


# ---------------------------------------------------------------- policy


def test_the_policy_is_stored_and_read_by_one_function(county: County) -> None:
    assert current().min_length == 8 and not SecurityPolicy.objects.exists()
    values = {name: getattr(current(), name) for name in actions.POLICY_FIELDS}
    values.update(min_length=12, idle_minutes=15, lockout_threshold=3)
    actions.set_policy(
        by=county.sec,
        values=values,
        mfa_roles=["sysadmin", "secadmin", "auditor", "supervisor", "leader"],
        ip_allowlists={"*": [], "sysadmin": ["10.1.2.0/24"]},
    )
    p = current()
    assert (p.min_length, p.idle_minutes, p.lockout_threshold) == (12, 15, 3)
    assert p.mfa_required("leader") and not p.mfa_required("liaison")
    assert p.address_allowed("sysadmin", "10.1.2.7")
    assert not p.address_allowed("sysadmin", "10.9.9.9")
    assert p.address_allowed("liaison", "10.9.9.9")
    [row] = admin_rows(target="policy")
    assert '"min_length": [8, 12]' in row.detail and row.user == county.sec


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"min_length": 6}, "min_length"),
        ({"min_classes": 5}, "min_classes"),
        ({"idle_minutes": 0}, "idle_minutes"),
    ],
)
def test_the_policy_refuses_values_out_of_range(
    county: County, change: dict[str, int], field: str
) -> None:
    values = {name: getattr(current(), name) for name in actions.POLICY_FIELDS} | change
    with pytest.raises(OrgError) as e:
        actions.set_policy(by=county.sec, values=values, mfa_roles=[], ip_allowlists={})
    assert e.value.field == field and "之间" in e.value.message
    assert not SecurityPolicy.objects.exists()


def test_a_bad_allowlist_entry_is_named(county: County) -> None:
    values = {name: getattr(current(), name) for name in actions.POLICY_FIELDS}
    with pytest.raises(OrgError) as e:
        actions.set_policy(
            by=county.sec, values=values, mfa_roles=[], ip_allowlists={"auditor": ["10.1.2"]}
        )
    assert e.value.field == "ip_auditor" and "10.1.2" in e.value.message


def test_the_sysadmin_may_not_set_the_policy(county: County) -> None:
    values = {name: getattr(current(), name) for name in actions.POLICY_FIELDS}
    with pytest.raises(OrgRefused):
        actions.set_policy(by=county.sam, values=values, mfa_roles=[], ip_allowlists={})


def test_a_failing_log_write_stores_nothing(county: County, monkeypatch: Any) -> None:
    """AU-3: the change and its log row commit together or not at all."""
    import duban.org.actions as module

    def broken(**kw: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(module, "record_admin", broken)
    with pytest.raises(RuntimeError):
        actions.add_alias(by=county.sam, unit=county.b, alias="财政")
    assert not UnitAlias.objects.filter(alias="财政").exists()
    assert not Unit.objects.filter(code="zz").exists()
