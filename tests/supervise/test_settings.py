"""The supervision settings: the sysadmin's admin pages (access-logged), the seeded defaults,
and records that are all-or-nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from duban.audit.models import AccessKind, AccessLog
from duban.supervise import actions as sv
from duban.supervise import record
from duban.supervise.models import (
    Ladder,
    ScoreRule,
    SpotCheck,
    SpotCheckItem,
    SupervisionConfig,
    config,
)
from duban.supervise.spotchecks import Filters
from duban.work import actions
from tests.conftest import County, at
from tests.work import flow


def test_the_defaults_are_seeded(county: County) -> None:
    conf = config()
    assert (conf.key_cycle, conf.key_cycle_day, conf.rectify_workdays) == ("weekly", 5, 10)
    red = Ladder.objects.get(name="红灯升级")
    assert red.is_active
    assert [(s.name, s.threshold, s.key_threshold) for s in red.steps.order_by("order")] == [
        ("自动催办", 3, 1),
        ("告知单位负责人", 5, 3),
        ("报告县领导", 10, 5),
    ]
    assert not Ladder.objects.get(name="黄灯累计（广元做法）").is_active
    assert ScoreRule.objects.filter(is_active=True).count() == 6
    assert all(r.text for r in ScoreRule.objects.all())


def _signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_only_the_sysadmin_edits_the_settings_and_each_change_is_logged(county: County) -> None:
    sam = _signed_in(county.sam)
    assert sam.get("/admin/supervise/ladder/").status_code == 200
    response = sam.post(
        "/admin/supervise/supervisionconfig/1/change/",
        {
            "key_cycle": "monthly",
            "key_cycle_day": "10",
            "rectify_workdays": "15",
            "line_summary_weekday": "5",
            "score_base": "100",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert config().key_cycle == "monthly"
    log = AccessLog.objects.get(kind=AccessKind.ADMIN)
    assert log.user == county.sam and "SupervisionConfig" in log.detail
    bad = sam.post(
        "/admin/supervise/supervisionconfig/1/change/",
        {
            "key_cycle": "weekly",
            "key_cycle_day": "12",
            "rectify_workdays": "15",
            "line_summary_weekday": "5",
            "score_base": "100",
        },
    )
    assert bad.status_code == 200 and "每周报送日须为1-7" in bad.content.decode()
    # The other roles never reach the admin site (not staff), the auditor included.
    for who in (county.alice, county.aud):
        assert _signed_in(who).get("/admin/supervise/ladder/").status_code == 302


def test_a_failed_record_write_stores_nothing(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = flow.task(county, at("2026-03-02 09:00"), co=[], due={"date": "2026-03-20"})
    actions.receive(task=t, by=county.amy, now=at("2026-03-02 10:00"))
    actions.submit_done(task=t, text="完成", by=county.amy, now=at("2026-03-05 09:00"))
    actions.verify(
        confirm_silent_co=True, task=t, accept=True, by=county.alice, now=at("2026-03-05 10:00")
    )
    actions.close(task=t, by=county.alice, now=at("2026-03-05 11:00"))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(record, "append", broken)
    with pytest.raises(RuntimeError):
        sv.draw_spot_check(
            title="抽查", filters=Filters(), size=1, seed=1, by=county.alice,
            now=at("2026-04-01 09:00"),
        )  # fmt: skip
    assert not SpotCheck.objects.exists() and not SpotCheckItem.objects.exists()
    assert SupervisionConfig.objects.count() == 1


def test_deleting_rules_from_the_list_is_logged_row_by_row(county: County) -> None:
    sam = _signed_in(county.sam)
    doomed = list(ScoreRule.objects.order_by("id")[:2])
    response = sam.post(
        "/admin/supervise/scorerule/",
        {
            "action": "delete_selected",
            "_selected_action": [r.pk for r in doomed],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not ScoreRule.objects.filter(pk__in=[r.pk for r in doomed]).exists()
    details = list(AccessLog.objects.filter(kind=AccessKind.ADMIN).values_list("detail", flat=True))
    for r in doomed:
        assert any(f"delete supervise.ScoreRule {r.pk}:" in d for d in details), details
