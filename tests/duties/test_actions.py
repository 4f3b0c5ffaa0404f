"""三会一课 records, the kept rotation, and the talks' missing quarter (issue 16, 1-2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.duties import actions, selectors
from duban.duties import calendar as cal
from duban.duties.models import BranchActivity, DutyFile, IntegrityTalk, ThemeDayTurn
from duban.records import chain
from duban.records.models import RecordEvent
from duban.work.errors import Invalid, Refused
from tests.conftest import County, at
from tests.duties.conftest import Duties, hold

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_session_is_recorded_with_its_photos_in_the_chain(duties: Duties) -> None:
    c = duties.county
    photo = SimpleUploadedFile("合影.png", PNG, content_type="image/png")
    a = actions.record_session(
        branch=duties.branches[0],
        kind="congress",
        held_on=date(2026, 2, 10),
        topic="年度组织生活会",
        attended=5,
        expected=6,
        absent="张三（出差）",
        minutes="会议传达学习了……",
        photos=[photo],
        by=c.alice,
        now=at("2026-02-10 18:00"),
    )
    [ev] = chain.events_of(a)
    assert ev.kind == "held" and ev.payload["topic"] == "年度组织生活会"
    assert ev.payload["photos"][0]["name"] == "合影.png"
    assert DutyFile.objects.get(stream=a.stream).purpose == "photo"
    assert chain.verify().problems == []


def test_bad_input_is_refused_in_chinese_naming_the_field(duties: Duties) -> None:
    c, b = duties.county, duties.branches[0]
    with pytest.raises(Invalid) as e:
        actions.record_session(
            branch=b, kind="congress", held_on=date(2026, 2, 10), topic="x", attended=7,
            expected=6, by=c.alice, now=at("2026-02-10 18:00"),
        )  # fmt: skip
    assert (e.value.message, e.value.field) == ("实到人数须在0至6之间。", "attended")
    with pytest.raises(Invalid) as e:
        actions.record_session(
            branch=b, kind="congress", held_on=date(2026, 2, 11), topic="x", attended=1,
            expected=6, by=c.alice, now=at("2026-02-10 18:00"),
        )  # fmt: skip
    assert e.value.field == "held_on"
    with pytest.raises(Refused):
        actions.record_session(
            branch=b, kind="congress", held_on=date(2026, 2, 10), topic="x", attended=1,
            expected=6, by=c.amy, now=at("2026-02-10 18:00"),
        )  # fmt: skip
    assert not BranchActivity.objects.exists() and not RecordEvent.objects.filter(kind="held")


def test_missed_sessions_show_red_like_a_task(duties: Duties) -> None:
    hold(duties, 0, "committee", "2026-01-20")
    hold(duties, 0, "group", "2026-01-21")
    [first, *_] = selectors.branch_calendar(year=2026, today=date(2026, 2, 1))
    lights = {(r.slot.kind, r.slot.start.month): r.light for r in first.rows}
    assert lights[("committee", 1)] == cal.Light.DONE
    assert lights[("group", 1)] == cal.Light.DONE
    assert lights[("congress", 1)] == cal.Light.GREEN  # the quarter runs to 31 March
    assert lights[("committee", 2)] == cal.Light.GREEN
    # branch 1 leads January's 主题党日 (rotation) and held none: red on 1 February
    leads = selectors.theme_day_leads(2026)
    lead_index = [b.pk for b in duties.branches].index(leads[1].pk)
    missed = selectors.sessions_missed(year=2026, today=date(2026, 2, 1))
    labels = sorted(f"{b.name}{s.label}" for b, s in missed)
    expected = sorted(
        [f"{b.name}2026年1月支委会" for b in duties.branches[1:]]
        + [f"{b.name}2026年1月党小组会" for b in duties.branches[1:]]
        + [f"{duties.branches[lead_index].name}2026年1月主题党日"]
    )
    assert labels == expected


def test_the_rotation_is_kept_once_generated(duties: Duties) -> None:
    c = duties.county
    before = list(ThemeDayTurn.objects.filter(year=2026).values_list("month", "branch_id"))
    assert len(before) == 12
    assert len({b for _, b in before}) == 3  # 三个支部轮流牵头
    # A fourth branch set up in June: regenerating changes no stored month.
    actions.save_branch(name="机关第四党支部", order=4, by=c.alice, now=at("2026-06-01 09:00"))
    actions.plan_theme_days(year=2026, by=c.alice, now=at("2026-06-01 09:00"))
    after = list(ThemeDayTurn.objects.filter(year=2026).values_list("month", "branch_id"))
    assert after == before
    # The next year is planned with four, and the same whenever it is generated.
    actions.plan_theme_days(year=2027, by=c.alice, now=at("2026-12-01 09:00"))
    plan = list(ThemeDayTurn.objects.filter(year=2027).values_list("branch_id", flat=True))
    assert len(set(plan)) == 4
    assert plan == list(cal.rotation(sorted({*plan}), 2027).values())


def test_a_talk_is_recorded_and_a_missing_quarter_is_flagged(duties: Duties) -> None:
    c = duties.county
    assert IntegrityTalk.objects.filter(year=2026).count() == 8  # 2 posts × 4 quarters
    q1 = IntegrityTalk.objects.filter(year=2026, quarter=1)
    actions.record_talk(
        talk=q1[0], held_on=date(2026, 3, 2), talker="县政府办主任", points="严守纪律",
        follow_up="已整改", by=c.alice, now=at("2026-03-02 16:00"),
    )  # fmt: skip
    with pytest.raises(Invalid) as e:
        actions.record_talk(
            talk=q1[1], held_on=date(2026, 4, 2), talker="主任", points="x", by=c.alice,
            now=at("2026-04-02 16:00"),
        )  # fmt: skip
    assert e.value.message == "约谈日期须在2026年第1季度内。"
    assert selectors.talks_held(year=2026) == 1
    missing = selectors.talks_missing(year=2026, today=date(2026, 4, 1))
    assert [(t.post.title, t.quarter) for t in missing] == [("财政局局长", 1)]
    assert selectors.talks_missing(year=2026, today=date(2026, 3, 31)) == []
    row = selectors.talk_plan(year=2026, today=date(2026, 4, 1))[1]
    assert [light for _, light in row.cells][:2] == [cal.Light.RED, cal.Light.GREEN]
    assert chain.verify().problems == []


def test_planning_talks_again_only_adds_new_posts(duties: Duties, county: County) -> None:
    actions.save_post(
        title="财务岗", holder="安梅", category="key_post", unit=county.a, by=county.alice,
        now=at("2026-05-01 09:00"),
    )  # fmt: skip
    made = actions.plan_talks(year=2026, by=county.alice, now=at("2026-05-01 09:00"))
    assert [(t.post.title, t.quarter) for t in made] == [("财务岗", q) for q in (1, 2, 3, 4)]
