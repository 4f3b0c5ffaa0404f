"""Real Duban server processes for deploy tests (TLS proxy, crash, backup).

`site()` prepares a data folder and a database of its own (SQLite in the folder, or a
PostgreSQL database named after the test run's when DATABASE_URL is set), migrated and
loaded with the small test county, every user with PASSWORD. `start_server()` starts
`duban serve` on a port and waits until it answers. Keep the server start in this one
function: when `duban serve` changes (gunicorn, several workers) only it changes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DUBAN = Path(sys.executable).parent / "duban"
PASSWORD = "Duban@2026"
PORTS = range(18300, 18400)  # this branch's port range (helper brief)


def free_port(start: int = 18300) -> int:
    for port in range(start, PORTS.stop):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18300-18399")


@dataclass
class Site:
    data: Path
    env: dict[str, str]
    database_url: str = ""
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def duban(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        out = subprocess.run(
            [str(DUBAN), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and out.returncode != 0:
            raise AssertionError(f"duban {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout + out.stderr


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pg_database(name_suffix: str) -> str | None:
    """A fresh PostgreSQL database URL beside DATABASE_URL's, or None on SQLite runs."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'duban'}_{name_suffix}"
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(
        url,
        f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'"
        " LC_COLLATE 'C.UTF-8'",
    )
    return parts._replace(path=f"/{name}").geturl()


def drop_pg_database(url: str) -> None:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_env(data: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"
    }
    # PYTHONPATH: `duban shell -c` scripts in tests import the tests' helpers (tests.work.flow).
    env.update({"DUBAN_DATA": str(data), "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO), **extra})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def load_county(s: Site) -> None:
    from tests.conftest import SMALL_COUNTY

    org = data_file(s, "county.json", json.dumps(SMALL_COUNTY, ensure_ascii=False))
    s.duban(
        "shell",
        "-c",
        "import json; from duban.org.loader import load; "
        f"load(json.load(open({str(org)!r}, encoding='utf-8')), password={PASSWORD!r})",
    )


def data_file(s: Site, name: str, text: str) -> Path:
    path = s.data / name
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def site(
    tmp_path: Path, name: str = "srv", *, prepare: bool = True, **extra_env: str
) -> Iterator[Site]:
    """A data folder and database; `prepare=False` leaves the database empty (no tables)."""
    data = tmp_path / name
    data.mkdir()
    url = pg_database(name)
    s = Site(data=data, env=base_env(data, url, **extra_env), database_url=url or "")
    try:
        if prepare:
            s.duban("migrate", "--no-input", "-v", "0")
            load_county(s)
        yield s
    finally:
        for proc in s.servers:
            # The whole group: `duban serve` starts gunicorn, the worker and tick, which
            # would outlive a kill of the parent alone and keep their ports.
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if url:
            drop_pg_database(url)


def start_server(s: Site, port: int, *, timeout: float = 60) -> subprocess.Popen[bytes]:
    """Start `duban serve` on 127.0.0.1:port and wait until it accepts connections."""
    with open(s.data / f"serve-{port}.log", "ab") as log:
        proc = subprocess.Popen(
            [str(DUBAN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=s.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    s.servers.append(proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log_text = (s.data / f"serve-{port}.log").read_text()
            raise AssertionError(f"duban serve exited: {log_text}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"duban serve did not answer on port {port} within {timeout} s")


def kill_server(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 the server and everything it started (its process group)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
