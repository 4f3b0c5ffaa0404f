"""A session's item driven step by step through the actions, time as a parameter."""

from __future__ import annotations

from datetime import date

import pytest

from duban.proposals import actions
from duban.proposals.models import Body, Proposal, Reply
from tests.conftest import County, at


class Year:
    """The 2026 人大 session of the small county, one item at a time."""

    def __init__(self, county: County) -> None:
        self.c = county
        self.session = actions.create_session(
            year=2026,
            body=Body.NPC,
            name="县第十八届人大第五次会议",
            by=county.alice,
            now=at("2026-01-20 09:00"),
        )

    def register(self, number: int = 2, *, urgent: bool = False) -> Proposal:
        return actions.register(
            session=self.session,
            item=actions.ItemDraft(
                number=number,
                title="关于加快城关镇污水管网改造的建议",
                text="城关镇老城区污水管网老化，建议列入年度计划加快改造。",
                lead=actions.ProposerDraft(
                    name="张伟", delegation="城关镇代表团", phone="13800001111"
                ),
                joined=[actions.ProposerDraft(name="李娜", delegation="城关镇代表团")],
                urgent=urgent,
            ),
            by=self.c.alice,
            now=at("2026-01-22 10:00"),
        )

    def assign(self, p: Proposal) -> Proposal:
        return actions.assign(
            proposal=p,
            lead=[self.c.a],
            co=[self.c.b],
            by=self.c.alice,
            now=at("2026-02-10 15:00"),
        )

    def contact(self, p: Proposal) -> None:
        actions.record_contact(
            proposal=p,
            on=date(2026, 3, 2),
            way="visit",
            with_whom="张伟代表",
            by_whom="安梅",
            by=self.c.amy,
            now=at("2026-03-02 16:00"),
        )

    def opinion(self, p: Proposal) -> None:
        actions.send_opinion(
            proposal=p,
            text="财政局将在年度预算中统筹安排改造资金。",
            by=self.c.bob,
            now=at("2026-03-05 10:00"),
        )

    def reply(self, p: Proposal, category: str = "B", when: str = "2026-04-20") -> Reply:
        r = actions.draft_reply(
            proposal=p,
            category=category,
            text="您提出的建议已列入2027年城建计划。",
            promise="污水管网改造列入2027年计划" if category in "BC" else "",
            promise_due=date(2027, 6, 30) if category in "BC" else None,
            is_public=True,
            by=self.c.amy,
            now=at(f"{when} 09:00"),
        )
        r = actions.sign_reply(reply=r, by=self.c.adam, now=at(f"{when} 11:00"))
        r = actions.review_reply(reply=r, approve=True, by=self.c.alice, now=at(f"{when} 15:00"))
        return actions.send_reply(reply=r, by=self.c.alice, now=at(f"{when} 17:00"))


@pytest.fixture
def year(county: County) -> Year:
    return Year(county)
