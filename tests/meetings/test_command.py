"""`duban meetings minutes|followup|major`: the documents from the command line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from duban.meetings.models import MeetingType
from tests.conftest import County
from tests.meetings.flow import drive_to_issue

pytestmark = pytest.mark.django_db


def test_the_minutes_the_followup_and_the_major_list(
    county: County, standing: MeetingType, tmp_path: Path
) -> None:
    meeting = drive_to_issue(county, standing)
    out = StringIO()
    call_command(
        "meetings", "minutes", str(meeting.pk), "--out", str(tmp_path / "纪要.docx"), stdout=out
    )
    assert "已生成县政府第1次常务会议纪要" in out.getvalue()
    texts = [p.text for p in Document(str(tmp_path / "纪要.docx")).paragraphs]
    assert "云溪县人民政府常务会议纪要" in texts
    call_command(
        "meetings",
        "followup",
        "--since",
        "2026-01-01",
        "--out",
        str(tmp_path / "f.docx"),
        stdout=out,
    )
    texts = [p.text for p in Document(str(tmp_path / "f.docx")).paragraphs]
    assert any(t.startswith("一、县政府第1次常务会议") for t in texts)
    call_command(
        "meetings", "major", "--year", "2026", "--out", str(tmp_path / "m.xlsx"), stdout=out
    )
    assert (tmp_path / "m.xlsx").stat().st_size > 0


def test_bad_arguments_are_told_in_chinese(county: County, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="会议 999 不存在"):
        call_command("meetings", "minutes", "999", "--out", str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match=r"输出文件须为 \.docx"):
        call_command("meetings", "followup", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="日期“昨天”无效"):
        call_command("meetings", "followup", "--since", "昨天", "--out", str(tmp_path / "x.docx"))
