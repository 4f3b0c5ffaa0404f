"""Co-units do their part (issue 12, point 5).

A co-unit that signed reports progress (with files) and its part done; the lead sees that
input when it consolidates; accepting a task whose co-units never signed or reported
follows the county's setting: the verifier confirms it and the event records it
(default), or it is refused.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from duban.audit.verify import rebuild
from duban.work import actions, selectors
from duban.work.errors import Invalid
from duban.work.models import EventKind, LoopConfig, SilentCoUnits, Task, TaskStatus
from tests.conftest import County, at
from tests.work import flow

T0 = at("2026-03-02 09:00")
T1 = at("2026-03-05 09:00")


def test_a_co_unit_reports_its_part_and_the_lead_consolidates_it(county: County) -> None:
    c = county
    t = flow.task(c, T0, lead=[c.a], co=[c.b, c.c])
    actions.receive(task=t, by=c.amy, now=T0)
    actions.receive(task=t, by=c.bob, now=T0)
    actions.report_progress(
        task=t,
        text="资金已拨付五成",
        attachments=[ContentFile(b"%PDF-1.4 voucher", name="拨付凭证.pdf")],
        by=c.bob,
        now=T0,
    )
    actions.submit_done(task=t, text="本局配合部分已完成，资金全部拨付", by=c.bob, now=T1)
    [b, cc] = selectors.co_inputs(t)
    assert (b.unit, b.signed, b.done, b.silent) == (c.b, True, True, False)
    assert b.text == "本局配合部分已完成，资金全部拨付"
    assert (cc.unit, cc.signed, cc.silent) == (c.c, False, True)
    actions.submit_done(task=t, text="主体工程完工", by=c.amy, now=T1)
    submitted = t.events.filter(kind=EventKind.SUBMITTED).order_by("-seq").first()
    assert submitted is not None
    assert submitted.payload["co_inputs"][0] == {
        "unit": c.b.pk,
        "done": True,
        "text": "本局配合部分已完成，资金全部拨付",
    }
    assert t.attachments.filter(name="拨付凭证.pdf").exists()


def _submitted_with_a_silent_co_unit(county: County) -> Task:
    c = county
    t = flow.task(c, T0, lead=[c.a], co=[c.b])  # 县财政局 never signs
    actions.receive(task=t, by=c.amy, now=T0)
    actions.submit_done(task=t, text="主体工程完工", by=c.amy, now=T1)
    return t


def test_by_default_the_verifier_confirms_a_silent_co_unit_and_it_is_recorded(
    county: County,
) -> None:
    t = _submitted_with_a_silent_co_unit(county)
    with pytest.raises(Invalid, match="配合单位县财政局尚未签收或未报送") as info:
        actions.verify(task=t, accept=True, by=county.alice, now=T1)
    assert info.value.field == "confirm_co"
    actions.verify(task=t, accept=True, confirm_silent_co=True, by=county.alice, now=T1)
    t.refresh_from_db()
    assert t.status == TaskStatus.VERIFIED
    ev = t.events.get(kind=EventKind.VERIFIED)
    assert ev.payload["silent_co"] == [county.b.pk] and ev.payload["silent_co_confirmed"]
    assert rebuild().differing == []


def test_the_county_may_refuse_to_accept_with_a_silent_co_unit(county: County) -> None:
    LoopConfig.objects.create(pk=1, silent_co_units=SilentCoUnits.BLOCK)
    t = _submitted_with_a_silent_co_unit(county)
    with pytest.raises(Invalid, match="按本县设置不能审核通过"):
        actions.verify(task=t, accept=True, confirm_silent_co=True, by=county.alice, now=T1)
    # Sending it back stays possible; once the co-unit reports, it can be accepted.
    actions.verify(task=t, accept=False, reason="请督促县财政局报送", by=county.alice, now=T1)
    actions.receive(task=t, by=county.bob, now=T1)
    actions.report_progress(task=t, text="已完成资金拨付", by=county.bob, now=T1)
    actions.submit_done(task=t, text="已补充", by=county.amy, now=T1)
    actions.verify(task=t, accept=True, by=county.alice, now=T1)
    assert "silent_co" not in t.events.get(kind=EventKind.VERIFIED).payload


def test_co_units_that_all_reported_need_no_confirmation(county: County) -> None:
    c = county
    t = flow.task(c, T0, lead=[c.a], co=[c.b])
    actions.receive(task=t, by=c.amy, now=T0)
    actions.receive(task=t, by=c.bob, now=T0)
    actions.submit_done(task=t, text="配合完成", by=c.bob, now=T0)
    actions.submit_done(task=t, text="完工", by=c.amy, now=T1)
    actions.verify(task=t, accept=True, by=c.alice, now=T1)
    t.refresh_from_db()
    assert t.status == TaskStatus.VERIFIED
