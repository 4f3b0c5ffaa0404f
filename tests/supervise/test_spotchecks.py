"""随机抽查 through the actions: the draw, the re-draw, findings, reopening, rectification."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.audit.verify import rebuild, verify_chain
from duban.notify.models import Outbox
from duban.supervise import actions as sv
from duban.supervise import record
from duban.supervise.models import SpotCheck, SupervisionEvent
from duban.supervise.spotchecks import Filters, population
from duban.work import actions
from duban.work.errors import Invalid, Refused
from duban.work.models import Attachment, DirectiveKind, EventKind, Task, TaskStatus
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def closed(county: County, lead: Any, when: str, **kw: Any) -> Task:
    """A task led by `lead`, done and closed on the day `when` (due 2026-06-30)."""
    liaison = {county.a.pk: county.amy, county.b.pk: county.bob, county.c.pk: county.carl}
    t = flow.task(county, NOW, lead=[lead], co=[], **kw)
    actions.receive(task=t, by=liaison[lead.pk], now=NOW)
    actions.submit_done(task=t, text="已完成", by=liaison[lead.pk], now=at(f"{when} 09:00"))
    actions.verify(
        confirm_silent_co=True, task=t, accept=True, by=county.alice, now=at(f"{when} 10:00")
    )
    actions.close(task=t, by=county.alice, now=at(f"{when} 11:00"))
    t.refresh_from_db()
    return t


@pytest.fixture
def twelve(county: County) -> list[Task]:
    """Six tasks of A, three of B, three of C, closed across March; one of A is key."""
    out = []
    for i, (unit, day) in enumerate(
        [(county.a, 10), (county.a, 11), (county.a, 12), (county.a, 13), (county.a, 16),
         (county.a, 17), (county.b, 18), (county.b, 19), (county.b, 20), (county.c, 23),
         (county.c, 24), (county.c, 25)]
    ):  # fmt: skip
        out.append(closed(county, unit, f"2026-03-{day:02d}", is_key=i == 0))
    return out


def draw_json(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("spotcheck", "draw", *args, "--json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_a_draw_records_seed_population_and_sample_and_redraws_the_same(
    county: County, twelve: list[Task]
) -> None:
    check = sv.draw_spot_check(
        title="一季度办结事项抽查",
        filters=Filters(),
        size=4,
        seed=20260401,
        by=county.alice,
        now=at("2026-04-01 09:00"),
    )
    assert (check.population, check.size, check.seed) == (12, 4, 20260401)
    sample = list(check.items.order_by("position").values_list("task_id", flat=True))
    assert len(sample) == 4 and set(sample) <= {t.pk for t in twelve}
    drawn = SupervisionEvent.objects.get(stream=check.stream)
    assert drawn.kind == "drawn" and drawn.payload["sample"] == sample
    assert drawn.payload["population"] == [[t.pk, t.lead_unit_id] for t in twelve]
    # Anyone can draw it again from the command line, twice: the same tasks.
    first = draw_json("--seed", "20260401", "--size", "4")
    assert [r["id"] for r in first["sample"]] == sample
    assert draw_json("--seed", "20260401", "--size", "4") == first
    assert first["population_digest"] == check.population_digest
    # Another seed gives another sample (for this population, checked once).
    assert [r["id"] for r in draw_json("--seed", "1", "--size", "4")["sample"]] != sample


def test_filters_select_the_population(county: County, twelve: list[Task]) -> None:
    def ids(**kw: Any) -> list[int]:
        return [m.task_id for m in population(Filters(**kw))]

    assert len(ids()) == 12
    assert len(ids(units=(county.a.pk,))) == 6
    assert len(ids(units=(county.b.pk, county.c.pk))) == 6
    assert ids(is_key=True) == [twelve[0].pk]
    # Closed 03-16 to 03-20, both days included.
    assert ids(closed_from=date(2026, 3, 16), closed_to=date(2026, 3, 20)) == [
        t.pk for t in twelve[4:9]
    ]
    assert ids(kinds=(DirectiveKind.MEETING,)) == []
    assert len(ids(kinds=(DirectiveKind.INSTRUCTION,))) == 12
    # The command takes unit codes and the same filters.
    data = draw_json("--seed", "5", "--rate", "50", "--unit", "fgj", "--closed-to", "2026-03-12")
    assert data["population"] == 3 and data["size"] == 2  # 50 % of 3, rounded up


def test_stratified_by_unit(county: County, twelve: list[Task]) -> None:
    check = sv.draw_spot_check(
        title="分层抽查",
        filters=Filters(),
        rate=Decimal(50),
        stratify=True,
        seed=9,
        by=county.alice,
        now=at("2026-04-01 09:00"),
    )
    units = list(check.items.values_list("task__lead_unit__code", flat=True))
    # 6 of 12: A has 6 → 3; B and C 3 each → 1.5: the tie goes to the smaller unit id (B).
    assert (units.count("fgj"), units.count("czj"), units.count("cgz")) == (3, 2, 1)
    again = draw_json("--seed", "9", "--rate", "50", "--stratify")
    assert [r["id"] for r in again["sample"]] == list(
        check.items.order_by("position").values_list("task_id", flat=True)
    )


def test_only_the_office_draws_and_an_empty_population_is_refused(county: County) -> None:
    with pytest.raises(Refused):
        sv.draw_spot_check(title="x", filters=Filters(), size=1, by=county.amy, now=NOW)
    with pytest.raises(Invalid, match="0项"):
        sv.draw_spot_check(title="x", filters=Filters(), size=1, by=county.alice, now=NOW)
    assert not SpotCheck.objects.exists()


def test_findings_true_false_and_a_reopened_task(county: County, twelve: list[Task]) -> None:
    check = sv.draw_spot_check(
        title="抽查",
        filters=Filters(),
        size=12,
        seed=1,
        by=county.alice,
        now=at("2026-04-01 09:00"),
    )
    items = {i.task_id: i for i in check.items.all()}
    ok, bad = twelve[1], twelve[2]
    sv.record_finding(
        item=items[ok.pk],
        verdict="true",
        notes="",
        by=county.alice,
        now=at("2026-04-02 10:00"),
        attachments=[ContentFile(b"\xff\xd8\xff\xe0photo", name="现场照片.jpg")],
    )
    ok.refresh_from_db()
    assert ok.status == TaskStatus.CLOSED
    ev = ok.events.get(kind=EventKind.SPOT_CHECKED)
    assert ev.payload["verdict"] == "true" and ev.actor == county.alice
    assert Attachment.objects.get(event=ev).name == "现场照片.jpg"

    item = sv.record_finding(
        item=items[bad.pk],
        verdict="false",
        notes="现场未见整改，台账与实际不符",
        rectify=True,
        by=county.alice,
        now=at("2026-04-02 11:00"),
    )
    bad.refresh_from_db()
    # Reopened with the rectification deadline: 10 working days after 04-02 (Qingming 04-06).
    assert (bad.status, bad.closed_at, bad.closed_on_time, bad.light) == (
        TaskStatus.IN_PROGRESS, None, None, "green"
    )  # fmt: skip
    assert str(bad.due) == "2026-04-17" and str(bad.due_original) == "2026-06-30"
    kinds = list(bad.events.order_by("seq").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.SPOT_CHECKED, EventKind.REOPENED]
    fix = item.rectification
    assert fix is not None and fix.directive.kind == DirectiveKind.RECTIFICATION
    assert (fix.lead_unit_id, fix.status, str(fix.due)) == (county.a.pk, "assigned", "2026-04-17")
    assert bad.events.get(kind=EventKind.SPOT_CHECKED).payload["rectification"] == fix.pk
    reopened = Outbox.objects.filter(kind="reopened").values_list("recipient__username", flat=True)
    assert sorted(reopened) == ["adam", "amy"]
    # The unit does it again, and it is closed again.
    actions.submit_done(task=bad, text="已整改", by=county.amy, now=at("2026-04-10 09:00"))
    actions.verify(
        confirm_silent_co=True, task=bad, accept=True, by=county.alice, now=at("2026-04-10 10:00")
    )
    actions.close(task=bad, by=county.alice, now=at("2026-04-10 11:00"))
    bad.refresh_from_db()
    assert (bad.status, bad.closed_on_time) == (TaskStatus.CLOSED, True)
    assert verify_chain().ok and rebuild().differing == []
    # The draw still re-draws the same: the population is "closed in the period".
    out = StringIO()
    call_command("spotcheck", "verify", str(check.pk), stdout=out)
    assert "重新抽取结果与记录一致" in out.getvalue()


def test_finding_refusals(county: County, twelve: list[Task]) -> None:
    check = sv.draw_spot_check(
        title="抽查", filters=Filters(), size=2, seed=3, by=county.alice, now=at("2026-04-01 09:00")
    )
    first, second = list(check.items.order_by("position"))
    with pytest.raises(Refused):
        sv.record_finding(item=first, verdict="true", notes="", by=county.amy, now=NOW)
    with pytest.raises(Invalid, match="核查发现的问题"):
        sv.record_finding(item=first, verdict="false", notes=" ", by=county.alice, now=NOW)
    with pytest.raises(Invalid, match="不属实"):
        sv.record_finding(item=first, verdict="true", notes="", rectify=True, by=county.alice)
    sv.record_finding(item=first, verdict="mostly", notes="佐证不全", by=county.alice)
    with pytest.raises(Invalid, match="已录入"):
        sv.record_finding(item=first, verdict="true", notes="", by=county.alice)
    with pytest.raises(Invalid, match="尚有1项"):
        sv.close_spot_check(spot_check=check, summary="完成", by=county.alice)
    sv.record_finding(item=second, verdict="true", notes="", by=county.alice)
    done = sv.close_spot_check(spot_check=check, summary="抽查2项，基本属实1项", by=county.alice)
    assert done.status == "closed"
    events = SupervisionEvent.objects.filter(stream=check.stream).order_by("seq")
    assert [e.kind for e in events] == ["drawn", "closed"]
    assert events.last().payload["mostly"] == 1  # type: ignore[union-attr]
    with pytest.raises(Invalid, match="已完成"):
        sv.close_spot_check(spot_check=check, summary="again", by=county.alice)


def test_the_spot_check_chain_is_verified_and_tampering_found(
    county: County, twelve: list[Task]
) -> None:
    check = sv.draw_spot_check(
        title="抽查", filters=Filters(), size=2, seed=3, by=county.alice, now=at("2026-04-01 09:00")
    )
    assert record.verify().problems == []
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "校验通过" in out.getvalue()
    # Someone edits the recorded sample in the database.
    drawn = SupervisionEvent.objects.get(stream=check.stream)
    SupervisionEvent.objects.filter(pk=drawn.pk).update(
        payload={**drawn.payload, "sample": drawn.payload["sample"][::-1]}
    )
    assert any("内容被改动" in p for p in record.verify().problems)
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=out, stderr=out)
    with pytest.raises(CommandError):
        call_command("spotcheck", "verify", str(check.pk), stdout=out)
