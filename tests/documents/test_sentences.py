"""Issue 11: the sentences of the 情况报告, the 督查通报 and the year's figures (points 1-4,
12-15), as a clerk reading them upward would check them."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from docx import Document

from duban.documents import annual, bulletin, report_back
from duban.documents.models import IssuedDocument
from duban.work import actions
from tests.conftest import County, at
from tests.files.office import TODAY, Office, close, make


def lines_of(content: bytes) -> list[str]:
    return [p.text for p in Document(BytesIO(content)).paragraphs]


def report(county: County, directive, **kw) -> list[str]:
    return lines_of(
        report_back.generate(
            user=county.alice,
            directive=directive,
            options=report_back.ReportOptions(issued_on=date(2026, 4, 16), **kw),
            now=TODAY,
        )
    )


def instruction(county: County, title: str):
    d = actions.register(
        by=county.alice, now=at("2026-03-02 09:00"), kind="instruction", title=title,
        urgency="normal", received_at=at("2026-03-02 08:30"), issuer_leader=county.leader_lily,
    )  # fmt: skip
    draft = actions.TaskDraft(
        content="整治城区内涝点", lead=[county.a], co=[], due={"date": "2026-03-20"}
    )
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=at("2026-03-02 09:00"))
    actions.assign(task=t, by=county.alice, now=at("2026-03-02 09:00"))
    t.refresh_from_db()
    return d, t


# ------------------------------------------------------------------ 1. address and opening


def test_a_leaders_instruction_is_addressed_to_the_leader_and_opened_once(county: County) -> None:
    d, _ = instruction(county, "李丽副县长对城区内涝点整治的批示")
    lines = report(county, d)
    assert "李副县长：" in lines  # 主送 as an office writes to a leader
    assert "副县长李丽：" not in lines
    opening = next(line for line in lines if line.startswith("2026年3月2日"))
    assert opening.startswith("2026年3月2日，李丽副县长对城区内涝点整治作出批示。")
    assert opening.count("批示") == 1  # no "在《…的批示》上作出批示"


def test_an_instruction_on_a_document_names_the_document_once(county: County) -> None:
    d, _ = instruction(county, "关于加强防汛工作的通知")
    opening = next(line for line in report(county, d) if line.startswith("2026年3月2日"))
    assert opening.startswith("2026年3月2日，李丽副县长在《关于加强防汛工作的通知》上批示。")


def test_an_issuer_written_as_text_still_finds_the_leader(county: County) -> None:
    t = make(county, at("2026-03-02 09:00"), content="整治城区内涝点", lead=[county.a])
    d = t.directive
    d.issuer_leader = None  # registered before 批示领导 was required: text only
    d.issuer = "副县长王刚"
    assert report_back.addressee_for(d) == "王副县长"
    d.issuer = "县住建局"
    assert report_back.addressee_for(d) == "县住建局"


# ------------------------------------------------------------------ 2. 特此报告 once


def test_the_closing_formula_is_printed_once(county: County) -> None:
    office = Office(county)
    d = office.meeting.directive
    actions.report_back(
        directive=d, text="交办的1项事项已全部办结，特此报告。", by=county.alice, now=TODAY
    )
    d.refresh_from_db()
    lines = report(county, d)
    assert sum("特此报告" in line for line in lines) == 1
    assert lines[lines.index("特此报告。") - 1] == "交办的1项事项已全部办结。"
    assert report_back.closing_paragraphs("甲。\n乙，特此报告。") == ["甲。", "乙。"]


# ------------------------------------------------------------------ 3. on time, by what


def test_on_time_is_judged_by_the_submission_date_and_says_so(county: County) -> None:
    d, t = instruction(county, "李丽副县长对城区内涝点整治的批示")
    actions.receive(task=t, by=county.amy, now=at("2026-03-03 09:00"))
    actions.submit_done(task=t, text="已整治完毕。", by=county.amy, now=at("2026-03-18 10:00"))
    # The office checks it after the deadline: still on time, by the submission date.
    actions.verify(task=t, accept=True, by=county.alice, now=at("2026-03-24 09:00"))
    actions.close(task=t, by=county.alice, now=at("2026-03-24 09:00"))
    lines = report(county, d)
    assert "牵头单位：县发改局；完成时限：2026年3月20日。" in lines
    assert (
        "牵头单位于2026年3月18日报送办结，在完成时限内，按期完成；2026年3月24日经审核办结。"
        in lines
    )
    assert not any("2026年3月24日办结，按期完成" in line for line in lines)


def test_a_late_submission_says_it_passed_the_deadline(county: County) -> None:
    t = make(
        county, at("2026-03-02 09:00"), content="农村道路硬化", lead=[county.c], due="2026-03-20"
    )
    close(county, t, county.carl, "2026-04-02 10:00")
    lines = report(county, t.directive)
    assert "牵头单位于2026年4月2日报送办结，当日审核办结，逾期完成。" in lines


# ------------------------------------------------------------------ 4. one 关于


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("关于做好春耕生产工作的通知", "关于做好春耕生产工作办理情况的报告"),
        ("关于加快项目建设的实施方案", "关于加快项目建设办理情况的报告"),
        ("关于城区停车难问题", "关于城区停车难问题办理情况的报告"),
        ("李丽副县长对城区内涝点整治的批示", "关于城区内涝点整治批示事项办理情况的报告"),
        ("县政府第12次常务会议纪要", "关于《县政府第12次常务会议纪要》办理情况的报告"),
    ],
)
def test_a_title_never_doubles_guan_yu(county: County, title: str, expected: str) -> None:
    d, _ = instruction(county, title)
    assert report_back.report_title(d) == expected
    assert expected.count("关于") == 1


# ------------------------------------------------------------------ 12. never the future


def make_bulletin(county: County, start: date, end: date, **kw) -> tuple[list[str], object]:
    content, f = bulletin.generate(
        user=county.alice, start=start, end=end, options=bulletin.BulletinOptions(**kw), now=TODAY
    )
    return lines_of(content), f


def test_a_period_not_yet_over_is_cut_at_today_and_says_so(county: County) -> None:
    Office(county)
    lines, f = make_bulletin(county, date(2026, 4, 1), date(2026, 4, 30))
    assert f.end == date(2026, 4, 15) and f.cut
    text = "\n".join(lines)
    assert "2026年4月（截至4月15日）督办事项办理情况通报如下" in text
    assert "截至4月30日" not in text and "4月30日" not in text


def test_a_period_in_the_future_a_date_before_its_end_and_a_wrong_year_are_refused(
    county: County,
) -> None:
    Office(county)
    with pytest.raises(bulletin.BulletinError, match="尚未开始"):
        make_bulletin(county, date(2026, 5, 1), date(2026, 5, 31))
    with pytest.raises(bulletin.BulletinError, match="早于统计截止日"):
        make_bulletin(county, date(2026, 3, 1), date(2026, 3, 31), issued_on=date(2026, 3, 20))
    with pytest.raises(bulletin.BulletinError, match="年份2025与成文日期"):
        make_bulletin(
            county, date(2026, 3, 1), date(2026, 3, 31), doc_no="云政办督〔2025〕3号",
            issued_on=date(2026, 4, 1),
        )  # fmt: skip
    assert not IssuedDocument.objects.exists()


# ------------------------------------------------------------------ 13. 等N个单位


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["长岭乡"], "长岭乡"),
        (["长岭乡", "城关镇"], "长岭乡、城关镇"),
        (["长岭乡", "城关镇", "县财政局"], "长岭乡、城关镇、县财政局等3个单位"),
    ],
)
def test_units_are_named_and_counted_only_from_three(names: list[str], words: str) -> None:
    assert bulletin.units_phrase(names) == words


def test_the_bulletin_never_writes_one_unit_as_a_group(county: County, settings) -> None:
    Office(county)
    settings.DUBAN_BULLETIN_PRAISE_MIN_CLOSED = 1
    lines, _ = make_bulletin(
        county, date(2026, 3, 1), date(2026, 3, 31), issued_on=date(2026, 4, 1)
    )
    text = "\n".join(lines)
    assert "等1个单位" not in text and "等2个单位" not in text
    assert "（一）予以表扬。县财政局办结事项多" in text


# ------------------------------------------------------------------ 14. 存在问题


def test_the_bulletin_has_its_problems_written_from_the_record(county: County) -> None:
    office = Office(county)
    actions.urge(task=office.overdue, message="请加快", by=county.alice, now=at("2026-03-20 09:00"))
    lines, f = make_bulletin(county, date(2026, 3, 1), date(2026, 4, 15))
    heads = [line for line in lines if line[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert heads == [
        "一、总体情况", "二、各单位办理情况", "三、逾期未办结事项", "四、存在问题",
        "五、表扬和通报", "六、下步工作要求",
    ]  # fmt: skip
    problems = lines[lines.index("四、存在问题") + 1 : lines.index("五、表扬和通报")]
    # 乡镇卫生院改造 was never received: that is its cause, not the urge.
    assert problems[0].startswith("（一）逾期事项较多。截至4月15日，逾期未办结事项1项")
    assert "交办后未签收1项" in problems[0]
    assert any(p.startswith("（二）进展报送不及时。") and "县发改局" in p for p in problems)
    assert f.causes == {"交办后未签收": 1}


def test_a_period_without_problems_says_so(county: County) -> None:
    lines, _ = make_bulletin(
        county, date(2026, 3, 1), date(2026, 3, 31), issued_on=date(2026, 4, 1)
    )
    after = lines[lines.index("四、存在问题") + 1]
    assert after.startswith("本期督办事项总体推进有序")


# ------------------------------------------------------------------ 15. annual figures


def test_annual_figures_are_defined_once_and_never_seem_to_disagree(county: County) -> None:
    Office(county)
    f = annual.annual_figures(county.alice, 2026, today=TODAY.date())
    sentences = annual.sentences(f)
    assigned = next(s for s in sentences if s.startswith("年内新分解交办任务"))
    closed = next(s for s in sentences if s.startswith("年内办结销号事项"))
    assert assigned == "年内新分解交办任务5项，截至4月15日其中已办结2项，办结率40.0%。"
    assert closed.startswith("年内办结销号事项2项（含以前年度交办的事项），其中按期办结1项")
    assert sentences[0].startswith("2026年（截至4月15日）共登记督办来文")


def test_a_co_units_submission_is_not_a_done_report(county: County) -> None:
    t = make(county, at("2026-03-02 09:00"), content="老旧小区改造", lead=[county.b], co=[county.a])
    actions.receive(task=t, by=county.bob, now=at("2026-03-03 09:00"))
    actions.receive(task=t, by=county.amy, now=at("2026-03-03 09:00"))
    actions.submit_done(task=t, text="配合部分完成。", by=county.amy, now=at("2026-03-04 09:00"))
    assert annual.annual_figures(county.alice, 2026).done_reports == 0
    actions.submit_done(task=t, text="已全部完成。", by=county.bob, now=at("2026-03-10 10:00"))
    assert annual.annual_figures(county.alice, 2026).done_reports == 1


def test_only_issued_bulletins_count_and_a_future_year_is_refused(county: County) -> None:
    Office(county)
    make_bulletin(county, date(2026, 3, 1), date(2026, 3, 31), issued_on=date(2026, 4, 1))  # draft
    assert annual.annual_figures(county.alice, 2026).bulletins == 0
    make_bulletin(
        county, date(2026, 3, 1), date(2026, 3, 31), issued_on=date(2026, 4, 1),
        doc_no="云政办督〔2026〕3号",
    )  # fmt: skip
    assert annual.annual_figures(county.alice, 2026).bulletins == 1
    with pytest.raises(annual.AnnualError, match="尚未开始"):
        annual.annual_figures(county.alice, 2027, today=TODAY.date())
