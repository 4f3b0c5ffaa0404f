"""The 述职述廉 draft (issue 16, point 7): every figure against its selector, the text
editable and kept as versions, the .docx in the GB/T 9704 layout, rendered and measured."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from docx import Document

from duban.documents import annual
from duban.duties import actions, report, selectors
from duban.duties.models import IntegrityTalk
from duban.events import selectors as event_selectors
from duban.meetings import selectors as meeting_selectors
from duban.records import chain
from duban.work.errors import Invalid
from duban.work.models import DirectiveKind
from tests.conftest import County, at
from tests.duties.conftest import Duties, hold, make_duties
from tests.files.office import TODAY, Office, make
from tests.files.test_pdf import BOTTOM_EDGE, RIGHT_EDGE, render
from tests.meetings import flow as meeting_flow

DAY = TODAY.date()


def docx_bytes(text: str) -> bytes:
    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture
def built(county: County) -> Duties:
    """A county in April 2026: the office's work (tests/files/office.py) and its duties."""
    Office(county)
    # One 常务会议 held on 5 March with its law study (tests/meetings/flow.py).
    meeting_flow.drive_to_issue(county, meeting_flow.standing_type(county))
    d = make_duties(county)
    c = county
    for on in ("2026-01-20", "2026-02-20", "2026-03-20"):
        hold(d, 0, "committee", on)
        hold(d, 0, "group", on)
    hold(d, 0, "congress", "2026-03-25")
    hold(d, 1, "lecture", "2026-03-26", "讲授专题党课")
    for month, turn in enumerate(selectors.theme_day_leads(2026).values(), start=1):
        if month <= 2:
            branch = [b.pk for b in d.branches].index(turn.pk)
            hold(d, branch, "theme_day", f"2026-0{month}-15", "主题党日：重温入党誓词")
    talk = IntegrityTalk.objects.get(post=d.posts[0], year=2026, quarter=1)
    actions.record_talk(
        talk=talk, held_on=date(2026, 3, 5), talker="主任", points="廉洁自律", by=c.alice,
        now=at("2026-03-05 10:00"),
    )  # fmt: skip
    make(
        county, at("2026-03-03 09:00"), kind=DirectiveKind.MEETING, content="研究三重一大事项",
        lead=[c.a],
    )  # fmt: skip
    actions.register_reform_measures(
        year=2026,
        title="2026年优化营商环境40条措施",
        items=[
            actions.Item("推行容缺审批", date(2026, 6, 30), c.a),
            actions.Item("重大项目全程代办", date(2026, 3, 31), c.b),
        ],
        by=c.alice,
        now=at("2026-03-02 09:00"),
    )
    study = actions.open_study(
        year=2026, topic="县域营商环境调研", staff=c.alice, leader=c.leader_lily, by=c.alice,
        now=at("2026-03-02 09:00"),
    )  # fmt: skip
    report_file = SimpleUploadedFile("调研报告.docx", docx_bytes("第一稿"))
    actions.submit_study_report(
        study=study, file=report_file, by=c.alice, now=at("2026-03-20 09:00")
    )
    actions.review_study(study=study, accept=True, note="", by=c.alice, now=at("2026-03-21 09:00"))
    return d


def test_every_figure_is_its_selectors_and_stands_in_the_draft(built: Duties) -> None:
    c = built.county
    f = report.figures(c.alice, 2026, today=DAY)
    a = annual.annual_figures(c.alice, 2026, today=DAY)
    held = selectors.sessions_held(year=2026)
    ev = event_selectors.year_figures(year=2026)
    mt = meeting_selectors.year_figures(year=2026)
    expected = {
        "congresses": held["congress"], "committees": held["committee"],
        "groups": held["group"], "lectures": held["lecture"], "theme_days": held["theme_day"],
        "meetings": mt["meetings_held"], "law_studies": mt["law_studies"],
        "meeting_decisions": report._meeting_figures(2026)["decisions"],
        "directives": a.directives, "tasks_assigned": a.tasks_assigned,
        "tasks_closed": a.tasks_closed, "on_time_rate": a.on_time_rate,
        "reported_back": a.reported_back, "bulletins": a.bulletins,
        "studies": selectors.studies_accepted(year=2026),
        "drafts": selectors.drafts_final(year=2026),
        "reform_measures": selectors.reform_tasks(year=2026).count(),
        "reform_closed": selectors.reform_tasks(year=2026).filter(status="closed").count(),
        "sessions": sum(held.values()),
        "sessions_missed": len(selectors.sessions_missed(year=2026, today=DAY)),
        "talks": selectors.talks_held(year=2026),
        "talks_missing": len(selectors.talks_missing(year=2026, today=DAY)),
        "major_decisions": mt["major_matters"], "major_outside": mt["major_matters_outside"],
        "red_tasks": report.red_tasks(c.alice, 2026),
        "open_red": report.open_red_tasks(c.alice),
        "responsibility_unmet": selectors.responsibility_unmet(year=2026, today=DAY).count(),
        "events": ev["events"], "event_follow_ups": ev["follow_ups"],
        "event_follow_ups_closed": ev["follow_ups_closed"],
    }  # fmt: skip
    assert {k: v.value for k, v in f.items()} == expected
    # What the county holds, counted by hand: the selectors count what they say.
    assert (held["committee"], held["group"], held["congress"], held["lecture"]) == (3, 3, 1, 1)
    assert held["theme_day"] == 2 and f["talks"].value == 1
    # by 15 April: 2 branches × 3 months of 支委会 and 党小组会, 2 of 3 Q1 congresses and
    # lectures, March's 主题党日; and 财政局局长's first quarter
    assert f["sessions_missed"].value == 2 * 3 * 2 + 2 + 2 + 1
    assert f["talks_missing"].value == 1
    assert (f["meetings"].value, f["law_studies"].value, f["major_decisions"].value) == (1, 1, 0)
    assert (f["reform_measures"].value, f["studies"].value) == (2, 1)
    assert f["red_tasks"].value >= 1 and f["tasks_assigned"].value == a.tasks_assigned
    # Every figure stands in the first draft, in its own words.
    text = "".join(p for s in report.draft(2026, f) for p in s.paragraphs)
    for fig in f.values():
        assert f"{fig.text}" in text, fig.key
    assert "全年登记督办来文" in text and f"按期办结率{f['on_time_rate'].text}" in text


def test_a_saved_edit_is_a_version_and_the_document_uses_it(built: Duties) -> None:
    c = built.county
    sections = [s.as_json() for s in report.draft(2026, report.figures(c.alice, 2026, today=DAY))]
    sections[0]["paragraphs"][0] = "我始终把学习摆在首位。"
    v1 = actions.save_report_draft(year=2026, sections=sections, by=c.alice, now=TODAY)
    sections[3]["paragraphs"].append("恳请各位批评指正。")
    v2 = actions.save_report_draft(year=2026, sections=sections, by=c.alice, now=TODAY)
    assert (v1.number, v2.number) == (1, 2)
    assert [v.number for v in selectors.report_versions(year=2026)] == [1, 2]
    events = chain.events_of(v2.report)
    assert [e.payload["version"] for e in events] == [1, 2]
    shown, number = report.current(c.alice, 2026, today=DAY)
    assert number == 2 and shown[0].paragraphs[0] == "我始终把学习摆在首位。"
    doc = Document(BytesIO(report.build(shown, year=2026, now=TODAY).to_bytes()))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "2026年度述职述廉报告"
    assert "我始终把学习摆在首位。" in texts and "恳请各位批评指正。" in texts
    assert "四、存在的问题和下一步打算" in texts
    assert chain.verify().problems == []


def test_an_empty_draft_is_refused(duties: Duties) -> None:
    with pytest.raises(Invalid) as e:
        actions.save_report_draft(
            year=2026, sections=[{"key": "study", "heading": "一、学习", "paragraphs": [" "]}],
            by=duties.county.alice, now=TODAY,
        )  # fmt: skip
    assert e.value.message == "报告正文不能为空。"


def test_the_command_writes_the_docx_and_the_figures(
    built: Duties, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "述职述廉.docx"
    call_command("report", "duty", "--year", "2026", "--out", str(out), "--pdf")
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 0
    assert data["figures"]["talks"] == {
        "label": "廉政约谈", "value": 1, "source": "duties.selectors.talks_held()",
    }  # fmt: skip
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert texts[0] == "2026年度述职述廉报告"
    assert "一、加强学习，提升履职能力" in texts
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_the_draft_renders_in_the_gbt9704_layout(built: Duties) -> None:
    f = report.figures(built.county.alice, 2026, today=DAY)
    doc = report.build(report.draft(2026, f), year=2026, now=TODAY)
    _, pages = render(doc.to_bytes(), "duty_report")
    first = pages[0]
    page_text = "".join(w[4] for w in first)
    assert "2026年度述职述廉报告" in page_text and "一、加强学习" in page_text
    assert max(w[2] for w in first) <= RIGHT_EDGE + 0.5  # inside the 版心
    assert [w for w in first if w[4] == "1" and w[1] > BOTTOM_EDGE], "page number below"
    assert any("人民政府办公室" in w[4] for w in pages[-1])  # the signature


def test_the_command_refuses_a_bad_year_or_file(duties: Duties, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="年份2101无效。"):
        call_command("report", "duty", "--year", "2101", "--out", str(tmp_path / "a.docx"))
    with pytest.raises(CommandError, match=r"输出文件须为 \.docx"):
        call_command("report", "duty", "--year", "2026", "--out", str(tmp_path / "a.pdf"))
