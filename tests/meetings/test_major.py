"""三重一大: collective decisions at a 党组会/室务会, 末位表态, and matters decided outside."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from duban.meetings import actions, documents, selectors
from duban.meetings.models import MatterCategory, MeetingType
from duban.meetings.rules import Stance
from duban.records.chain import events_of
from duban.work.errors import Invalid
from tests.conftest import County, at

pytestmark = pytest.mark.django_db


def _meeting(county: County, t: MeetingType):  # type: ignore[no-untyped-def]
    return actions.plan_meeting(
        type=t, starts_at=at("2026-03-05 09:00"), place="党组会议室", by=county.alice,
        now=at("2026-03-01 09:00"),
    )  # fmt: skip


def test_a_record_with_the_principal_not_last_is_refused(
    county: County, party: MeetingType
) -> None:
    meeting = _meeting(county, party)
    assert meeting.title == "县政府党组第一次会议"
    with pytest.raises(Invalid, match="主要负责人李丽须末位表态"):
        actions.record_major_matter(
            category=MatterCategory.FUNDS,
            title="县城供水管网改造资金安排",
            decided_on=date(2026, 3, 5),
            decision="同意安排资金800万元。",
            meeting=meeting,
            present=["李丽", "王刚"],
            stances=[Stance("李丽", "同意", True), Stance("王刚", "同意")],
            by=county.alice,
            now=at("2026-03-05 11:00"),
        )
    assert meeting.major_matters.count() == 0
    matter = actions.record_major_matter(
        category=MatterCategory.FUNDS,
        title="县城供水管网改造资金安排",
        decided_on=date(2026, 3, 5),
        decision="同意安排资金800万元。",
        meeting=meeting,
        present=["李丽", "王刚"],
        absent=[("张三", "病假")],
        stances=[Stance("王刚", "同意"), Stance("李丽", "同意", True)],
        by=county.alice,
        now=at("2026-03-05 11:00"),
    )
    assert [e.kind for e in events_of(matter)] == ["recorded"]
    assert events_of(matter)[0].payload["stances"][-1] == {
        "name": "李丽", "stance": "同意", "principal": True,
    }  # fmt: skip
    assert [e.kind for e in events_of(meeting)][-1] == "major_matter"


def test_a_stance_by_someone_not_present_is_refused(county: County, party: MeetingType) -> None:
    with pytest.raises(Invalid, match="表态人王刚不在出席成员中"):
        actions.record_major_matter(
            category=MatterCategory.APPOINTMENT,
            title="干部任免",
            decided_on=date(2026, 3, 5),
            decision="同意。",
            meeting=_meeting(county, party),
            present=["李丽"],
            stances=[Stance("王刚", "同意"), Stance("李丽", "同意", True)],
            by=county.alice,
        )


def test_a_standing_meeting_is_not_a_collective_decision_meeting(
    county: County, standing: MeetingType
) -> None:
    with pytest.raises(Invalid, match="不是三重一大集体决策会议"):
        actions.record_major_matter(
            category=MatterCategory.PROJECT,
            title="项目",
            decided_on=date(2026, 3, 5),
            decision="同意。",
            meeting=_meeting(county, standing),
            by=county.alice,
        )


def test_the_years_list_flags_a_matter_decided_outside_a_meeting(
    county: County, party: MeetingType
) -> None:
    meeting = _meeting(county, party)
    actions.record_major_matter(
        category=MatterCategory.FUNDS,
        title="资金安排",
        decided_on=date(2026, 3, 5),
        decision="同意。",
        meeting=meeting,
        present=["李丽", "王刚"],
        stances=[Stance("王刚", "同意"), Stance("李丽", "同意", True)],
        by=county.alice,
    )
    actions.record_major_matter(
        category=MatterCategory.PROJECT,
        title="未上会的项目安排",
        decided_on=date(2026, 4, 1),
        decision="由分管领导批准实施。",
        by=county.alice,
    )
    figures = selectors.year_figures(year=2026)
    assert (figures["major_matters"], figures["major_matters_outside"]) == (1, 1)
    sheet = load_workbook(
        BytesIO(documents.major_matters_xlsx(user=county.alice, year=2026))
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "事项" and rows[0][-1] == "标记"
    assert rows[1][7] == "王刚：同意；李丽（主要负责人）：同意"
    assert rows[2][2] == "未上会的项目安排" and rows[2][-1] == "未经会议集体决策"
