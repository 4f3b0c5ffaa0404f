"""Issue 16 in a browser: the director checks the 三会一课 calendar, edits the 述职述廉
draft, saves it as a version and produces the .docx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document

from duban.duties.models import DutyReportVersion
from tests.conftest import County
from tests.duties.conftest import hold, make_duties
from tests.web.conftest import screenshot, sign_in


def test_the_director_edits_the_draft_and_produces_it(
    web_county: County, page: Any, tmp_path: Path
) -> None:
    duties = make_duties(web_county)
    hold(duties, 0, "congress", "2026-03-25")
    hold(duties, 0, "committee", "2026-01-20")
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.get_by_role("link", name="自身职责").click()
    page.wait_for_url("**/duties/")
    assert page.get_by_text("逾期未开展（红灯）").is_visible()
    screenshot(page, "duties_party")
    page.get_by_role("link", name="廉政约谈").click()
    assert page.get_by_text("缺季", exact=False).first.is_visible()
    screenshot(page, "duties_talks")

    page.get_by_role("link", name="述职述廉报告").click()
    page.wait_for_url("**/duties/report/**")
    assert page.get_by_text("当前为系统初稿（尚未保存）。").is_visible()
    # The page says where each figure comes from.
    row = page.get_by_role("row", name="廉政约谈 0人次")
    assert "duties.selectors.talks_held()" in row.inner_text()
    study = page.get_by_label("一、加强学习，提升履职能力（每行一段）")
    draft = study.input_value()
    assert "全年机关各支部召开支部党员大会1次" in draft
    study.fill(draft + "\n本人还参加了县委理论学习中心组学习12次。")
    screenshot(page, "duties_report_edit")
    page.get_by_role("button", name="保存修改").click()
    assert page.get_by_text("已保存为第1稿。").is_visible()
    assert page.get_by_text("当前为第1稿。").is_visible()
    assert DutyReportVersion.objects.get().sections[0]["paragraphs"][-1] == (
        "本人还参加了县委理论学习中心组学习12次。"
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="生成Word文稿").click()
    assert download.value.suggested_filename == "2026年度述职述廉报告（第1稿）.docx"
    out = tmp_path / "report.docx"
    download.value.save_as(out)
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert texts[0] == "2026年度述职述廉报告"
    assert "本人还参加了县委理论学习中心组学习12次。" in texts
    screenshot(page, "duties_report_saved")


def test_the_other_duties_page_shows_versions_and_lights(web_county: County, page: Any) -> None:
    from datetime import date

    from django.utils import timezone

    from duban.duties import actions
    from tests.duties.test_work import docx

    c = web_county
    duties = make_duties(c)
    today = timezone.localdate()
    for items in ([{"name": "退休一件事", "unit": "czj"}], [{"name": "退休一件事", "unit": "fgj"}]):
        actions.publish_catalogue(
            kind="one_thing", name="一件事一次办目录", items=items, published_on=today, by=c.alice
        )
    a = actions.assign_drafting(
        year=today.year, kind="speech", title="县长在全县经济工作会议上的讲话", drafter=c.alice,
        reviewer=c.lily, due=today, by=c.alice,
    )  # fmt: skip
    actions.upload_draft(assignment=a, file=docx("一、成绩\n二、任务"), by=c.alice)
    actions.review_draft(assignment=a, accept=False, note="任务要具体", by=c.lily)
    actions.upload_draft(assignment=a, file=docx("一、成绩\n二、重点任务"), by=c.alice)
    actions.register_responsibility_list(
        year=today.year, post=duties.posts[0],
        items=[actions.Item("开展警示教育", date(today.year, 12, 31))], by=c.alice,
    )  # fmt: skip
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + "/duties/work/")
    assert page.get_by_text("“退休一件事”责任单位由县财政局调整为县发改局").is_visible()
    page.get_by_text("第1稿与第2稿的差异").click()
    assert page.get_by_text("+ 二、重点任务").is_visible()
    assert page.get_by_role("link", name="开展警示教育").is_visible()
    screenshot(page, "duties_work")
