"""单位审核 under load: two unit heads on two server processes (PostgreSQL) approve the same
queue at once. Each submission leaves the unit exactly once, nothing answers 500, and the
chains and the projection agree afterwards."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from duban.audit.verify import rebuild, verify_chain
from duban.org.models import Role, User
from duban.work import actions
from duban.work.models import EventKind, LoopConfig, ReviewStatus, TaskStatus, UnitReview
from tests.conftest import County
from tests.web import test_batch_concurrency as bc
from tests.web.conftest import PASSWORD
from tests.work import flow

pytestmark = bc.pytestmark


@pytest.fixture
def servers(
    web_county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """The batch test's two `duban serve` processes, on this branch's ports."""
    monkeypatch.setattr(bc, "PORTS", range(19000, 19100))
    yield from bc.servers.__wrapped__(web_county, tmp_path)  # type: ignore[attr-defined]


class HeadSession(bc.Session):
    """Signed in as a unit head: the home is 本单位事项, not the workbench."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = bc.http.cookiejar.CookieJar()
        no_redirect = type(
            "NoRedirect",
            (bc.urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *a, **k: None},
        )
        self.opener = bc.urllib.request.build_opener(
            bc.urllib.request.HTTPCookieProcessor(self.jar), no_redirect
        )
        self.get("/login/")
        status = self.post("/login/", {"username": username, "password": PASSWORD})
        assert status == 302, status
        assert self.get("/unit/") == 200


def test_two_heads_approving_one_queue_send_each_submission_once(
    web_county: County, servers: list[str]
) -> None:
    c = web_county
    LoopConfig.objects.update_or_create(pk=1, defaults={"unit_review": True})
    User.objects.create(
        username="ada", role=Role.UNIT_HEAD, unit=c.a, password=make_password(PASSWORD)
    )
    now = timezone.now()
    reviews = []
    for i in range(6):
        t = flow.task(c, now, lead=[c.a], co=[], due={"workdays": 20}, content=f"事项{i}")
        actions.receive(task=t, by=c.amy, now=now)
        reviews.append(
            actions.send_for_unit_review(task=t, what="submit", text=f"办结{i}", by=c.amy, now=now)
        )
    ids = [r.pk for r in reviews]
    sessions = [HeadSession(servers[i % 2], name) for i, name in enumerate(["adam", "ada"] * 2)]
    statuses: list[int] = []

    def work(s: bc.Session, n: int) -> None:
        # Each writer takes the queue in its own order, so their locks cross.
        for pk in ids if n % 2 else list(reversed(ids)):
            statuses.append(s.post(f"/unit-reviews/{pk}/decide/", {"approve": "1"}))

    threads = [threading.Thread(target=work, args=(s, n)) for n, s in enumerate(sessions)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # Every answer is the redirect back to the queue (the late ones with "已同意报送" said).
    assert statuses == [302] * (len(sessions) * len(ids)), statuses
    for r in UnitReview.objects.filter(pk__in=ids).select_related("task"):
        assert r.status == ReviewStatus.APPROVED
        assert r.decided_by is not None and r.decided_by.username in {"adam", "ada"}
        task = r.task
        assert task.status == TaskStatus.SUBMITTED and task.open_requests == []
        kinds = list(task.events.values_list("kind", flat=True))
        assert kinds.count(EventKind.UNIT_REVIEW_DECIDED) == 1, (task.code, kinds)
        assert kinds.count(EventKind.SUBMITTED) == 1, (task.code, kinds)
    report = verify_chain()
    assert report.ok, report.problems[:5]
    assert rebuild().differing == []
