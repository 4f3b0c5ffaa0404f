"""Browser journeys of the 建议提案 stream: the office registers and assigns an item, the
主办 unit contacts the deputy and answers, its head signs, the office reviews, sends and
records the deputy's satisfaction. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

from duban.proposals import actions
from duban.proposals.models import Body, Proposal, State
from duban.work.models import Task, TaskStatus
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def test_an_item_from_intake_to_satisfaction(web_county: County, page: Any) -> None:
    c = web_county
    actions.create_session(year=2026, body=Body.NPC, name="县第十八届人大第五次会议", by=c.alice)

    # The office registers the item on the intake page.
    sign_in(page, "alice")
    page.get_by_role("link", name="建议提案").click()
    page.get_by_role("link", name="登记 / 导入").click()
    page.get_by_label("编号").fill("2")
    page.get_by_label("标题（案由）").fill("关于加快城关镇污水管网改造的建议")
    page.get_by_label("领衔人").fill("张伟")
    page.get_by_label("代表团/界别").fill("城关镇代表团")
    page.get_by_label("联系电话").fill("13800001111")
    page.get_by_label("附议/联名人").fill("李娜、王强")
    page.locator("#r-text").fill("城关镇老城区污水管网老化，建议列入年度计划加快改造。")
    page.get_by_role("button", name="登记", exact=True).click()
    page.get_by_text("已登记。").wait_for()
    p = Proposal.objects.get()

    # 交办: 县发改局 answers, 县财政局 sends its opinion.
    page.select_option("#a-lead", [str(c.a.pk)])
    page.select_option("#a-co", [str(c.b.pk)])
    page.get_by_role("button", name="交办", exact=True).click()
    page.get_by_text("已交办。").wait_for()
    screenshot(page, "proposals_office_assigned")
    sign_out(page)

    # The 主办 unit's liaison records the contact and drafts a B reply.
    sign_in(page, "amy")
    page.get_by_role("link", name="建议提案").click()
    page.get_by_role("link", name="第2号建议").click()
    page.get_by_label("沟通方式").select_option("visit")
    page.get_by_role("button", name="登记沟通").click()
    page.get_by_text("已登记沟通情况。").wait_for()
    page.get_by_label("答复类别").select_option("B")
    page.locator("#r-text").fill("您提出的建议已列入2027年城建计划，资金由县财政统筹安排。")
    page.get_by_label("承诺事项（B类必填，C类可填）").fill("污水管网改造列入2027年计划")
    page.get_by_label("承诺完成时限").fill("2027-06-30")
    page.get_by_label("建议公开").check()
    page.get_by_role("button", name="保存答复函").click()
    page.get_by_text("已保存答复函，请单位负责人签发。").wait_for()
    screenshot(page, "proposals_unit_reply_drafted")
    sign_out(page)

    # The co-unit sends its opinion.
    sign_in(page, "bob")
    page.goto(page.base + f"/proposals/{p.pk}/")
    page.get_by_role("textbox", name="协办意见").fill("县财政局将在年度预算中统筹安排改造资金。")
    page.get_by_role("button", name="提出协办意见").click()
    page.get_by_text("已向主办单位提出协办意见。").wait_for()
    sign_out(page)

    # The unit head signs it off.
    sign_in(page, "adam")
    page.goto(page.base + f"/proposals/{p.pk}/")
    page.get_by_role("button", name="签发并报送督查室").click()
    page.get_by_text("已签发，答复函报送督查室审核。").wait_for()
    sign_out(page)

    # The office reviews, sends, and records the deputy's satisfaction.
    sign_in(page, "alice")
    page.goto(page.base + f"/proposals/{p.pk}/")
    page.get_by_role("button", name="审核通过").click()
    page.get_by_text("已审核答复函。").wait_for()
    page.get_by_role("button", name="答复函已发出").click()
    page.get_by_text("答复函已发出，办理事项已办结销号。").wait_for()
    page.get_by_label("满意度", exact=True).select_option("satisfied")
    page.get_by_role("button", name="登记", exact=True).click()
    page.get_by_text("已登记满意度。").wait_for()
    screenshot(page, "proposals_office_item_done")
    p.refresh_from_db()
    assert p.state == State.DONE and p.category == "B"
    assert p.task is not None and Task.objects.get(pk=p.task.pk).status == TaskStatus.CLOSED
    page.get_by_role("link", name="← 返回建议提案").click()
    page.get_by_role("cell", name="第2号建议").wait_for()
    screenshot(page, "proposals_office_list")


def test_a_bad_import_is_refused_naming_the_rows(
    web_county: County, page: Any, tmp_path: Any
) -> None:
    import io

    from openpyxl import Workbook

    actions.create_session(year=2026, body=Body.CPPCC, name="政协县第十届委员会第五次会议",
                           by=web_county.alice)  # fmt: skip
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "案由", "第一提案人", "界别", "提案内容"])
    sheet.append(["提案第1号", "关于发展职业教育的提案", "孙立", "教育界", "建议扩大招生。"])
    sheet.append(["提案第2号", "", "马骏", "经济界", "建议优化营商环境。"])
    sheet.append(["x", "关于加强养老服务的提案", "朱红", "医药卫生界", "建议增加床位。"])
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "list.xlsx"
    path.write_bytes(out.getvalue())
    sign_in(page, "alice")
    page.goto(page.base + "/proposals/new/")
    page.get_by_label("Excel文件（.xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="导入").click()
    page.get_by_text("导入失败，未导入任何一件：第3行：缺少标题。；第4行：编号“x”无效。").wait_for()
    screenshot(page, "proposals_import_refused")
    assert not Proposal.objects.exists()
