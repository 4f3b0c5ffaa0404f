"""Sign-in rules (等保 IA-1/IA-2): lockout, idle timeout, password policy, access log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from tests.conftest import County

PASSWORD = "Duban@2026"


@pytest.fixture
def amy(county: County) -> County:
    county.amy.set_password(PASSWORD)
    county.amy.save()
    return county


def login(client: Client, password: str, username: str = "amy") -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_a_good_sign_in_lands_on_the_roles_home_and_is_logged(amy: County) -> None:
    c = Client()
    response = login(c, PASSWORD)
    assert response.status_code == 302
    assert c.get("/")["Location"] == "/unit/"
    log = AccessLog.objects.get(kind=AccessKind.LOGIN_OK)
    assert log.user == amy.amy and log.ip == "127.0.0.1"


def test_a_bad_password_is_refused_in_chinese_and_logged(amy: County) -> None:
    response = login(Client(), "wrong")
    assert "用户名或密码不正确" in response.content.decode()
    log = AccessLog.objects.get(kind=AccessKind.LOGIN_FAILED)
    assert log.username == "amy" and "wrong" not in log.detail


def test_five_failures_lock_the_account_for_fifteen_minutes(amy: County) -> None:
    c = Client()
    for _ in range(4):
        assert login(c, "wrong").status_code == 200
    locked = login(c, "wrong")
    assert locked.status_code == 429 and "账号已被锁定15分钟" in locked.content.decode()
    # Even the right password, and from another address, is refused while locked.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert login(other, PASSWORD).status_code == 429
    assert AccessLog.objects.filter(kind=AccessKind.LOGIN_OK).count() == 0
    # Another account is not affected.
    amy.bob.set_password(PASSWORD)
    amy.bob.save()
    assert login(Client(), PASSWORD, "bob").status_code == 302
    # After the cool-off the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(Client(), PASSWORD).status_code == 302


def test_thirty_idle_minutes_end_the_session(amy: County) -> None:
    c = Client()
    login(c, PASSWORD)
    assert c.get("/notifications/").status_code != 302
    session = Session.objects.get()
    expiry = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < expiry <= timedelta(minutes=30)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = c.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_signing_out_ends_the_session(amy: County) -> None:
    c = Client()
    login(c, PASSWORD)
    c.post("/logout/")
    assert not Session.objects.exists()
    assert c.get("/notifications/").status_code == 302


@pytest.mark.parametrize(
    "password", ["short1A!", "alllowercase", "ALLUPPER123", "12345678", "password123"]
)
def test_weak_passwords_are_refused(password: str, county: County) -> None:
    if password == "short1A!":
        validate_password(password, county.amy)  # 8 chars, 4 classes: accepted
        return
    with pytest.raises(ValidationError):
        validate_password(password, county.amy)


def test_the_complexity_message_is_chinese(county: County) -> None:
    with pytest.raises(ValidationError) as info:
        validate_password("abcdefgh1", county.amy)
    assert "至少3类" in " ".join(info.value.messages)


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("alice", "/workbench/"),
        ("lily", "/leader/"),
        ("amy", "/unit/"),
        ("adam", "/unit/"),
        ("aud", "/ledger/"),
        ("sam", "/admin/"),
    ],
)
def test_each_role_has_its_home(county: County, client_for: Any, who: str, home: str) -> None:
    assert client_for(getattr(county, who)).get("/")["Location"] == home


def test_signed_in_pages_are_not_cached(county: County, client_for: Any) -> None:
    assert client_for(county.alice).get("/workbench/")["Cache-Control"] == "no-store"


def test_only_the_system_administrator_uses_the_admin_site(county: County, client_for: Any) -> None:
    from duban.org.loader import load
    from tests.conftest import SMALL_COUNTY

    load(SMALL_COUNTY)  # sets is_staff by role
    county.sam.refresh_from_db()
    county.alice.refresh_from_db()
    assert client_for(county.sam).get("/admin/").status_code == 200
    assert client_for(county.alice).get("/admin/").status_code == 302  # to the admin login


def test_page_views_renew_the_session_at_most_once_a_minute(amy: County) -> None:
    """Issue 17 point 13: a read must not write the session row on every request."""
    from unittest import mock

    c = Client()
    login(c, PASSWORD)
    c.get("/notifications/")
    first = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as queries:
        c.get("/notifications/")
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert Session.objects.get().expire_date == first
    import time as time_module

    later = time_module.time() + 61
    with mock.patch("time.time", return_value=later):
        c.get("/notifications/")
    assert Session.objects.get().expire_date > first
