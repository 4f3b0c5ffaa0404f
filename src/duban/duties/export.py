"""The year's 三会一课 and 廉政约谈 record as .xlsx (issue 16, point 1: "exportable")."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import xlsxwriter

from duban.duties import selectors

LIGHT_WORDS = {
    "done": "已开展",
    "green": "未到期",
    "yellow": "临近期限",
    "red": "逾期未开展",
    "future": "未开始",
}


def year_book(*, year: int, today: date) -> bytes:
    out = BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    red = wb.add_format({"bg_color": "#FFC9C9"})
    sheet = wb.add_worksheet("三会一课记录")
    cols = ["支部", "类别", "召开日期", "主题", "应到", "实到", "缺席人员及原因", "会议记录"]
    sheet.write_row(0, 0, cols, head)
    for r, a in enumerate(selectors.activities(year=year).order_by("held_on", "id"), start=1):
        sheet.write_row(
            r,
            0,
            [
                a.branch.name,
                a.get_kind_display(),
                a.held_on.isoformat(),
                a.topic,
                a.expected,
                a.attended,
                a.absent,
                a.minutes,
            ],
        )
    sheet.set_column(0, 0, 18)
    sheet.set_column(3, 3, 36)
    sheet.set_column(7, 7, 60)
    plan = wb.add_worksheet("应开展情况")
    plan.write_row(0, 0, ["支部", "应开展", "期限", "情况", "召开日期"], head)
    r = 1
    for by in selectors.branch_calendar(year=year, today=today):
        for row in by.rows:
            days = "、".join(a.held_on.isoformat() for a in row.activities)
            fmt = red if row.light == "red" else None
            plan.write_row(
                r,
                0,
                [
                    by.branch.name,
                    row.slot.label,
                    row.slot.due.isoformat(),
                    LIGHT_WORDS[row.light],
                    days,
                ],
                fmt,
            )
            r += 1
    plan.set_column(0, 1, 24)
    talks = wb.add_worksheet("廉政约谈")
    talks.write_row(
        0, 0, ["岗位", "季度", "约谈日期", "约谈人", "约谈要点", "整改跟进", "情况"], head
    )
    r = 1
    for talk_row in selectors.talk_plan(year=year, today=today):
        for q, (talk, light) in enumerate(talk_row.cells, start=1):
            values = [talk_row.post_label, f"第{q}季度", "", "", "", "", LIGHT_WORDS[light]]
            if talk is not None and talk.held_on is not None:
                values[2:6] = [talk.held_on.isoformat(), talk.talker, talk.points, talk.follow_up]
            talks.write_row(r, 0, values, red if light == "red" else None)
            r += 1
    talks.set_column(0, 0, 24)
    talks.set_column(4, 5, 40)
    wb.close()
    return out.getvalue()
