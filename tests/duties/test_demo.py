"""The demo county carries a year of duty records, and the draft's figures are the
selectors' on it (issue 16, "How it is checked")."""

from __future__ import annotations

import pytest

from duban.demo.build import build_demo
from duban.documents import annual
from duban.duties import report, selectors
from duban.duties.models import (
    BranchActivity,
    CatalogueVersion,
    DraftingAssignment,
    IntegrityTalk,
    ResponsibilityList,
    ThemeDayTurn,
)
from duban.org.models import User
from duban.records import chain
from tests.conftest import at

NOW = at("2026-11-26 17:00")


@pytest.mark.django_db
def test_the_demo_holds_a_year_of_duties_and_the_draft_counts_them() -> None:
    build_demo(now=NOW, days=10)
    today = NOW.date()
    assert ThemeDayTurn.objects.filter(year=2026).count() == 12
    assert BranchActivity.objects.filter(held_on__year=2026).count() > 90
    assert IntegrityTalk.objects.filter(held_on__isnull=False).count() > 15
    assert ResponsibilityList.objects.count() == 2
    assert CatalogueVersion.objects.count() == 2
    assert DraftingAssignment.objects.get().status == "reviewing"
    missed = selectors.sessions_missed(year=2026, today=today)
    assert 0 < len(missed) < 20  # a few red, as an office would have
    assert [(t.post.title, t.quarter) for t in selectors.talks_missing(year=2026, today=today)] == [
        ("财务及采购岗", 2)
    ]
    director = User.objects.get(username="duchashi")
    f = report.figures(director, 2026, today=today)
    held = selectors.sessions_held(year=2026)
    a = annual.annual_figures(director, 2026, today=today)
    assert f["sessions"].value == sum(held.values()) and f["talks"].value == selectors.talks_held(
        year=2026
    )
    assert f["sessions_missed"].value == len(missed)
    assert f["tasks_closed"].value == a.tasks_closed and f["on_time_rate"].value == a.on_time_rate
    assert f["reform_measures"].value == 3 and f["studies"].value == 1
    text = "".join(p for s in report.draft(2026, f) for p in s.paragraphs)
    assert all(fig.text in text for fig in f.values())
    assert chain.verify().problems == []
