"""单位审核 through the pages (issue 12 point 6): who sees the queue, who may decide, and
what a refused or incomplete decision says."""

from __future__ import annotations

from typing import Any

import pytest

from duban.org.models import Role, User
from duban.work import actions
from duban.work.models import EventKind, LoopConfig, ReviewStatus, Task, UnitReview
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


@pytest.fixture
def held(county: County) -> tuple[Task, UnitReview]:
    LoopConfig.objects.create(pk=1, unit_review=True)
    t = flow.task(county, NOW, lead=[county.a], co=[])
    actions.receive(task=t, by=county.amy, now=NOW)
    return t, actions.send_for_unit_review(
        task=t, what="submit", text="主体工程已完工", by=county.amy, now=NOW
    )


def test_the_liaisons_submit_form_sends_it_to_the_head(county: County, client_for: Any) -> None:
    LoopConfig.objects.create(pk=1, unit_review=True)
    t = flow.task(county, NOW, lead=[county.a], co=[])
    actions.receive(task=t, by=county.amy, now=NOW)
    amy = client_for(county.amy)
    r = amy.post(f"/tasks/{t.pk}/submit/", {"text": "主体工程已完工"}, follow=True)
    assert "办结报告已送单位负责人审核" in r.content.decode()
    review = UnitReview.objects.get(task=t)
    assert review.status == ReviewStatus.PENDING and review.prepared_by == county.amy
    # The head's home lists it with its text; the liaison's shows it waiting.
    home = client_for(county.adam).get("/unit/").content.decode()
    assert "待本单位审核（1）" in home and "主体工程已完工" in home
    assert "待单位负责人审核（1）" in amy.get("/unit/").content.decode()


def test_only_the_head_of_that_unit_decides(
    county: County, client_for: Any, held: tuple[Task, UnitReview]
) -> None:
    t, review = held
    url = f"/unit-reviews/{review.pk}/decide/"
    assert client_for(county.amy).post(url, {"approve": "1"}).status_code == 403
    assert client_for(county.alice).post(url, {"approve": "1"}).status_code == 403
    bea = User.objects.create(username="bea", role=Role.UNIT_HEAD, unit=county.b)
    assert client_for(bea).post(url, {"approve": "1"}).status_code == 404
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert not t.events.filter(kind=EventKind.UNIT_REVIEW_DECIDED).exists()


def test_returning_without_a_reason_is_refused_and_says_why(
    county: County, client_for: Any, held: tuple[Task, UnitReview]
) -> None:
    _t, review = held
    adam = client_for(county.adam)
    r = adam.post(f"/unit-reviews/{review.pk}/decide/", {"approve": "0"}, follow=True)
    assert "请填写退回理由" in r.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    r = adam.post(
        f"/unit-reviews/{review.pk}/decide/", {"approve": "0", "reason": "缺照片"}, follow=True
    )
    assert "办结报告已退回经办人" in r.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.RETURNED and review.decision_reason == "缺照片"
    # Deciding it twice (a second tab) says so instead of failing.
    r = adam.post(f"/unit-reviews/{review.pk}/decide/", {"approve": "1"}, follow=True)
    assert "已退回经办人，无需再审核" in r.content.decode()
