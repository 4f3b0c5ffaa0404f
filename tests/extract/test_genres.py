"""One test per genre, on texts written for these tests in the offices' own style.

Each test asserts what a supervisor checks in the draft: which tasks, who leads, who
helps, by when, how often to report — and that every string stands as in the input.
"""

from __future__ import annotations

from datetime import date

import pytest

from duban.extract.deadline import Kind
from duban.extract.tasks import DraftTask, extract, stated_date
from duban.workdays.calendar import WorkCalendar

CAL = WorkCalendar()
DOC_DATE = date(2026, 3, 16)


def run(text: str, base: date | None = DOC_DATE) -> list[DraftTask]:
    tasks = extract(text, base=base, calendar=CAL)
    for t in tasks:  # text and names are always slices of the input, never rewritten
        assert t.text in text
        for name in [*t.lead, *t.co]:
            assert name in text
        if t.deadline_raw:
            assert t.deadline_raw in text
    return tasks


def summary(tasks: list[DraftTask]) -> list[tuple[list[str], list[str], date | None]]:
    return [(t.lead, t.co, t.deadline) for t in tasks]


PLAN = """云溪县2026年优化营商环境重点任务分工方案
一、深化“放管服”改革
（一）推行企业开办“一件事一次办”，压缩开办时间。（牵头单位：县行政审批服务局；配合单位：县市场监督管理局、县税务局；完成时限：2026年6月底前）
（二）全面推行工程建设项目审批告知承诺制。（牵头单位：县住房和城乡建设局；配合单位：县自然资源局；完成时限：三季度末）
二、加强要素保障
责任单位：县自然资源局、县发展和改革局
1.建立重点项目用地保障台账，实行动态管理。
2.盘活批而未供和闲置土地，年底前处置率达到60%以上。
三、强化督查考核
（一）将各项任务纳入年度绩效考核。
责任单位：县政府督查室、县委组织部
（二）建立工作专班，每周五报送工作进展。（责任单位：各乡镇人民政府；完成时限：长期坚持）
"""


def test_plan_with_parentheticals_lists_and_a_heading_that_covers_its_measures() -> None:
    tasks = run(PLAN)
    assert [t.text for t in tasks] == [
        "推行企业开办“一件事一次办”，压缩开办时间。",
        "全面推行工程建设项目审批告知承诺制。",
        "建立重点项目用地保障台账，实行动态管理。",
        "盘活批而未供和闲置土地，年底前处置率达到60%以上。",
        "将各项任务纳入年度绩效考核。",
        "建立工作专班，每周五报送工作进展。",
    ]
    assert summary(tasks) == [
        (["县行政审批服务局"], ["县市场监督管理局", "县税务局"], date(2026, 6, 30)),
        (["县住房和城乡建设局"], ["县自然资源局"], date(2026, 9, 30)),
        # The responsibility line under heading 二 covers both measures; first listed leads.
        (["县自然资源局"], ["县发展和改革局"], None),
        (["县自然资源局"], ["县发展和改革局"], date(2026, 12, 31)),
        (["县政府督查室"], ["县委组织部"], None),
        (["各乡镇人民政府"], [], None),
    ]
    assert tasks[5].deadline_kind == Kind.LONG_TERM and tasks[5].cycle == "weekly:5"


def test_a_results_table() -> None:
    text = (
        "附件\n"
        "| 序号 | 工作任务 | 牵头单位 | 配合单位 | 完成时限 |\n"
        "| 1 | 新建城区公办幼儿园2所 | 县教育体育局 | 县住建局、县自然资源局 | 2026年8月底前 |\n"
        "| 2 | 改造农村公路50公里 | 县交通运输局 | 各乡镇人民政府 | 年底前 |\n"
    )
    tasks = run(text)
    assert [t.text for t in tasks] == ["新建城区公办幼儿园2所", "改造农村公路50公里"]
    assert summary(tasks) == [
        (["县教育体育局"], ["县住建局", "县自然资源局"], date(2026, 8, 31)),
        (["县交通运输局"], ["各乡镇人民政府"], date(2026, 12, 31)),
    ]


MINUTES = """县政府第12次常务会议纪要
2026年3月10日，县长主持召开县政府第12次常务会议。会议听取了县住建局关于老旧小区改造工作的汇报，同意改造方案。
会议要求，由县住建局牵头，县财政局、县自然资源局配合，于6月底前完成城北片区改造项目立项。县财政局要统筹落实项目配套资金，每月5日前报送资金拨付进展。
会议要求，县水利局要会同县卫生健康局，对农村饮水工程开展一次全面排查，4月中旬前形成排查报告报县政府。要建立问题清单。要压实管护责任。
会议强调，要抓好森林防火，各乡镇要落实属地责任。要加强值班值守。
"""


def test_meeting_minutes_in_prose() -> None:
    tasks = run(MINUTES)
    assert summary(tasks) == [
        (["县住建局"], ["县财政局", "县自然资源局"], date(2026, 6, 30)),
        (["县财政局"], [], None),
        (["县水利局"], ["县卫生健康局"], date(2026, 4, 20)),
        # Subjectless 要 sentences continue with the addressee that opened the paragraph…
        (["县水利局"], ["县卫生健康局"], None),
        (["县水利局"], ["县卫生健康局"], None),
        (["各乡镇"], [], None),
        # … but after a subjectless opening (要抓好…，各乡镇要…) the next 要 point is
        # nobody's: no task is made for 要加强值班值守.
    ]
    assert tasks[0].text == "于6月底前完成城北片区改造项目立项。"
    assert (tasks[1].cycle_raw, tasks[1].cycle) == ("每月5日前", "monthly:5")
    assert tasks[3].text == "建立问题清单。"


def test_a_leaders_instruction() -> None:
    text = (
        "请县农业农村局牵头，会同县财政局研究提出意见，一周内报县政府。\n"
        "请县审计局对项目资金使用情况开展专项审计，5个工作日内将审计方案报县政府办公室。\n"
        "请认真贯彻落实。\n"
    )
    tasks = run(text, base=date(2026, 9, 28))
    assert summary(tasks) == [
        (["县农业农村局"], ["县财政局"], date(2026, 10, 5)),
        (["县审计局"], [], date(2026, 10, 10)),  # National Day is not counted
    ]
    assert tasks[0].deadline_raw == "一周内"
    assert tasks[0].text == "研究提出意见，一周内报县政府。"


def test_ascii_punctuation_copied_from_a_web_page_gives_the_same_tasks() -> None:
    full = (
        "会议要求，由县住建局牵头，县自然资源局配合，于2026年6月30日前完成控规修编。"
        "县财政局要会同县审计局（县审计中心），在二季度末前完成资金清理，每季度末报送进展。"
    )
    ascii_ = full.translate(str.maketrans("，（）：；", ",():;"))
    a, b = run(full), run(ascii_)
    assert summary(a) == [
        (["县住建局"], ["县自然资源局"], date(2026, 6, 30)),
        (["县财政局"], ["县审计局（县审计中心）"], date(2026, 6, 30)),
    ]
    assert summary(b) == [
        (["县住建局"], ["县自然资源局"], date(2026, 6, 30)),
        (["县财政局"], ["县审计局(县审计中心)"], date(2026, 6, 30)),  # as written there
    ]
    assert [t.cycle for t in a] == [None, "quarterly"]


def test_a_supervision_report_distributes_to_the_units_named_before() -> None:
    text = (
        "截至2月底，由县民政局负责的第3件、县交通运输局负责的第7件进展滞后，"
        "请以上责任单位加快工作进度，3月31日前办结。县政府督查室将对未办结事项实行挂牌督办。"
    )
    tasks = run(text)
    assert summary(tasks) == [
        (["县民政局"], [], date(2026, 3, 31)),
        (["县交通运输局"], [], date(2026, 3, 31)),
        (["县政府督查室"], [], None),
    ]


def test_an_announcement_with_unit_subjects_and_service_limits() -> None:
    text = (
        "二、各乡镇（街道）、国有林场要加强巡山护林，严禁野外用火。\n"
        "三、县森林消防大队在此期间要24小时集结待命。各乡镇（街道）扑火队伍进入戒备状态，做好扑火准备。\n"
        "四、受理渠道：乡便民服务中心负责受理群众投诉，责任单位2小时内签收，原则上3个工作日内办结。\n"
    )
    tasks = run(text)
    assert summary(tasks) == [
        (["各乡镇（街道）"], ["国有林场"], None),
        (["县森林消防大队"], [], None),
        (["各乡镇（街道）扑火队伍"], [], None),
        (["乡便民服务中心"], [], None),
        (["责任单位"], [], None),
    ]
    # A per-case service limit is kept as written but is not a calendar date.
    assert tasks[-1].deadline_raw == "3个工作日内"
    assert tasks[-1].deadline_kind == Kind.PER_CASE


def test_a_leader_at_an_inspection() -> None:
    text = (
        "3月12日，副县长张明带队到县经济开发区调研。他强调，县经济开发区管委会要加快标准化厂房建设，"
        "确保5月底前交付使用。县自然资源局、县住建局要主动靠前服务，10个工作日内完成规划调整手续。"
        "争取6月底主体完工，9月下旬通过验收。"
    )
    tasks = run(text)
    assert summary(tasks) == [
        (["县经济开发区管委会"], [], date(2026, 5, 31)),
        (["县自然资源局"], ["县住建局"], date(2026, 3, 30)),
        # Milestones after the addressee's sentence: one task per date.
        (["县自然资源局"], ["县住建局"], date(2026, 6, 30)),
        (["县自然资源局"], ["县住建局"], date(2026, 9, 30)),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2026年1-2月，全县规上工业增加值同比增长8.2%，各乡镇均已完成一季度目标。",
        "请认真贯彻执行。",
        "要进一步提高认识，强化责任担当。要加强统筹协调。",
        "由县发改局牵头，县财政局配合，已完成项目申报。",
    ],
)
def test_texts_without_tasks(text: str) -> None:
    assert run(text) == []


def test_a_document_date_from_the_text_itself() -> None:
    text = "各乡镇要于6月底前完成排查。\n云溪县人民政府办公室\n二〇二六年三月十六日\n"
    assert stated_date(text) == date(2026, 3, 16)
    assert stated_date("日期: 2023-01-03\n正文") == date(2023, 1, 3)
    assert stated_date("没有日期") is None


def test_measures_with_unlabelled_responsibility_parentheticals() -> None:
    text = (
        "一、加快项目建设\n"
        "1.加快推进城北污水处理厂建设，6月底前投入运行。（县住建局牵头，县财政局、县生态环境分局配合）\n"
        "2.完成老旧管网改造30公里。（县住建局、各乡镇）\n"
        "3.开展“回头看”活动（2026年）。\n"
    )
    tasks = run(text)
    assert [t.text for t in tasks] == [
        "加快推进城北污水处理厂建设，6月底前投入运行。",
        "完成老旧管网改造30公里。",
    ]
    assert summary(tasks) == [
        (["县住建局"], ["县财政局", "县生态环境分局"], date(2026, 6, 30)),
        (["县住建局"], ["各乡镇"], None),
    ]


def test_four_numbering_levels_and_a_heading_parenthetical_covering_its_measures() -> None:
    text = (
        "一、总体目标\n（一）基础设施\n1.交通建设\n"
        "（1）完成国道改造10公里。（牵头单位：县交通运输局）\n"
        "（2）新建停车场3处。（牵头单位：县住建局；配合单位：县城管局）\n"
        "（二）公共服务（牵头单位：县教育体育局；完成时限：2026年9月底前）\n"
        "1.新建幼儿园2所。\n2.改扩建中小学3所。\n"
    )
    tasks = run(text)
    assert [(t.text, t.lead, t.co, t.deadline) for t in tasks] == [
        ("完成国道改造10公里。", ["县交通运输局"], [], None),
        ("新建停车场3处。", ["县住建局"], ["县城管局"], None),
        ("新建幼儿园2所。", ["县教育体育局"], [], date(2026, 9, 30)),
        ("改扩建中小学3所。", ["县教育体育局"], [], date(2026, 9, 30)),
    ]


def test_work_first_then_its_lead_unit_and_reports_of_progress() -> None:
    text = (
        "会议议定，城区停车场建设由县住建局负责，县公安局交警大队配合，年底前建成投用。\n"
        "县住建局全面推进老旧小区改造，完成投资2亿元。\n"  # a report, not an instruction
    )
    tasks = run(text)
    assert summary(tasks) == [(["县住建局"], ["县公安局交警大队"], date(2026, 12, 31))]
    assert tasks[0].text.startswith("城区停车场建设")


def test_a_leading_time_or_scope_clause_belongs_to_the_task_after_it() -> None:
    text = (
        "3月25日前，各乡镇要将自查报告报送县政府督查室。\n"
        "对未完成整改的问题，相关责任单位要建立台账，限期销号。\n"
    )
    tasks = run(text)
    assert summary(tasks) == [(["各乡镇"], [], date(2026, 3, 25)), (["相关责任单位"], [], None)]
    assert tasks[1].text == "对未完成整改的问题，相关责任单位要建立台账，限期销号。"
