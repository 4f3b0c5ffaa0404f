"""Two offices' batches at once: concurrent 催办 over HTTP against two server processes on
PostgreSQL. No 500, and every task's chain holds exactly one event per accepted urge."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from duban import crypto
from duban.audit.verify import verify_chain
from duban.coordination.tick import tick
from duban.org.models import SecurityPolicy
from duban.work.models import EventKind, Task
from tests.conftest import County
from tests.web.conftest import PASSWORD
from tests.work import flow

PORTS = range(18760, 18800)  # this branch's range (helper brief)

pytestmark = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="several server processes need a shared PostgreSQL database",
)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in range")


@pytest.fixture
def servers(web_county: County, tmp_path: Path) -> Iterator[list[str]]:
    # The servers are separate processes: they read the policy from the database, not from
    # the test settings, so save the password-only policy the other business tests use.
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"mfa_roles": []})
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    procs: list[subprocess.Popen[bytes]] = []
    bases = []
    try:
        for i in range(2):
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "DUBAN_DATA": str(tmp_path / f"data{i}"),
                # Every node of one site holds the same keys (docs/cryptography.md); this
                # process checks the chains the servers write.
                "DUBAN_CHAIN_KEY": crypto.chain_key().hex(),
                "DUBAN_FIELD_KEY": crypto.field_key().hex(),
            }
            (tmp_path / f"data{i}").mkdir()
            cmd = [sys.executable, "-m", "duban.cli", "serve", "--port", str(port)]
            procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(bases[-1] + "/login/", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.3)
            else:
                raise RuntimeError("server did not start")
        yield bases
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)


class Session:
    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        no_redirect = type(
            "NoRedirect",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *a, **k: None},
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), no_redirect
        )
        self.get("/login/")
        status = self.post("/login/", {"username": username, "password": PASSWORD})
        assert status == 302, status
        # Signed in for real: the home page answers instead of sending us to a second factor.
        assert self.get("/workbench/") == 200

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> int:
        with self.opener.open(self.base + path, timeout=60) as r:
            return int(r.status)

    def post(self, path: str, data: Any) -> int:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}, doseq=True)
        req = urllib.request.Request(
            self.base + path, data=body.encode(), headers={"Referer": self.base + "/"}
        )
        try:
            with self.opener.open(req, timeout=120) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return e.code


def test_concurrent_batches_lose_and_duplicate_nothing(
    web_county: County, servers: list[str]
) -> None:
    start = timezone.now() - timedelta(days=40)
    due = {"date": (start + timedelta(days=5)).date().isoformat()}
    tasks = [flow.task(web_county, start, due=due, content=f"事项{i}") for i in range(8)]
    tick(now=timezone.now())
    ids = [t.pk for t in tasks]
    sessions = [Session(servers[i % 2], "alice") for i in range(4)]
    rounds = 2
    statuses: list[int] = []

    def work(s: Session, n: int) -> None:
        for r in range(rounds):
            # Each writer takes the tasks in its own order, so their locks cross.
            order = ids if (n + r) % 2 else list(reversed(ids))
            statuses.append(
                s.post("/tasks/batch/", {"op": "urge", "task": order, "message": f"第{n}-{r}次"})
            )

    threads = [threading.Thread(target=work, args=(s, n)) for n, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * (len(sessions) * rounds), statuses
    for t in Task.objects.filter(pk__in=ids):
        urged = list(t.events.filter(kind=EventKind.URGED).values_list("payload", flat=True))
        messages = sorted(p["message"] for p in urged)
        expected = sorted(f"第{n}-{r}次" for n in range(len(sessions)) for r in range(rounds))
        assert messages == expected, (t.code, messages)
        assert t.urge_count == len(expected)
    report = verify_chain()
    assert report.ok, report.problems[:5]
