"""Sign-in under the secadmin's policy (issue 17 point 14, 等保 IA-1/IA-2/IA-4)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from duban.audit.models import AccessKind, AccessLog
from duban.org import actions, sessions
from duban.org.models import Role, User
from duban.org.policy import current
from tests.conftest import County

PASSWORD = "Duban@2026"


def login(c: Client, username: str, password: str = PASSWORD) -> Any:
    return c.post("/login/", {"username": username, "password": password})


@pytest.fixture
def people(county: County) -> County:
    for u in (county.amy, county.bob, county.alice, county.sam):
        u.set_password(PASSWORD)
        u.save()
    return county


def set_policy(by: User, **change: Any) -> None:
    p = current()
    values = {name: getattr(p, name) for name in actions.POLICY_FIELDS} | {
        k: v for k, v in change.items() if k in actions.POLICY_FIELDS
    }
    actions.set_policy(
        by=by,
        values=values,
        mfa_roles=change.get("mfa_roles", sorted(p.mfa_roles)),
        ip_allowlists=change.get("ip_allowlists", p.ip_allowlists),
    )


# ---------------------------------------------------------------- passwords


def test_a_reset_account_must_change_its_password_first(people: County) -> None:
    temp = actions.reset_password(by=people.sam, user=people.amy)
    c = Client()
    assert login(c, "amy", temp).status_code == 302
    # Every page leads to the password page until the password is changed.
    for path in ("/", "/unit/", "/ledger/", "/notifications/"):
        response = c.get(path)
        assert response.status_code == 302 and response["Location"] == "/password/", path
    page = c.get("/password/").content.decode()
    assert "临时密码" in page
    same = c.post(
        "/password/",
        {"old_password": temp, "new_password1": temp, "new_password2": temp},
    )
    assert "不能与原密码相同" in same.content.decode()
    done = c.post(
        "/password/",
        {"old_password": temp, "new_password1": "Xin-mima-88", "new_password2": "Xin-mima-88"},
    )
    assert done.status_code == 302
    assert c.get("/unit/").status_code == 200


def test_demo_style_accounts_loaded_with_a_password_are_not_forced(people: County) -> None:
    assert not people.amy.must_change_password
    c = Client()
    login(c, "amy")
    assert c.get("/unit/").status_code == 200


def test_an_expired_password_leads_to_the_password_page(people: County) -> None:
    User.objects.filter(pk=people.amy.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    c = Client()
    login(c, "amy")
    assert c.get("/unit/")["Location"] == "/password/"
    assert "已使用超过90天" in c.get("/password/").content.decode()
    set_policy(people.sec, expiry_days=0)  # the secadmin may turn expiry off
    assert c.get("/unit/").status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码至少须有8位"),
        ("abcdefgh1", "至少3类"),
        ("Password1", "过于常见"),
        ("Zhangsanfeng1!", "过于相似"),
    ],
)
def test_every_password_rule_speaks_chinese(county: County, password: str, message: str) -> None:
    user = User(username="zhangsanfeng", role=Role.SUPERVISOR)
    with pytest.raises(ValidationError) as info:
        validate_password(password, user)
    text = " ".join(info.value.messages)
    assert message in text
    assert not any(c.isascii() and c.isalpha() for c in text), text


def test_the_length_rule_follows_the_policy(county: County) -> None:
    validate_password("Qz7!kwpx", county.amy)
    set_policy(county.sec, min_length=12)
    with pytest.raises(ValidationError) as info:
        validate_password("Qz7!kwpx", county.amy)
    assert "至少须有12位" in info.value.messages[0]


# ---------------------------------------------------------------- sessions


def test_the_absolute_lifetime_ends_even_an_active_session(people: County) -> None:
    c = Client()
    login(c, "amy")
    assert c.get("/unit/").status_code == 200
    store = c.session
    store[sessions.SIGNED_IN_AT] = (timezone.now() - timedelta(hours=12, minutes=1)).isoformat()
    store[sessions.LAST_SEEN] = timezone.now().isoformat()  # active a moment ago
    store.save()
    response = c.get("/unit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert c.get("/unit/").status_code == 302  # signed out, not only redirected


def test_the_policy_idle_timeout(people: County) -> None:
    set_policy(people.sec, idle_minutes=10)
    c = Client()
    login(c, "amy")
    store = c.session
    store[sessions.LAST_SEEN] = (timezone.now() - timedelta(minutes=11)).isoformat()
    store.save()
    assert c.get("/unit/")["Location"].startswith("/login/")


def test_the_secadmin_forces_a_sign_out(people: County) -> None:
    amy = Client()
    login(amy, "amy")
    sec = Client()
    sec.force_login(people.sec)
    page = sec.get("/secadmin/sessions/").content.decode()
    assert "安梅" in page and amy.session.session_key not in page  # keys never shown
    [info] = [s for s in sessions.active_sessions() if s.user_id == people.amy.pk]
    assert sec.post("/secadmin/sessions/end/", {"ref": info.ref}).status_code == 302
    assert amy.get("/unit/").status_code == 302
    assert AccessLog.objects.filter(kind=AccessKind.ADMIN, target="user:amy").exists()


# ---------------------------------------------------------------- addresses


def test_one_address_cannot_spray_many_accounts(people: County) -> None:
    set_policy(people.sec, ip_failure_limit=6)
    spray = Client(REMOTE_ADDR="10.9.9.9")
    for name in ("amy", "bob", "alice", "amy", "bob", "alice"):  # 2 tries each: no lockout
        assert login(spray, name, "Guess-2026").status_code == 200
    blocked = login(spray, "amy")  # even the right password now
    assert blocked.status_code == 429 and "本机地址的登录失败次数过多" in blocked.content.decode()
    assert AccessLog.objects.filter(kind=AccessKind.LOGIN_REFUSED, ip="10.9.9.9").exists()
    # Someone at another desk is not affected.
    assert login(Client(REMOTE_ADDR="10.1.1.1"), "amy").status_code == 302


def test_a_stranger_cannot_lock_the_owner_out(people: County) -> None:
    stranger = Client(REMOTE_ADDR="10.6.6.6")
    for _ in range(5):
        login(stranger, "alice", "wrong")
    assert login(stranger, "alice").status_code == 429  # locked there
    assert login(Client(REMOTE_ADDR="10.1.1.2"), "alice").status_code == 302  # not here


def test_the_allowlist_refuses_other_addresses_after_the_password(people: County) -> None:
    set_policy(people.sec, ip_allowlists={"sysadmin": ["10.1.2.0/24"]})
    outside = login(Client(REMOTE_ADDR="10.9.9.9"), "sam")
    assert outside.status_code == 200 and "不允许从本机地址登录" in outside.content.decode()
    assert AccessLog.objects.filter(kind=AccessKind.LOGIN_REFUSED, username="sam").exists()
    assert login(Client(REMOTE_ADDR="10.1.2.30"), "sam").status_code == 302
    assert login(Client(REMOTE_ADDR="10.9.9.9"), "amy").status_code == 302  # other roles


# ---------------------------------------------------------------- two factors


@pytest.fixture
def mfa_on(settings: Any) -> None:
    settings.DUBAN_SECURITY_DEFAULTS = {}  # the built-in default: 三员 and supervisors


def _code(device: Any) -> str:
    """The code an authenticator app shows now (RFC 6238, the device's own parameters)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def test_a_supervisor_enrols_at_first_sign_in_and_verifies_afterwards(
    people: County, mfa_on: None
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    c = Client()
    login(c, "alice")
    assert c.get("/workbench/")["Location"] == "/account/two-factor/"
    page = c.get("/account/two-factor/").content.decode()
    # The QR code is drawn inline: an <svg>, and no image fetched from anywhere.
    assert "<svg" in page and "<img" not in page
    device = TOTPDevice.objects.get(user=people.alice, confirmed=False)
    wrong = c.post("/account/two-factor/", {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    done = c.post("/account/two-factor/", {"code": _code(device)})
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert c.get("/workbench/").status_code == 200
    c.post("/logout/")

    # Next time: password, then the code; here a recovery code, which works once.
    c2 = Client()
    login(c2, "alice")
    assert c2.get("/workbench/")["Location"] == "/login/verify/"
    assert c2.post("/login/verify/", {"code": codes[0]}).status_code == 302
    assert c2.get("/workbench/").status_code == 200
    c2.post("/logout/")
    c3 = Client()
    login(c3, "alice")
    assert "验证码不正确" in c3.post("/login/verify/", {"code": codes[0]}).content.decode()
    assert AccessLog.objects.filter(kind=AccessKind.MFA_FAILED, user=people.alice).exists()
    assert c3.get("/workbench/")["Location"] == "/login/verify/"


def test_five_wrong_codes_sign_out(people: County, mfa_on: None) -> None:
    from duban.org import twofactor

    twofactor.start_enrolment(user=people.alice)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=people.alice)
    twofactor.confirm_enrolment(user=people.alice, code=_code(device))
    c = Client()
    login(c, "alice")
    for _ in range(4):
        c.post("/login/verify/", {"code": "000000"})
    last = c.post("/login/verify/", {"code": "000000"})
    assert last["Location"] == "/login/"
    assert c.get("/workbench/").status_code == 302


def test_a_liaison_is_not_asked_unless_the_policy_says(people: County, mfa_on: None) -> None:
    c = Client()
    login(c, "amy")
    assert c.get("/unit/").status_code == 200
    set_policy(people.sec, mfa_roles=["liaison"])
    assert c.get("/unit/")["Location"] == "/account/two-factor/"


def test_the_secadmin_resets_a_lost_authenticator(people: County, mfa_on: None) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from duban.org import twofactor

    twofactor.start_enrolment(user=people.amy)
    device = TOTPDevice.objects.get(user=people.amy)
    twofactor.confirm_enrolment(user=people.amy, code=_code(device))
    assert actions.reset_two_factor(by=people.sec, user=people.amy) == 2  # totp + codes
    assert not TOTPDevice.objects.filter(user=people.amy).exists()


# ---------------------------------------------------------------- createadmin


def test_createadmin_makes_one_of_the_three(db: None, monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Strong-Pass-2026\n"))
    out = io.StringIO()
    call_command(
        "createadmin", "--username", "xt", "--role", "sysadmin", "--password-stdin", stdout=out
    )
    user = User.objects.get(username="xt")
    assert user.role == Role.SYSADMIN and user.is_staff and not user.is_superuser
    assert user.check_password("Strong-Pass-2026") and not user.must_change_password
    assert "已创建系统管理员" in out.getvalue()
    assert AccessLog.objects.filter(kind=AccessKind.ADMIN, target="user:xt").exists()


def test_createadmin_refuses_a_weak_password_and_a_taken_name(db: None, monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="至少须有8位"):
        call_command("createadmin", "--username", "a1", "--role", "auditor", "--password-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO("Strong-Pass-2026\n"))
    call_command("createadmin", "--username", "a1", "--role", "auditor", "--password-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO("Strong-Pass-2026\n"))
    with pytest.raises(CommandError, match="已存在"):
        call_command("createadmin", "--username", "a1", "--role", "secadmin", "--password-stdin")
    assert not Session.objects.exists()
