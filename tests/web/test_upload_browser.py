"""In the browser: a too-large attachment is refused before sending, the text stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from duban.work import actions
from duban.work.models import ProgressReport
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in
from tests.work import flow


def test_a_too_large_attachment_is_refused_in_the_page(
    web_county: County, page: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    task = flow.task(web_county, timezone.now(), due={"date": "2030-06-30"})
    actions.receive(task=task, by=web_county.amy, now=timezone.now())
    big = tmp_path / "扫描件.pdf"
    with big.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(21 * 1024 * 1024)  # sparse: 21 MB without writing them
    sign_in(page, "amy")
    page.goto(f"{page.base}/tasks/{task.pk}/")
    page.locator("#act-report summary").click()
    page.get_by_label("进展情况", exact=True).fill("已完成主体工程七成。")
    page.get_by_label("附件", exact=True).set_input_files(str(big))
    page.locator("#act-report").get_by_role("button", name="报送").click()
    alert = page.locator("#act-report").get_by_role("alert")
    assert "超过20.0 MB" in alert.inner_text()
    assert page.get_by_label("进展情况", exact=True).input_value() == "已完成主体工程七成。"
    screenshot(page, "upload_too_large")
    assert not ProgressReport.objects.exists()
