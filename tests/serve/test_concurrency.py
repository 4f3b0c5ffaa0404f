"""Eight writers at once, of every action kind, over HTTP, against two `duban serve`
processes (real gunicorn): no 500, and the record holds exactly the events of the requests
that succeeded (issue 18, defects 1 and 3; DESIGN.md "Concurrency").

Each writer, in each round, as the office and as its unit's liaison:
register + decompose + assign (one form, two tasks) · receive · report progress · request
an extension · decide it · urge · submit done · verify · close; on the second task: return
· reassign (to the next writer's unit) · withdraw; a third directive registered without
assigning, then assigned from its page; and on one task that every writer shares: urge,
the leader's comment, and the lead unit's progress report — so eight transactions queue on
the same row and the same hash chain.

The database side is checked afterwards from outside: event counts per kind equal the
successful requests, no (stream, seq) twice, the serials gapless, the dashboard's tally
(folded meanwhile, as tick does) equal to a fresh count of the tasks, `duban audit verify`
and `duban rebuild` clean, and no ERROR in duban.log.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from bench.http_site import Browser, Site, created_id, free_ports

from tests.conftest import SH

WRITERS = 8
# Rounds per writer: PostgreSQL is the production case; SQLite gets the small variant.
ROUNDS = {"postgresql": 3, "sqlite": 1}


def _postgres_server() -> str | None:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return None
    return url.rsplit("/", 1)[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    postgres = _postgres_server()
    if request.param == "postgresql" and postgres is None:
        pytest.skip("set DATABASE_URL to run the PostgreSQL case (.ci/run does)")
    if request.param == "sqlite" and postgres is not None:
        pytest.skip("the SQLite case runs in the SQLite pass of the suite")
    site = Site(root=tmp_path, ports=free_ports(18150, 18199, 2), postgres=postgres)
    if postgres:
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
        site.db_name = f"{base}_http"
    try:
        site.create()
        site.start("--no-jobs", "--workers", "2")
        yield site
    finally:
        site.stop()
        site.drop()


class Writer:
    """One office clerk and one unit's liaison, each with their own browser session."""

    def __init__(self, site: Site, n: int, shared: int) -> None:
        self.n, self.site, self.shared = n, site, shared
        self.office = site.browser("duchashi", n)
        self.liaison = site.browser(f"lly_u{n + 1}", n)
        self.leader = site.browser("ld", n)
        self.shared_liaison = site.browser("lly_u1", n)
        self.unit = site.unit(f"u{n + 1}")
        self.other = site.unit(f"u{(n + 1) % WRITERS + 1}")
        self.done: Counter[str] = Counter()  # event kind → requests that succeeded
        self.failures: list[str] = []

    def ok(
        self,
        kind: str,
        browser: Browser,
        path: str,
        data: dict[str, object] | None = None,
        *,
        events: int = 1,
    ) -> str:
        r = browser.post(path, data)
        # Success is the redirect the page makes after the action; a refusal or a bad form
        # renders the page again (200/400), a crash is 500.
        if r.status == 302 and "/login/" not in r.location:
            self.done[kind] += events
        else:
            self.failures.append(f"{kind} {path}: {r.status} {r.body[:300]!r}")
        return r.location

    def register(self, title: str, tasks: int, assign: bool) -> int:
        data: dict[str, object] = {
            "kind": "superior",  # a 领导批示 needs its 批示领导 (issue 12 point 3)
            "urgency": "normal",
            "title": title,
            "received_at": "2026-01-05T09:00",
            "tasks-TOTAL_FORMS": str(tasks),
            "tasks-INITIAL_FORMS": "0",
            "tasks-MIN_NUM_FORMS": "0",
            "tasks-MAX_NUM_FORMS": "1000",
        }
        if assign:
            data["assign_now"] = "on"
        for i in range(tasks):
            data[f"tasks-{i}-content"] = f"{title}：第{i + 1}项工作"
            data[f"tasks-{i}-lead"] = [str(self.unit)]
            data[f"tasks-{i}-due"] = "30天"
            data[f"tasks-{i}-cycle"] = "none"
        before = sum(self.done.values())
        where = self.ok("registered", self.office, "/directives/new/", data)
        if sum(self.done.values()) == before:
            return 0
        self.done["created"] += tasks
        if assign:
            self.done["assigned"] += tasks
        return created_id(Response302(where), r"/directives/(\d+)/")

    def task_ids(self, directive: int) -> list[int]:
        page = self.office.get(f"/directives/{directive}/").body
        ids = list(dict.fromkeys(int(x) for x in re.findall(r"/tasks/(\d+)/", page)))
        return sorted(ids)

    def run(self, rounds: int) -> None:
        try:
            for r in range(rounds):
                self.round(r)
        except Exception as e:  # reported by the test; a thread's exception is otherwise lost
            self.failures.append(f"writer {self.n} crashed: {e!r}")
        finally:
            self.close()

    def close(self) -> None:
        for b in (self.office, self.liaison, self.leader, self.shared_liaison):
            b.close()

    def round(self, r: int) -> None:
        d = self.register(f"写入者{self.n}第{r}轮批示", 2, assign=True)
        if not d:
            return
        first, second = self.task_ids(d)
        t = f"/tasks/{first}"
        self.ok("received", self.liaison, f"{t}/receive/")
        self.ok("progress", self.liaison, f"{t}/report/", {"text": "已完成方案编制。"})
        new_due = (datetime.now(SH).date() + timedelta(days=90)).isoformat()
        self.ok(
            "extension_requested",
            self.liaison,
            f"{t}/extend/",
            {"new_due": new_due, "reason": "需等待上级批复。"},
        )
        page = self.office.get(f"{t}/").body
        ext = created_id(Response302(page), r"/extensions/(\d+)/decide/")
        self.ok("extension_decided", self.office, f"/extensions/{ext}/decide/", {"approve": "1"})
        self.ok("urged", self.office, f"{t}/urge/", {"message": "请抓紧办理。"})
        self.ok("submitted", self.liaison, f"{t}/submit/", {"text": "已全部完成。"})
        self.ok("verified", self.office, f"{t}/verify/", {"accept": "1"})
        self.ok("closed", self.office, f"{t}/close/", {"note": ""})
        s = f"/tasks/{second}"
        self.ok("returned", self.liaison, f"{s}/return/", {"reason": "不属于本单位职责。"})
        self.ok(
            "reassigned",
            self.office,
            f"{s}/reassign/",
            {"lead": str(self.other), "reason": "改由相关单位牵头。"},
        )
        self.ok("withdrawn", self.office, f"{s}/withdraw/", {"reason": "工作已调整。"})
        later = self.register(f"写入者{self.n}第{r}轮来文", 1, assign=False)
        if later:
            self.ok("assigned", self.office, f"/directives/{later}/assign/", {"next": "directive"})
        # The shared task: eight writers on one row and one chain.
        x = f"/tasks/{self.shared}"
        self.ok("urged", self.office, f"{x}/urge/", {"message": f"第{self.n}次催办。"})
        self.ok("commented", self.leader, f"{x}/comment/", {"text": "请加快进度。"})
        self.ok("progress", self.shared_liaison, f"{x}/report/", {"text": f"进展{self.n}-{r}。"})


class Response302:
    """Adapts a location or a page to created_id."""

    def __init__(self, text: str) -> None:
        self.location, self.body = text, text


@pytest.mark.slow
def test_eight_writers_of_every_kind_lose_and_double_nothing(site: Site) -> None:
    setup = Writer(site, 0, shared=0)
    d = setup.register("八方共用的事项", 1, assign=True)
    [shared] = setup.task_ids(d)
    setup.ok("received", setup.shared_liaison, f"/tasks/{shared}/receive/")
    expected = Counter(setup.done)

    writers = [Writer(site, n, shared) for n in range(WRITERS)]
    rounds = ROUNDS[site.vendor]
    threads = [threading.Thread(target=w.run, args=(rounds,)) for w in writers]
    for t in threads:
        t.start()
    # Meanwhile the dashboard's tally is folded, as the daily tick does, again and again:
    # rows of transactions still running must be left for the next fold, not lost.
    folds = 0
    while any(t.is_alive() for t in threads):
        site.script("compact")
        folds += 1
    for t in threads:
        t.join()

    setup.close()
    failures = [f for w in writers for f in w.failures]
    assert failures == [], failures[:5]
    for w in writers:
        expected.update(w.done)
    counts = site.script("counts")
    recorded = {k: v for k, v in counts["events"].items() if k != "light_changed"}
    assert recorded == dict(expected)
    assert counts["duplicate_seq"] == 0
    serials = [s for _, s in counts["serials"]]
    assert serials == list(range(1, len(serials) + 1))
    assert len(serials) == 1 + WRITERS * rounds * 2
    # The dashboard's counts (kept by the actions, folded meanwhile) equal a fresh count.
    assert folds > 0
    assert counts["tally_by_state"] == counts["tasks_by_state"]
    assert counts["tally_differences"] == []
    assert sum(counts["tasks_by_state"].values()) == counts["events"]["created"]
    verify = site.duban("audit", "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    rebuild = site.duban("rebuild", check=False)
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    log = site.log_text()
    assert " ERROR " not in log, log[-3000:]
