"""More than one machine, on loopback: two app servers behind nginx, one PostgreSQL primary
and a streaming replica for reports and exports (duban/replica.py, docs/capacity.md).

Everything is the real thing, started here in a temporary folder on this helper's ports:
a PostgreSQL 15 primary made with initdb (the shared server on 5432 is not touched, since a
replica needs settings only a restart would change), a hot standby made from it with
pg_basebackup, two `duban serve` processes each with its own data folder (as two machines
would have) and the same secret key, and Debian's nginx balancing between them. Sessions
live in the database, so a person signed in on one node is signed in on the other.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
NGINX = Path("/usr/sbin/nginx")
PORTS = range(18900, 19000)  # this work's port range (helper brief)
PASSWORD = "Two-nodes-2026"

pytestmark = pytest.mark.skipif(
    not (PG_BIN.exists() and NGINX.exists()),
    reason="needs Debian's postgresql-15 and nginx (scripts/system-packages installs them)",
)


def _free_ports(n: int) -> list[int]:
    found = []
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    raise RuntimeError(f"no free ports in {PORTS.start}-{PORTS.stop - 1}")


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _wait_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.3)
    raise TimeoutError(f"nothing listens on {port}")


@dataclass
class Cluster:
    tmp: Path
    primary_port: int
    replica_port: int
    nodes: list[int]
    nginx_port: int
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def psql(self, port: int, sql: str) -> str:
        out = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-d",
                "duban",
                "-tAc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"


class Browser:
    """A person's browser: cookies kept, every response's headers remembered."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with self.opener.open(self.base + path, timeout=60) as r:
            return r.status, dict(r.headers), r.read()

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf()}).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST")
        with self.opener.open(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def sign_in(self, username: str) -> None:
        self.get("/login/")
        status, _, body = self.post(
            "/login/", {"username": username, "password": PASSWORD, "next": "/"}
        )
        assert status == 200 and "退出" in body.decode(), body.decode()[:500]


def _start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        # A session of its own: `duban serve` starts gunicorn, the worker and tick, and the
        # teardown ends that whole group.
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    tmp = Path(tempfile.mkdtemp(prefix="duban-two-nodes-"))
    tmp.chmod(0o777)
    p_port, r_port, n1, n2, ng = _free_ports(5)
    primary, replica = tmp / "primary", tmp / "replica"
    pg_opts = f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={tmp}"
    db_url = f"postgres://postgres@127.0.0.1:{p_port}/duban"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DUBAN_REPLICA_URL": f"postgres://postgres@127.0.0.1:{r_port}/duban",
        # Every node of one site holds the same keys (docs/cryptography.md): the session
        # signing key, the chains' HMAC key and the personal fields' key.
        "DUBAN_SECRET_KEY": "two-nodes-test-secret-key-0123456789abcdef",
        "DUBAN_CHAIN_KEY": secrets.token_hex(32),
        "DUBAN_FIELD_KEY": secrets.token_hex(32),
        "DUBAN_DATA": str(tmp / "setup-data"),
    }
    c = Cluster(tmp, p_port, r_port, [n1, n2], ng, env)
    pg_ctl = str(PG_BIN / "pg_ctl")
    try:
        subprocess.run(
            [
                *_as_postgres([str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust"]),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *_as_postgres([pg_ctl, "-D", str(primary), "-l", str(tmp / "primary.log")]),
                "-o",
                f"-p {p_port} {pg_opts}",
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(p_port),
                "-U",
                "postgres",
                "-T",
                "template0",
                "-E",
                "UTF8",
                "duban",
            ],
            check=True,
        )
        (tmp / "setup-data").mkdir()
        duban = str(REPO / ".venv" / "bin" / "duban")
        subprocess.run([duban, "migrate", "-v0"], check=True, env=env)
        setup = (
            "import sys, django; sys.path.insert(0, sys.argv[1]); django.setup();"
            "from duban.org.loader import load; from tests.conftest import SMALL_COUNTY;"
            "from duban.org.models import SecurityPolicy, User; load(SMALL_COUNTY);"
            "[u.set_password(sys.argv[2]) or u.save() for u in User.objects.all()];"
            # Password-only sign-in, as the other business tests (no second factor here).
            "SecurityPolicy.objects.update_or_create(pk=1, defaults={'mfa_roles': []})"
        )
        subprocess.run(
            [sys.executable, "-c", setup, str(REPO), PASSWORD],
            check=True,
            env={**env, "DJANGO_SETTINGS_MODULE": "duban.settings"},
        )
        # The replica: a base backup that streams from the primary (-R writes the settings).
        subprocess.run(
            [
                *_as_postgres(
                    [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port)]
                ),
                "-U",
                "postgres",
                "-D",
                str(replica),
                "-R",
                "-X",
                "stream",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *_as_postgres([pg_ctl, "-D", str(replica), "-l", str(tmp / "replica.log")]),
                "-o",
                f"-p {r_port} {pg_opts}",
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        assert c.psql(r_port, "SELECT pg_is_in_recovery()") == "t"
        for port in c.nodes:
            data = tmp / f"node-{port}"
            data.mkdir()
            node_env = {**env, "DUBAN_DATA": str(data)}
            c.procs.append(
                _start([duban, "serve", "--port", str(port)], tmp / f"node-{port}.log", node_env)
            )
        for port, proc in zip(c.nodes, c.procs, strict=True):
            _wait_port(port, proc)
        (tmp / "nginx-temp").mkdir(mode=0o777)
        conf = tmp / "nginx.conf"
        conf.write_text(
            f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log {tmp}/nginx-access.log;
  client_body_temp_path {tmp}/nginx-temp/body;
  proxy_temp_path {tmp}/nginx-temp/proxy;
  fastcgi_temp_path {tmp}/nginx-temp/fastcgi;
  uwsgi_temp_path {tmp}/nginx-temp/uwsgi;
  scgi_temp_path {tmp}/nginx-temp/scgi;
  upstream duban {{ server 127.0.0.1:{n1}; server 127.0.0.1:{n2}; keepalive 4; }}
  server {{
    listen 127.0.0.1:{ng};
    location / {{
      proxy_pass http://duban;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""
        )
        ngx = _start(
            [str(NGINX), "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
            tmp / "nginx.out",
        )
        c.procs.append(ngx)
        _wait_port(ng, ngx, timeout=20)
        yield c
    finally:
        for proc in c.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in c.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for data in (replica, primary):
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    _as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                    capture_output=True,
                )
        shutil.rmtree(tmp, ignore_errors=True)


def test_one_session_is_served_by_both_nodes(cluster: Cluster) -> None:
    alice = Browser(cluster.base)
    alice.sign_in("alice")
    served_by = set()
    for _ in range(8):
        status, headers, body = alice.get("/ledger/")
        assert status == 200
        assert "督办台账" in body.decode()  # signed in on whichever node answered
        served_by.add(headers["X-Upstream"])
    assert served_by == {f"127.0.0.1:{port}" for port in cluster.nodes}


def _register(browser: Browser, cluster: Cluster, content: str) -> None:
    unit = cluster.psql(cluster.primary_port, "SELECT id FROM org_unit WHERE code = 'fgj'")
    browser.get("/directives/new/")
    status, _, body = browser.post(
        "/directives/new/",
        {
            "kind": "meeting",
            "urgency": "normal",
            "title": content,
            "doc_no": "",
            "issuer_leader": "",
            "issuer": "",
            "received_at": time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() - 120)),
            "text": "双节点测试。",
            "assign_now": "on",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-MIN_NUM_FORMS": "1",
            "tasks-MAX_NUM_FORMS": "1000",
            "tasks-0-content": content,
            "tasks-0-requirement": "",
            "tasks-0-leader": "",
            "tasks-0-lead": unit,
            "tasks-0-due": "2027-06-30",
            "tasks-0-cycle": "none",
            "tasks-0-cycle_day": "",
        },
    )
    assert status == 200
    assert content in body.decode(), body.decode()[:800]


def _export_has(browser: Browser, text: str) -> tuple[str, bool]:
    status, headers, body = browser.get("/ledger/export/?" + urllib.parse.urlencode({"q": text}))
    assert status == 200
    sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    # The title, the filter line (which names `text` too) and the header, then the tasks.
    rows = sheet.split("<row ")[4:]
    return headers.get("X-Duban-Read-From", ""), any(text in row for row in rows)


def _until(check: object, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < end, "timed out"
        time.sleep(0.5)


def test_reports_read_the_replica_but_never_older_than_ones_own_writes(cluster: Cluster) -> None:
    lily = Browser(cluster.base)  # a county leader: reads every task, writes nothing here
    lily.sign_in("lily")
    # Once the replica has her sign-in, her reports come from it.
    _until(lambda: lily.get("/dashboard/")[1].get("X-Duban-Read-From") == "replica")

    # The replica stops replaying: from now on it lags the primary by whatever is written.
    cluster.psql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
    alice = Browser(cluster.base)
    alice.sign_in("alice")
    content = f"双节点只读副本测试事项{time.time_ns()}"
    _register(alice, cluster, content)

    # The writer reads her own write, from the primary, on whichever node serves her.
    for _ in range(2):
        read_from, found = _export_has(alice, content)
        assert (read_from, found) == ("default", True)
    assert content in alice.get("/ledger/?" + urllib.parse.urlencode({"q": content}))[2].decode()
    # Another person is served by the replica, which has not seen it yet.
    assert _export_has(lily, content) == ("replica", False)

    cluster.psql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
    _until(lambda: _export_has(lily, content) == ("replica", True))
    # Caught up, the writer's reports move to the replica too.
    _until(lambda: _export_has(alice, content) == ("replica", True))


def test_a_replica_that_is_down_sends_reports_to_the_primary(cluster: Cluster) -> None:
    alice = Browser(cluster.base)
    alice.sign_in("alice")
    pg_ctl = str(PG_BIN / "pg_ctl")
    replica = cluster.tmp / "replica"
    subprocess.run(
        _as_postgres([pg_ctl, "-D", str(replica), "-m", "fast", "-w", "stop"]), check=True
    )
    try:
        for _ in range(2):  # both nodes
            status, headers, body = alice.get("/dashboard/")
            assert status == 200 and headers.get("X-Duban-Read-From") == "default"
            assert re.search("按期办结率", body.decode())
    finally:
        subprocess.run(
            [
                *_as_postgres([pg_ctl, "-D", str(replica), "-l", str(cluster.tmp / "replica.log")]),
                "-o",
                f"-p {cluster.replica_port} -c listen_addresses=127.0.0.1"
                f" -c unix_socket_directories={cluster.tmp}",
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )


def test_concurrent_writers_on_both_nodes_keep_record_and_tally_whole(cluster: Cluster) -> None:
    """8 people acting at once through nginx on both nodes: no 500, every event once, and
    the dashboard's tally (written in the same transactions) equal to a recount."""
    import threading
    import urllib.error

    alice = Browser(cluster.base)
    alice.sign_in("alice")
    tag = f"并发{time.time_ns()}"
    for i in range(16):
        _register(alice, cluster, f"{tag}事项{i:02d}")
    ids = [
        int(x)
        for x in cluster.psql(
            cluster.primary_port,
            f"SELECT id FROM work_task WHERE content LIKE '{tag}%' ORDER BY id",
        ).split()
    ]
    assert len(ids) == 16
    failures: list[str] = []

    def unit_worker(mine: list[int]) -> None:
        amy = Browser(cluster.base)
        amy.sign_in("amy")
        for pk in mine:
            for step, form in (("receive", {}), ("submit", {"text": "已按要求完成。"})):
                try:
                    amy.get(f"/tasks/{pk}/")
                    status, _, _ = amy.post(f"/tasks/{pk}/{step}/", form)
                except urllib.error.HTTPError as e:
                    status = e.code
                if status != 200:
                    failures.append(f"{step} {pk}: HTTP {status}")

    def office_worker() -> None:
        for _ in range(6):
            try:
                alice.get("/dashboard/")
            except urllib.error.HTTPError as e:
                failures.append(f"dashboard: HTTP {e.code}")

    threads = [threading.Thread(target=unit_worker, args=(ids[k::7],)) for k in range(7)]
    threads.append(threading.Thread(target=office_worker))
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert failures == []
    statuses = cluster.psql(
        cluster.primary_port,
        f"SELECT DISTINCT status FROM work_task WHERE id IN ({','.join(map(str, ids))})",
    )
    assert statuses == "submitted"
    # created, assigned, received, submitted: each once, in order, per task.
    kinds = cluster.psql(
        cluster.primary_port,
        "SELECT string_agg(kind, ',' ORDER BY seq) FROM work_event"
        f" WHERE task_id IN ({','.join(map(str, ids))}) GROUP BY task_id",
    ).split()
    assert kinds == ["created,assigned,received,submitted"] * 16
    check = (
        "import sys, django; django.setup(); from duban.audit.verify import verify_chain;"
        "from duban.work import tally; d = tally.differences(); print(len(d), d[:3]);"
        "print(verify_chain().ok)"
    )
    out = subprocess.run(
        [sys.executable, "-c", check],
        check=True,
        capture_output=True,
        text=True,
        env={**cluster.env, "DJANGO_SETTINGS_MODULE": "duban.settings"},
    ).stdout.split("\n")
    assert out[0] == "0 []" and out[1] == "True", out
