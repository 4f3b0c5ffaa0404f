"""The demo county's session of items: every state, and its records verify."""

from __future__ import annotations

import pytest

from duban.audit.verify import rebuild, verify_chain
from duban.coordination.tick import tick
from duban.demo.build import COUNTY_FILE
from duban.demo.proposals import build_proposals
from duban.org.loader import load_file
from duban.proposals.models import Body, FollowUp, Proposal, State
from duban.records import chain
from duban.work.models import Light, Task
from tests.conftest import at


@pytest.mark.django_db
def test_the_demo_session_has_items_in_every_state_and_verifies() -> None:
    load_file(COUNTY_FILE, password=None)
    assert build_proposals(now=at("2026-11-26 17:00")) == 40
    items = Proposal.objects.select_related("session", "task")
    assert {p.session.body for p in items} == {Body.NPC, Body.CPPCC}
    assert {p.state for p in items} == {State.HANDLING, State.REPLIED, State.DONE}
    assert {p.category for p in items} >= {"A", "B", "C", "D"}
    assert items.filter(round=2).exists()  # a dissatisfied item handled again
    assert FollowUp.objects.exists()
    # The items still in hand are past their three months: red once lights are refreshed.
    handling = [p for p in items if p.state == State.HANDLING]
    assert handling and all(p.task and p.task.due and p.task.due.year == 2026 for p in handling)
    tick(now=at("2026-11-26 17:00"))  # as build_demo does after the streams
    assert {Task.objects.get(pk=p.task_id).light for p in handling} == {Light.RED}
    report = chain.verify()
    assert report.problems == [] and report.streams == 40
    assert verify_chain().ok
    assert rebuild().differing == []
