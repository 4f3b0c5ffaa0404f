"""Concurrent writers over HTTP against two `duban serve` processes on one PostgreSQL:
no 500, no lost and no duplicated event, every chain intact."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from duban.api import tokens
from duban.audit.verify import verify_chain
from duban.crypto import chain_key, field_key
from duban.org.loader import load
from duban.work.models import Event, EventKind, Task
from tests.conftest import SMALL_COUNTY, County

PORTS = (18810, 18811)


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def servers(transactional_db: None, tmp_path: Path) -> Iterator[list[str]]:
    if connection.vendor != "postgresql":
        pytest.skip("several server processes share one database on PostgreSQL")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DUBAN_DATA": str(tmp_path)}
    # The servers chain events and read encrypted fields with the test's keys (crypto.py).
    env["DUBAN_CHAIN_KEY"], env["DUBAN_FIELD_KEY"] = chain_key().hex(), field_key().hex()
    procs = []
    for port in PORTS:
        assert _free(port), f"port {port} is taken"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "duban.cli", "serve", "--port", str(port), "--threads", "4"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    deadline = time.monotonic() + 90
    while any(_free(p) for p in PORTS):
        assert time.monotonic() < deadline, "servers did not start"
        time.sleep(0.3)
    yield [f"http://127.0.0.1:{p}" for p in PORTS]
    for p in procs:
        p.terminate()
        p.wait(timeout=20)


def _post(base: str, path: str, token: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_concurrent_writers_lose_nothing(servers: list[str]) -> None:
    load(SMALL_COUNTY)
    county = County()
    city = tokens.create_integration(
        name="市督查平台", role="supervisor", rate_per_minute=10_000, by=county.sam
    ).raw
    unit_b = tokens.create_integration(
        name="县财政局OA", role="liaison", unit=county.b, rate_per_minute=10_000, by=county.sam
    ).raw
    # Directives registered at once on both servers (the serial number is contended).
    registrations = [
        (
            servers[i % 2],
            "/api/v1/directives",
            city,
            {
                "kind": "superior",
                "title": f"交办函{i}",
                "tasks": [{"content": f"事项{i}", "lead": ["czj"], "due": "20个工作日"}],
            },
        )
        for i in range(8)
    ]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda a: _post(*a), registrations))
    assert codes == [201] * 8
    task_ids = list(Task.objects.order_by("id").values_list("id", flat=True))
    assert len(task_ids) == 8
    # Then on every task at once: the unit receives (exactly one wins each) and the city urges.
    calls = []
    for i, pk in enumerate(task_ids):
        for j in range(3):
            calls.append((servers[(i + j) % 2], f"/api/v1/tasks/{pk}/receive", unit_b, {}))
            calls.append(
                (
                    servers[(i + j + 1) % 2],
                    f"/api/v1/tasks/{pk}/urge",
                    city,
                    {"message": f"请加快第{j}次"},
                )
            )
    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(lambda a: _post(*a), calls))
    assert 500 not in codes
    receives = [c for c, call in zip(codes, calls, strict=True) if call[1].endswith("receive")]
    urges = [c for c, call in zip(codes, calls, strict=True) if call[1].endswith("urge")]
    assert sorted(receives) == [200] * 8 + [409] * 16  # one receipt per task, the rest refused
    assert urges == [200] * 24
    assert Event.objects.filter(kind=EventKind.RECEIVED).count() == 8
    assert Event.objects.filter(kind=EventKind.URGED).count() == 24
    assert sorted(Task.objects.values_list("urge_count", flat=True)) == [3] * 8
    assert verify_chain().problems == []
