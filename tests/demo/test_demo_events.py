"""The demo's major events (issue 19): three of each type, one closed, one in 后续落实, one
coming up with its plan out, their chains whole."""

from __future__ import annotations

from collections import Counter

import pytest

from duban.demo.build import COUNTY_FILE
from duban.demo.events import build_events
from duban.events.models import Activity, ActivityState
from duban.events.selectors import year_figures
from duban.org.loader import load_file
from duban.records import chain
from tests.conftest import at
from tests.events.conftest import ensure_types

NOW = at("2026-11-26 17:00")


@pytest.mark.django_db
def test_the_demo_has_a_few_events_of_each_type_in_each_stage() -> None:
    load_file(COUNTY_FILE)
    ensure_types()
    assert build_events(now=NOW) == 12
    states = Counter((a.event_type.code, a.state) for a in Activity.objects.all())
    for code in ("research", "inspection", "investor", "groundbreaking"):
        assert states[(code, ActivityState.CLOSED)] == 1, states
        assert states[(code, ActivityState.FOLLOW_UP)] == 1
        assert states[(code, ActivityState.PLAN_ISSUED)] == 1
    figures = year_figures(year=2026)
    assert figures["events"] == 12 and figures["follow_ups"] == 8
    assert figures["follow_ups_closed"] == 4 and figures["follow_up_rate_permille"] == 500
    assert chain.verify().problems == []
