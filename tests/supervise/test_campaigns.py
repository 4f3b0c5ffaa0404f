"""专项督查: scope, checklist, visits with findings, rectification, the closing report."""

from __future__ import annotations

from datetime import date

import pytest

from duban.notify.models import Outbox
from duban.supervise import actions as sv
from duban.supervise import record
from duban.supervise.models import SupervisionEvent
from duban.work.errors import Invalid, Refused
from duban.work.models import DirectiveKind
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-05-06 09:00")
LATER = at("2026-05-08 16:00")
CHECKLIST = ["台账是否建立", "整改是否到位", "群众是否满意"]


def campaign(county: County):  # type: ignore[no-untyped-def]
    t = flow.task(county, at("2026-03-02 09:00"), lead=[county.c], co=[])
    return sv.create_campaign(
        title="安全生产专项督查",
        theme="汛前安全生产隐患排查整治",
        checklist=CHECKLIST,
        starts_on=date(2026, 5, 6),
        ends_on=date(2026, 5, 29),
        units=[county.a],
        tasks=[t],
        by=county.alice,
        now=NOW,
    )


def test_a_campaign_from_scope_to_closing_report(county: County) -> None:
    c = campaign(county)
    told = Outbox.objects.filter(kind="campaign").values_list("recipient__username", flat=True)
    assert sorted(told) == ["adam", "amy", "carl"]  # unit A, and C through its task
    visit = sv.record_visit(
        campaign=c,
        unit=county.a,
        visited_on=date(2026, 5, 8),
        inspectors="艾丽、督查室王明",
        results=[("done", ""), ("partly", "两处隐患未销号"), ("done", "")],
        notes="总体较好",
        by=county.alice,
        now=at("2026-05-08 16:00"),
    )
    assert visit.rectification is None
    bad = sv.record_visit(
        campaign=c,
        unit=county.c,
        visited_on=date(2026, 5, 12),
        inspectors="艾丽",
        results=[("not_done", "未建立台账"), ("not_done", "未整改"), ("partly", "部分群众不满意")],
        rectify=True,
        by=county.alice,
        now=at("2026-05-12 16:00"),
    )
    fix = bad.rectification
    assert fix is not None and fix.lead_unit == county.c
    assert fix.directive.kind == DirectiveKind.RECTIFICATION and fix.status == "assigned"
    assert "未建立台账" in fix.content
    done = sv.close_campaign(
        campaign=c, report="共督查2个单位，发现问题4个，已交办整改1件。", by=county.alice,
        now=at("2026-05-29 17:00"),
    )  # fmt: skip
    assert done.status == "closed"
    events = list(SupervisionEvent.objects.filter(stream=c.stream).order_by("seq"))
    assert [e.kind for e in events] == ["created", "visited", "visited", "closed"]
    closing = events[-1].payload
    assert (closing["visits"], closing["done"], closing["partly"], closing["not_done"]) == (
        2, 2, 2, 2
    )  # fmt: skip
    assert closing["rectifications"] == [fix.pk]
    assert record.verify().problems == []


def test_campaign_refusals(county: County) -> None:
    with pytest.raises(Refused):
        sv.create_campaign(
            title="x", theme="", checklist=["a"], starts_on=date(2026, 5, 6),
            ends_on=date(2026, 5, 7), units=[county.a], by=county.amy, now=NOW,
        )  # fmt: skip
    with pytest.raises(Invalid, match="检查内容"):
        sv.create_campaign(
            title="x", theme="", checklist=[" "], starts_on=date(2026, 5, 6),
            ends_on=date(2026, 5, 7), units=[county.a], by=county.alice, now=NOW,
        )  # fmt: skip
    c = campaign(county)
    visit = dict(visited_on=date(2026, 5, 8), inspectors="艾丽", by=county.alice, now=LATER)
    with pytest.raises(Invalid, match="不在本次督查范围"):
        sv.record_visit(campaign=c, unit=county.b, results=[("done", "")] * 3, **visit)
    with pytest.raises(Invalid, match="逐项"):
        sv.record_visit(campaign=c, unit=county.a, results=[("done", "")], **visit)
    with pytest.raises(Invalid, match="未落实的情况"):
        sv.record_visit(campaign=c, unit=county.a, results=[("not_done", "")] * 3, **visit)
    with pytest.raises(Invalid, match="无需交办整改"):
        sv.record_visit(
            campaign=c, unit=county.a, results=[("done", "")] * 3, rectify=True, **visit
        )
    with pytest.raises(Invalid, match="不能晚于今天"):
        sv.record_visit(
            campaign=c, unit=county.a, results=[("done", "")] * 3, **{**visit, "now": NOW}
        )
    with pytest.raises(Invalid, match="尚未录入"):
        sv.close_campaign(campaign=c, report="报告", by=county.alice, now=NOW)
