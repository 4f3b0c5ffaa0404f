"""Issue 19 point 2: the plan (活动方案) as a GB/T 9704 document whose schedule prints on
one page — rendered to PDF with LibreOffice and measured with poppler, like the others."""

from __future__ import annotations

from datetime import date, time
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from duban.documents import pdf
from duban.events import actions, plan_doc
from duban.events.models import Activity, EventType
from tests.conftest import County, at
from tests.documents.test_layout import render

pytestmark = pytest.mark.django_db

NOW = at("2026-09-01 09:00")
STOPS = [
    "县委县政府大院集合出发", "察看城关镇产业园标准厂房建设", "听取产业园建设情况汇报",
    "察看新华乡高标准农田", "察看县发改局重点项目现场", "察看污水处理厂提标改造",
    "察看县人民医院新院区", "察看职业中学实训基地", "察看物流园区冷链仓库",
    "察看乡村振兴示范村", "在示范村村委会用工作餐", "察看农产品加工园",
    "察看文旅综合体项目", "察看城市更新片区", "召开座谈会，听取各单位汇报",
    "县领导讲话", "返回县政府",
]  # fmt: skip


def big_event(county: County) -> Activity:
    return actions.create(
        event_type=EventType.objects.get(code="groundbreaking"),
        title="2026年第四季度重点项目集中开工活动",
        day=date(2026, 10, 20),
        leader=county.leader_lily,
        sites=[
            actions.SiteDraft("城关镇产业园主会场", county.c, "陈卡 13800000001"),
            actions.SiteDraft("新华乡分会场", county.d, "新华乡党政办"),
        ],
        schedule=[
            actions.ItemDraft(
                time(8 + i // 3, (i % 3) * 20),
                what,
                "城关镇产业园主会场" if i % 2 else "新华乡分会场",
                "县领导、陪同单位主要负责同志" if i % 3 == 0 else "承办单位",
            )
            for i, what in enumerate(STOPS)
        ],
        participants=[
            actions.ParticipantDraft(leader=county.leader_lily),
            actions.ParticipantDraft(leader=county.leader_wang),
            actions.ParticipantDraft(unit=county.a),
            actions.ParticipantDraft(unit=county.b),
        ],
        by=county.alice,
        now=NOW,
    )


def test_the_plan_lists_each_part_and_its_schedule_prints_on_one_page(county: County) -> None:
    if not pdf.available():
        pytest.fail("LibreOffice is missing: run scripts/system-packages")
    ev = big_event(county)
    actions.issue_plan(activity=ev, by=county.alice, doc_no="云政办〔2026〕31号", now=NOW)
    ev.refresh_from_db()
    doc = plan_doc.build(ev, issued_on=date(2026, 9, 1))
    text = "\n".join(p.text for p in Document(BytesIO(doc.to_bytes())).paragraphs)
    for heading in ("一、活动目的", "二、活动时间和点位", "三、参加人员", "四、材料准备和责任分工",
                    "五、后勤保障", "六、工作要求"):  # fmt: skip
        assert heading in text
    assert "天气预案：遇雨天" in text
    # 5 working days before Tuesday 10-20: 10-19, 16, 15, 14, 13.
    assert "开工项目简介和展板：由县发改局负责，2026年10月13日前完成。" in text
    assert "附件：2026年第四季度重点项目集中开工活动日程安排" in text
    pages = render(doc, "event_plan")
    with_schedule = [i for i, page in enumerate(pages) if any(w[4] == "附件" for w in page)]
    assert len(with_schedule) == 1
    page = pages[with_schedule[0]]
    lines = " ".join(w[4] for w in page)
    assert all(stop[:6] in lines for stop in STOPS), "the schedule spills over a page"
    assert with_schedule[0] == len(pages) - 1  # the 附件 comes last, after the imprint
    assert not any(stop in " ".join(w[4] for w in pages[0]) for stop in STOPS[1:4])


def test_the_command_writes_the_plan(county: County, tmp_path: Path) -> None:
    ev = big_event(county)
    out = tmp_path / "方案.docx"
    call_command("events", "plan", str(ev.pk), "--out", str(out))
    assert "2026年第四季度重点项目集中开工活动方案" in "".join(
        p.text for p in Document(str(out)).paragraphs
    )
    with pytest.raises(CommandError, match="不存在"):
        call_command("events", "plan", "999999", "--out", str(out))
    with pytest.raises(CommandError, match=r"须为 \.docx"):
        call_command("events", "plan", str(ev.pk), "--out", str(tmp_path / "x.pdf"))


def test_the_year_list_exports(county: County, tmp_path: Path) -> None:
    big_event(county)
    out = tmp_path / "events.csv"
    call_command("events", "list", "--year", "2026", "--out", str(out))
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "日期,类型,活动名称,带队领导,状态,后续事项,已办结,落实率"
    assert (
        rows[1]
        == "2026-10-20,项目集中开工,2026年第四季度重点项目集中开工活动,副县长李丽,方案策划,0,0,—"
    )
