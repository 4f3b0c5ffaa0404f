"""Unexpected errors are logged with a request id the user can quote (issue 18 defect 2)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import County


def log_text() -> str:
    path = Path(settings.LOG_DIR) / "duban.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture
def boom(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.serve.boom_urls"


def test_a_500_shows_a_chinese_page_with_the_id_that_the_log_has(
    county: County, boom: None
) -> None:
    c = Client(raise_request_exception=False)
    c.force_login(county.alice)
    response = c.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", rid)
    assert "系统出错" in page and f'<code id="request-id">{rid}</code>' in page
    assert "Traceback" not in page and "ZeroDivisionError" not in page
    log = log_text()
    line = next(ln for ln in log.splitlines() if f"[{rid}]" in ln)
    assert "ERROR" in line and "Internal Server Error: /boom/" in line
    after = log[log.index(line) :]
    assert "ZeroDivisionError: a bug in a view" in after


def test_every_response_carries_a_fresh_id_and_a_proxys_id_is_kept(county: County) -> None:
    c = Client()
    first, second = c.get("/login/"), c.get("/login/")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    given = c.get("/login/", headers={"X-Request-ID": "nginx-4f2a9c81d0"})
    assert given["X-Request-ID"] == "nginx-4f2a9c81d0"
    forged = c.get("/login/", headers={"X-Request-ID": "x\nERROR forged line"})
    assert "\n" not in forged["X-Request-ID"] and "forged" not in forged["X-Request-ID"]


def test_a_refused_action_is_logged_with_the_request_id(county: County) -> None:
    c = Client()
    c.force_login(county.amy)  # a liaison may not register
    response = c.post("/directives/new/", {"title": "x"})
    rid = response["X-Request-ID"]
    assert response.status_code in (200, 403)
    assert any(f"[{rid}]" in ln for ln in log_text().splitlines())


def test_a_command_that_fails_unexpectedly_is_logged(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DUBAN_DATA": str(tmp_path),
        # Nothing listens on port 1: the database is "down", which no command expects.
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",
    }
    duban = Path(sys.executable).parent / "duban"
    run = subprocess.run([duban, "tick"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    log = (tmp_path / "logs" / "duban.log").read_text(encoding="utf-8")
    assert re.search(r"ERROR \[cmd-[0-9a-f]{16}\] pid=\d+ duban.command command failed: tick", log)
    assert "OperationalError" in log
