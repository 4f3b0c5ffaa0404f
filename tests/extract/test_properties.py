"""Whatever the text, extraction returns slices of it and never raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from duban.extract.deadline import find_cycles, find_deadlines
from duban.extract.tasks import extract, stated_date
from duban.workdays.calendar import WorkCalendar

PIECES = [
    *"县局办委要请由牵头配合负责会同，。；：、（）()|\t\n 0123456789一二三十月日年底前内旬季度每周",
    *"工作日小时各乡镇单位部门将对在于了的“”《》-至",
    *["县发改局", "各乡镇人民政府", "责任单位：", "完成时限：", "6月底前", "5个工作日内", "\u3000"],
]
CAL = WorkCalendar()


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    base=st.one_of(st.none(), st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))),
)
def test_extraction_never_raises_and_returns_slices(text: str, base: date | None) -> None:
    for task in extract(text, base=base, calendar=CAL, known_names=["县发改局"]):
        assert task.text and task.text in text
        assert task.lead and all(name in text for name in [*task.lead, *task.co])
        assert task.deadline_raw is None or task.deadline_raw in text
        assert task.cycle_raw is None or task.cycle_raw in text
    stated_date(text)
    for span in find_deadlines(text):
        assert text[span.start : span.end] == span.raw
    for cycle in find_cycles(text):
        assert text[cycle.start : cycle.end] == cycle.raw
