"""单位审核 through the API (issue 12 point 6): a liaison's token is held for the unit head
as a liaison is on the pages; a unit head's token works the queue and its own 报送 go out."""

from __future__ import annotations

from typing import Any

import pytest

from duban.api import tokens
from duban.work import actions, homes
from duban.work.models import LoopConfig, ReviewStatus, Task, TaskStatus, UnitReview
from tests.api.conftest import Caller
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


@pytest.fixture
def head_a(county: County) -> Caller:
    """县发改局 OA acting as the unit's head (its 单位负责人)."""
    issued = tokens.create_integration(
        name="县发改局OA（负责人）", role="unit_head", unit=county.a, by=county.sam
    )
    return Caller(issued.raw)


@pytest.fixture
def task(county: County, oa_a: Caller) -> Task:
    t = flow.task(county, NOW, lead=[county.a], co=[], due={"date": "2030-06-30"})
    assert oa_a.post(f"/api/v1/tasks/{t.pk}/receive").status_code == 200
    LoopConfig.objects.create(pk=1, unit_review=True)
    return t


def test_a_liaisons_submit_waits_for_the_head(county: County, oa_a: Caller, task: Task) -> None:
    r = oa_a.form(f"/api/v1/tasks/{task.pk}/submit", {"text": "主体工程已完工。"})
    assert r.status_code == 202, r.content.decode()
    body = r.json()
    assert body["detail"] == "办结报告已送单位负责人审核，单位负责人同意后报送督查室。"
    assert body["review"]["status"] == "pending" and body["review"]["what"] == "submit"
    assert body["task"]["status"] == "in_progress"  # nothing reached the office yet
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    # The head sees it on the pages' queue, like a person's.
    [review] = homes.unit_reviews_pending(county.adam)
    assert review.text == "主体工程已完工。" and review.pk == body["review"]["id"]
    # Sending it twice is a conflict with a reason, not a second review.
    again = oa_a.form(f"/api/v1/tasks/{task.pk}/submit", {"text": "主体工程已完工。"})
    assert again.status_code == 409 and "待单位负责人审核" in again.json()["detail"]


def test_extension_and_progress_follow_the_countys_setting(
    county: County, oa_a: Caller, task: Task
) -> None:
    r = oa_a.post(
        f"/api/v1/tasks/{task.pk}/extension", {"new_due": "2030-09-30", "reason": "汛期停工"}
    )
    assert r.status_code == 202 and "延期申请已送单位负责人审核" in r.json()["detail"]
    assert r.json()["review"]["requested_due"] == "2030-09-30"
    assert not task.extensions.exists()
    # Progress is held only when the county asks for that too.
    r = oa_a.form(f"/api/v1/tasks/{task.pk}/progress", {"text": "已完成地基。"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    LoopConfig.objects.filter(pk=1).update(unit_review_progress=True)
    r = oa_a.form(f"/api/v1/tasks/{task.pk}/progress", {"text": "已完成主体。"})
    assert r.status_code == 202 and "进展报告已送单位负责人审核" in r.json()["detail"]


def test_the_head_token_lists_approves_and_returns(
    county: County, oa_a: Caller, head_a: Caller, task: Task
) -> None:
    oa_a.form(f"/api/v1/tasks/{task.pk}/submit", {"text": "主体工程已完工。"})
    [listed] = head_a.get("/api/v1/unit-reviews").json()
    assert listed["what_label"] == "办结报告" and listed["task_id"] == task.pk
    # The liaison's token sees the same queue, and may not decide it.
    assert [r["id"] for r in oa_a.get("/api/v1/unit-reviews").json()] == [listed["id"]]
    url = f"/api/v1/unit-reviews/{listed['id']}/decide"
    refused = oa_a.post(url, {"approve": True})
    assert refused.status_code == 403 and refused.json()["detail"]
    # Returning needs a reason.
    r = head_a.post(url, {"approve": False})
    assert r.status_code == 422 and "退回理由" in r.json()["detail"]
    r = head_a.post(url, {"approve": False, "reason": "缺现场照片"})
    assert r.status_code == 200 and r.json()["detail"] == "办结报告已退回经办人。"
    assert r.json()["review"]["status"] == "returned"
    assert head_a.get("/api/v1/unit-reviews").json() == []
    # Sent again and approved: it reaches the office in the liaison's name.
    oa_a.form(f"/api/v1/tasks/{task.pk}/submit", {"text": "主体工程已完工，照片附后。"})
    [again] = head_a.get("/api/v1/unit-reviews").json()
    r = head_a.post(f"/api/v1/unit-reviews/{again['id']}/decide", {"approve": True})
    assert r.status_code == 200 and r.json()["detail"] == "已同意，办结报告已报送督查室。"
    assert r.json()["task"]["status"] == "submitted"
    decided = head_a.post(f"/api/v1/unit-reviews/{again['id']}/decide", {"approve": True})
    assert decided.status_code == 409 and "无需再审核" in decided.json()["detail"]


def test_the_head_token_submits_directly_and_others_cannot_reach_the_queue(
    county: County, city: Caller, oa_b: Caller, head_a: Caller, task: Task
) -> None:
    r = head_a.form(f"/api/v1/tasks/{task.pk}/submit", {"text": "已完工，负责人报送。"})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert not UnitReview.objects.exists()
    r = city.get("/api/v1/unit-reviews")
    assert r.status_code == 403 and "单位联络员和单位负责人" in r.json()["detail"]
    review = _held(county)
    head_b = Caller(
        tokens.create_integration(
            name="县财政局OA（负责人）", role="unit_head", unit=county.b, by=county.sam
        ).raw
    )
    for caller in (head_b, city):
        r = caller.post(f"/api/v1/unit-reviews/{review.pk}/decide", {"approve": True})
        assert r.status_code == 404 and r.json()["detail"] == "待审核的报送不存在。"
    assert oa_b.get("/api/v1/unit-reviews").json() == []
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def _held(county: County) -> Any:
    t = flow.task(county, NOW, lead=[county.a], co=[])
    actions.receive(task=t, by=county.amy, now=NOW)
    return actions.send_for_unit_review(task=t, what="submit", text="完工", by=county.amy, now=NOW)
