"""Several `duban worker` processes on one PostgreSQL never send a message twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from duban.notify.models import ChannelConfig, Delivery, Preference
from duban.work import actions
from tests.conftest import County, at
from tests.notify.receivers import HttpReceiver, Request
from tests.work import flow

DUBAN = Path(sys.executable).parent / "duban"


@pytest.mark.slow
def test_three_workers_send_each_message_once(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "several worker processes need a shared server database (run with DATABASE_URL)"
        )
    from django.conf import settings

    from duban.org.loader import load
    from tests.conftest import SMALL_COUNTY

    load(SMALL_COUNTY)
    county = County()
    got: Counter[str] = Counter()

    def respond(req: Request) -> Any:
        m = re.search(r"第(\d+)次", req.json()["text"]["content"])
        got[m.group(1) if m else "other"] += 1
        time.sleep(0.02)  # a real server takes a moment: the workers overlap
        return 200, {"errcode": 0, "errmsg": "ok"}

    with HttpReceiver(respond) as rx:
        ChannelConfig.objects.create(
            kind="wecom_robot",
            enabled=True,
            options={"base_url": rx.url},
            secrets={"key": "K"},
            rate_per_minute=100000,
        )
        Preference.objects.create(user=county.amy, channels=["wecom_robot"], mobile="13800000001")
        now = at("2026-03-10 10:00")
        task = flow.task(county, now)
        n = 60
        for i in range(n):
            actions.urge(task=task, message=f"第{i}次催办", by=county.alice, now=now)
        db = settings.DATABASES["default"]
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        env = {**os.environ, "DATABASE_URL": url}
        workers = [
            subprocess.Popen(
                [str(DUBAN), "worker", "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL
            )
            for _ in range(3)
        ]
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                left = Delivery.objects.filter(channel="wecom_robot").exclude(state="delivered")
                if (
                    Delivery.objects.filter(channel="wecom_robot").count() == n + 1
                    and not left.exists()
                ):
                    break
                time.sleep(0.2)
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(10)
    assert got == Counter({**{str(i): 1 for i in range(n)}, "other": 1})
    assert set(
        Delivery.objects.filter(channel="wecom_robot").values_list("attempts", flat=True)
    ) == {1}
