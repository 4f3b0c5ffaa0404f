"""A county with a year of duty records (2026), built through the actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from duban.duties import actions
from duban.duties.models import DutyPost, PartyBranch
from tests.conftest import County, at
from tests.web.conftest import client_for  # noqa: F401


@dataclass
class Duties:
    county: County
    branches: list[PartyBranch]
    posts: list[DutyPost]


def make_duties(county: County) -> Duties:
    c, now = county, at("2026-01-05 09:00")
    branches = [
        actions.save_branch(
            name=name, order=n, secretary=c.alice, members=members, by=c.alice, now=now
        )
        for n, (name, members) in enumerate(
            [
                ("机关第一党支部", [c.alice, c.sam]),
                ("机关第二党支部", [c.aud]),
                ("机关第三党支部", [c.sec]),
            ]
        )
    ]
    posts = [
        actions.save_post(
            title="督查室主任", holder="艾丽", category="section_head", unit=c.a, by=c.alice,
            now=now,
        ),
        actions.save_post(
            title="财政局局长", holder="鲍勃", category="unit_head", unit=c.b, by=c.alice, now=now
        ),
    ]  # fmt: skip
    actions.plan_theme_days(year=2026, by=c.alice, now=now)
    actions.plan_talks(year=2026, by=c.alice, now=now)
    return Duties(county, branches, posts)


@pytest.fixture
def duties(county: County) -> Duties:
    return make_duties(county)


def hold(d: Duties, branch: int, kind: str, on: str, topic: str = "学习贯彻党的二十大精神") -> None:
    actions.record_session(
        branch=d.branches[branch],
        kind=kind,
        held_on=date.fromisoformat(on),
        topic=topic,
        attended=5,
        expected=6,
        by=d.county.alice,
        now=at(f"{on} 18:00"),
    )
