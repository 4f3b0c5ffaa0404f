"""A Duban site of its own on this machine, driven over HTTP: for the concurrency test and
bench/bench_register.py.

`Site` makes a fresh data folder and database (SQLite in the folder, or a PostgreSQL
database named after DATABASE_URL's with a suffix), migrates it, loads a small county of 8
units, makes a signed-in session per user, and starts one or more `duban serve` processes
(real gunicorn) on free ports of the range given. Requests carry the session cookie and a
CSRF token of our own (Django accepts any well-formed one that matches its cookie).

Run as a script inside the site's environment (`python bench/http_site.py setup|counts|compact`),
it does the database side: the county and sessions, and the counts to compare afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
UNITS = [f"u{i}" for i in range(1, 9)]


def county() -> dict[str, Any]:
    units: list[dict[str, Any]] = [
        {"code": "dcs", "name": "县政府办公室督查室", "short": "督查室", "kind": "section"}
    ]
    users: list[dict[str, Any]] = [
        {"username": "duchashi", "name": "督查员", "role": "supervisor", "unit": "dcs"},
        {"username": "ld", "name": "李县长", "role": "leader", "leader": "ld"},
    ]
    for i, code in enumerate(UNITS, start=1):
        units.append(
            {"code": code, "name": f"县第{i}局", "short": f"第{i}局", "kind": "department"}
        )
        users.append(
            {"username": f"lly_{code}", "name": f"联络员{i}", "role": "liaison", "unit": code}
        )
    for n, item in enumerate([*units, *users], start=1):
        item["__line__"] = n
    return {
        "units": units,
        "groups": [],
        "leaders": [
            {"code": "ld", "name": "李县长", "title": "县长", "units": UNITS, "__line__": 99}
        ],
        "users": users,
    }


# ------------------------------------------------------------- inside the site (script)


def _setup() -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from duban.org.loader import load
    from duban.org.models import Leader, Unit, User

    load(county())
    # Sessions are made below without a password or a second factor; like the demo, the
    # site's policy makes the second factor optional (docs/decisions.md, "Administration").
    from duban.org.models import SecurityPolicy

    SecurityPolicy.objects.update_or_create(pk=1, defaults={"mfa_roles": []})
    sessions: dict[str, list[str]] = {}
    for user in User.objects.all():
        keys = []
        for _ in range(8):  # one per writer, as eight browsers would have
            s = SessionStore()
            s[SESSION_KEY] = str(user.pk)
            s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            s[HASH_SESSION_KEY] = user.get_session_auth_hash()
            s.create()
            keys.append(s.session_key)
        sessions[user.username] = keys
    return {
        "sessions": sessions,
        "units": {u.code: u.pk for u in Unit.objects.all()},
        "leader": Leader.objects.get(code="ld").pk,
    }


def _counts() -> dict[str, Any]:
    from django.db.models import Count

    from duban.notify.models import Outbox
    from duban.work import tally
    from duban.work.models import Directive, Event

    kinds = dict(Event.objects.values_list("kind").annotate(n=Count("id")).order_by())
    serials = sorted(Directive.objects.values_list("year", "serial"))
    dupes = Event.objects.values("stream", "seq").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "events": kinds,
        "serials": serials,
        "duplicate_seq": dupes,
        "outbox": Outbox.objects.count(),
        # The dashboard's tally against a fresh count of the tasks (work/tally.py).
        "tally_by_state": _by_state(tally.counted()),
        "tasks_by_state": _by_state(tally.actual()),
        "tally_differences": tally.differences(),
    }


def _by_state(counts: dict[Any, int]) -> dict[str, int]:
    """The counts by status and light (the tally's `state` facet): status/light → tasks."""
    return {f"{k[4]}/{k[5]}": n for k, n in counts.items() if k[0] == "state"}


def _compact() -> dict[str, Any]:
    """Fold the tally's delta rows, as the daily tick does (run beside the writers)."""
    from duban.work import tally

    return {"rows": tally.compact()}


# ------------------------------------------------------------- outside (the driver)


def free_ports(first: int, last: int, n: int) -> list[int]:
    found: list[int] = []
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    raise RuntimeError(f"fewer than {n} free ports in {first}-{last}")


@dataclass
class Response:
    status: int
    location: str
    body: str


class Browser:
    """One signed-in user agent: a session cookie and a CSRF token, on one server."""

    def __init__(self, port: int, session: str) -> None:
        self.port = port
        self.csrf = secrets.token_hex(16)  # 32 characters: Django takes it as the secret
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> Response:
        body = urllib.parse.urlencode(data or {}, doseq=True) if method == "POST" else None
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):  # a kept-alive connection the server closed: open a new one
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                return Response(r.status, r.getheader("Location") or "", text)
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Response:
        return self.request("POST", path, data)


@dataclass
class Site:
    root: Path
    ports: list[int]
    postgres: str | None = None  # the server's URL without the database name
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    db_name: str = ""
    python: str = sys.executable
    source: Path = REPO / "src"  # the duban to run (bench: an older tree, for "before")

    @property
    def vendor(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def duban(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.python, "-m", "duban.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )

    def script(self, what: str) -> dict[str, Any]:
        run = subprocess.run(
            [self.python, str(REPO / "bench" / "http_site.py"), what],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if run.returncode:
            raise RuntimeError(run.stderr)
        result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
        return result

    def create(self) -> None:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "DUBAN_DATA": str(data),
            "DJANGO_SETTINGS_MODULE": "duban.settings",
            "PYTHONPATH": str(self.source),
        }
        self.env.pop("DATABASE_URL", None)
        if self.postgres:
            self._fresh_postgres()
            self.env["DATABASE_URL"] = f"{self.postgres}/{self.db_name}"
        self.duban("migrate", "--verbosity=0")
        self.info = self.script("setup")

    def _fresh_postgres(self) -> None:
        import psycopg

        assert self.postgres
        with psycopg.connect(f"{self.postgres}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            conn.execute(
                f"CREATE DATABASE \"{self.db_name}\" TEMPLATE template0 ENCODING 'UTF8' "
                "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
            )

    def drop(self) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(f"{self.postgres}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def start(self, *extra: str) -> None:
        self._log = log = (self.root / "serve.log").open("ab")
        for port in self.ports:
            argv = [self.python, "-m", "duban.cli", "serve", "--port", str(port), *extra]
            self.servers.append(
                subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            )
        deadline = time.monotonic() + 120
        for port in self.ports:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError((self.root / "serve.log").read_text()) from None
                    if any(p.poll() is not None for p in self.servers):
                        raise RuntimeError((self.root / "serve.log").read_text()) from None
                    time.sleep(0.3)

    def stop(self) -> None:
        for p in self.servers:
            p.terminate()
        for p in self.servers:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.servers = []
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def browser(self, username: str, n: int, port: int | None = None) -> Browser:
        port = port if port is not None else self.ports[n % len(self.ports)]
        return Browser(port, self.info["sessions"][username][n % 8])

    def unit(self, code: str) -> int:
        return int(self.info["units"][code])

    def log_text(self) -> str:
        path = self.root / "data" / "logs" / "duban.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


def created_id(response: Response, pattern: str) -> int:
    m = re.search(pattern, response.location or response.body)
    if m is None:
        raise AssertionError(f"no {pattern} in {response.status} {response.location}")
    return int(m.group(1))


if __name__ == "__main__":
    import django

    sys.path.insert(0, str(REPO))
    django.setup()
    what = sys.argv[1]
    out = {"setup": _setup, "counts": _counts, "compact": _compact}[what]()
    print(json.dumps(out, ensure_ascii=False))
