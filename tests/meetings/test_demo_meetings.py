"""The demo's meetings (src/duban/demo/meetings.py): held, minuted, their decisions followed
as 会议议定事项, and the chains whole."""

from __future__ import annotations

import pytest

from duban.demo.build import build_demo
from duban.meetings import selectors
from duban.meetings.models import Meeting, MeetingState
from duban.records.chain import verify
from duban.work.models import DirectiveKind, Task
from tests.conftest import at

pytestmark = pytest.mark.django_db


def test_a_season_of_demo_meetings() -> None:
    build_demo(now=at("2026-06-30 18:00"), days=120)
    issued = Meeting.objects.filter(state=MeetingState.MINUTES_ISSUED)
    assert issued.count() >= 3
    for meeting in issued:
        topic = meeting.topics.get()
        assert topic.directive is not None and topic.directive.kind == DirectiveKind.MEETING
        assert Task.objects.filter(directive=topic.directive).exists()
        assert hasattr(meeting, "law_study")
    figures = selectors.year_figures(year=2026)
    assert figures["directives"] == issued.count()
    assert figures["major_matters"] >= 1
    assert verify().problems == []
