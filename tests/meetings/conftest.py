"""A standing meeting type and a 党组会 type, both convened by lily."""

from __future__ import annotations

import pytest

from duban.meetings.models import MeetingType
from tests.conftest import County
from tests.meetings.flow import party_type, standing_type


@pytest.fixture
def standing(county: County) -> MeetingType:
    return standing_type(county)


@pytest.fixture
def party(county: County) -> MeetingType:
    return party_type(county)
