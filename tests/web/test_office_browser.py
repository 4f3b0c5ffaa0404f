"""Browser journeys for issue 12, points 9-13: what office staff see on their pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.conftest import County
from tests.web.conftest import screenshot, sign_in
from tests.work import flow

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


# ---------------------------------------------------------------- 9. error pages


def test_a_wrong_address_shows_a_chinese_page_with_a_way_home(
    web_county: County, page: Any
) -> None:
    sign_in(page, "amy")
    page.wait_for_url("**/unit/")
    response = page.goto(page.base + "/tasks/424242/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    screenshot(page, "error_404_desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "error_404_phone")
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url("**/unit/")

    page.goto(page.base + "/workbench/")
    assert page.get_by_role("heading", name="无权访问").is_visible()
    assert page.get_by_text("您无权访问此页面。").is_visible()
    assert "Forbidden" not in page.content()


# ---------------------------------------------------------------- 11. menu, favicon, drafts


def test_the_user_menu_leads_to_the_password_change(web_county: County, page: Any) -> None:
    sign_in(page, "lily")
    page.wait_for_url("**/leader/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None
    response = page.request.get(page.base + icon)
    assert response.status == 200 and "svg" in response.headers["content-type"]
    page.get_by_role("link", name="修改密码").click()
    page.wait_for_url("**/password/")
    assert page.get_by_role("heading", name="修改密码").is_visible()


def test_drafts_show_their_planned_units_and_deadline_before_sending(
    web_county: County, page: Any
) -> None:
    now = timezone.now()
    flow.task(
        web_county,
        now,
        lead=[web_county.a],
        co=[web_county.b],
        due={"workdays": 5},
        assign=False,
        content="研究提出城区内涝点整治意见",
    )
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    inbox = page.locator("section", has=page.get_by_role("heading", name="待交办来文（1）"))
    text = inbox.inner_text()
    assert "研究提出城区内涝点整治意见" in text
    assert "县发改局牵头，1个配合单位" in text
    screenshot(page, "workbench_drafts")
    inbox.get_by_role("link", name="关于加快推进城东污水处理厂建设的批示").click()
    row = page.get_by_role("row", name="研究提出城区内涝点整治意见")
    cells = row.inner_text()
    assert "县发改局（拟）" in cells and "配合：县财政局" in cells
    assert "5个工作日内" in cells and "（拟）" in cells
    screenshot(page, "directive_drafts")


# ---------------------------------------------------------------- 13. the phone menu


def test_the_phone_menu_folds_into_one_button(web_county: County, page: Any) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "lily")
    page.wait_for_url("**/leader/")
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 60, header
    assert not page.get_by_role("link", name="台账", exact=True).is_visible()
    screenshot(page, "phone_leader_menu_closed")
    toggle = page.get_by_role("button", name="菜单")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="台账", exact=True).is_visible()
    assert page.get_by_role("link", name="修改密码").is_visible()
    screenshot(page, "phone_leader_menu_open")
    page.keyboard.press("Escape")
    assert not page.get_by_role("link", name="台账", exact=True).is_visible()
    # The keyboard opens it too.
    toggle.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="台账", exact=True).click()
    page.wait_for_url("**/ledger/**")


def test_the_desktop_menu_stays_open(web_county: County, page: Any) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, "lily")
    page.wait_for_url("**/leader/")
    assert not page.get_by_role("button", name="菜单").is_visible()
    assert page.get_by_role("link", name="台账", exact=True).is_visible()
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 60
    screenshot(page, "desktop_leader_home")


# ---------------------------------------------------------------- 7. batch actions


def test_a_red_list_of_43_is_urged_with_one_selection_and_one_click(
    web_county: County, page: Any
) -> None:
    from datetime import timedelta

    from duban.coordination.tick import tick
    from duban.work.models import EventKind, Task

    start = timezone.now() - timedelta(days=40)
    due = {"date": (start + timedelta(days=5)).date().isoformat()}
    for i in range(43):
        flow.task(web_county, start, due=due, content=f"第{i + 1}项超期未办结的整改任务")
    tick(now=timezone.now())
    page.set_viewport_size(DESKTOP)
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    red = page.locator("section", has=page.get_by_role("heading", name="红灯事项（43）"))
    red.get_by_role("checkbox", name="全选本页").check()  # one selection
    assert red.locator("[data-batch-count]").inner_text() == "43"
    screenshot(page, "batch_workbench_selected")
    red.get_by_role("button", name="催办所选").click()  # one click
    page.wait_for_url("**/workbench/")
    assert page.get_by_text("已催办 43 项。").is_visible()
    assert Task.objects.filter(events__kind=EventKind.URGED).distinct().count() == 43


def test_ticking_ledger_rows_by_keyboard_and_printing_their_slips(
    web_county: County, page: Any
) -> None:
    for i in range(3):
        flow.task(web_county, timezone.now(), due={"date": "2030-06-30"}, content=f"台账事项{i}")
    page.set_viewport_size(DESKTOP)
    sign_in(page, "alice")
    page.goto(page.base + "/ledger/")
    first = page.get_by_role("checkbox", name="选择 2026-0001-1")
    first.focus()
    page.keyboard.press("Space")
    page.get_by_role("checkbox", name="选择 2026-0002-1").focus()
    page.keyboard.press("Space")
    assert page.locator("[data-batch-count]").inner_text() == "2"
    with page.expect_download() as dl:
        page.get_by_role("button", name="打印督办单").click()
    assert dl.value.suggested_filename.startswith("督办通知单-2项")
    screenshot(page, "batch_ledger_selected")
    page.get_by_text("列为重点督办…").click()
    page.get_by_label("列为重点督办的理由").fill("县长专题会议要求")
    page.get_by_label("列为重点督办的理由").press("Enter")  # Enter must not urge everyone
    page.get_by_role("button", name="列为重点督办", exact=True).click()
    page.wait_for_url("**/ledger/**")
    assert page.get_by_text("已列为重点督办 2 项。").is_visible()
    assert page.get_by_text("已催办").count() == 0


# ---------------------------------------------------------------- 12. ledger density


LONG = (
    "加快推进城东污水处理厂二期工程建设，完成管网铺设、泵站改造和尾水提标工作，"
    "确保年底前通水试运行，同步做好征地拆迁、资金筹措和安全生产等工作"
)


def _row_height(page: Any) -> float:
    rows = page.locator("table.ledger tbody tr")
    boxes = [rows.nth(i).bounding_box() for i in range(rows.count())]
    return sum(b["height"] for b in boxes if b) / len(boxes)


def test_the_compact_ledger_shows_one_line_a_row_and_is_remembered(
    web_county: County, page: Any
) -> None:
    now = timezone.now()
    for i in range(12):
        t = flow.task(web_county, now, due={"date": "2030-06-30"}, content=f"{LONG}（{i}）")
        from duban.work import actions

        actions.receive(task=t, by=web_county.amy, now=now)
        actions.report_progress(task=t, text=LONG, by=web_county.amy, now=now)
    page.set_viewport_size(DESKTOP)
    sign_in(page, "alice")
    page.goto(page.base + "/ledger/")
    full = _row_height(page)
    toggle = page.get_by_role("button", name="紧凑显示")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    compact = _row_height(page)
    print(f"ledger row height at 1440 px: full {full:.0f} px, compact {compact:.0f} px")
    assert compact < 40 < full, (full, compact)
    link = page.get_by_role("link", name=f"{LONG[:20]}", exact=False).first
    assert link.get_attribute("title", timeout=1000).startswith(LONG)  # the full text on hover
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "compact rows scroll sideways"
    screenshot(page, "ledger_compact_1440")
    # Remembered: another filter, and the next visit, stay compact.
    page.get_by_label("办理状态").select_option("in_progress")
    page.wait_for_url("**status=in_progress**")
    assert "compact" in (page.locator("table.ledger").get_attribute("class") or "")
    page.goto(page.base + "/ledger/")
    assert "compact" in (page.locator("table.ledger").get_attribute("class") or "")
    assert page.get_by_role("button", name="紧凑显示").get_attribute("aria-pressed") == "true"
    # The phone keeps its layout: rows wrap, nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    assert not page.get_by_role("button", name="紧凑显示").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "ledger_compact_phone")


# ---------------------------------------------------------------- 8. attachment preview


def test_a_unit_previews_an_image_and_a_word_file_in_the_page(
    web_county: County, page: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.base import ContentFile

    from duban.documents import pdf
    from duban.work import actions
    from tests.web.test_preview import PNG, docx_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    t = flow.task(web_county, timezone.now(), due={"date": "2030-06-30"})
    actions.receive(task=t, by=web_county.amy)
    actions.report_progress(
        task=t,
        text="已完成招标，附现场照片和整改报告。",
        attachments=[
            ContentFile(PNG, name="现场照片.png"),
            ContentFile(docx_bytes("城东污水处理厂整改情况报告"), name="整改报告.docx"),
        ],
        by=web_county.amy,
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, "amy")
    page.goto(page.base + f"/tasks/{t.pk}/")
    page.get_by_role("link", name="预览：现场照片.png").first.click()
    page.wait_for_url("**/preview/")
    img = page.get_by_role("img", name="附件图片：现场照片.png")
    assert img.evaluate("i => i.complete && i.naturalWidth") == 1
    assert page.get_by_role("link", name="下载").is_visible()
    page.get_by_role("link", name="返回").click()
    page.wait_for_url(f"**/tasks/{t.pk}/")
    if not pdf.available():
        return
    with page.expect_response("**/inline/", timeout=120_000) as framed:
        page.get_by_role("link", name="预览：整改报告.docx").first.click()
    assert framed.value.status == 200
    assert framed.value.headers["content-type"] == "application/pdf"
    assert page.get_by_text("Word文件已转换为PDF显示").is_visible()
    page.wait_for_timeout(1500)  # the browser's PDF viewer draws the page
    screenshot(page, "preview_docx_desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "preview_docx_phone")
