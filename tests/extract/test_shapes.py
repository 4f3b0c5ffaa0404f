"""Shapes of real documents that the dev set did not have (issue 10).

The texts are written for these tests, after the shapes seen in public documents; they pin
behaviour, they are not a measurement (the corpus under tests/extract/corpus is).
"""

from __future__ import annotations

from datetime import date

from duban.extract.tasks import extract

BASE = date(2024, 1, 10)


def _one(text: str, base: date = BASE):
    return extract(text, base=base)


def test_deadline_without_day_character() -> None:
    tasks = _one("请各单位按照通知要求尽快组织实施，并于8月30前将实施情况报县政府办公室。")
    assert [t.text for t in tasks] == [
        "按照通知要求尽快组织实施",
        "于8月30前将实施情况报县政府办公室。",
    ]
    assert tasks[1].deadline == date(2024, 8, 30)
    assert all(t.lead == ["各单位"] for t in tasks)


def test_one_dated_report_stays_one_task() -> None:
    # The only time the sentence gives belongs to the whole instruction (dev doc 04).
    tasks = _one("各责任单位要制订工作方案,狠抓落实,并于2024年1月15日前将工作方案报区政府办公室。")
    assert len(tasks) == 1 and tasks[0].deadline == date(2024, 1, 15)


def test_person_leads_unit_carries_out() -> None:
    tasks = _one("三、关于防汛设施。由张明同志牵头，县水利局落实，9月底前完成水毁设施修复。")
    assert len(tasks) == 1
    assert tasks[0].lead == ["县水利局"] and tasks[0].co == []
    assert tasks[0].deadline == date(2024, 9, 30)


def test_recurring_reports_are_tasks_with_their_cycle() -> None:
    text = (
        "各县(区)和有关成员单位要于2024年3月15日前报市领导小组办公室备案。"
        "各成员单位每季度报送一次工作进展情况，每半年报送一次阶段性工作总结。"
    )
    tasks = _one(text)
    assert tasks[0].lead == ["各县(区)"] and tasks[0].co == ["有关成员单位"]
    assert [(t.cycle_raw, t.lead) for t in tasks[1:]] == [
        ("每季度", ["各成员单位"]),
        ("每半年", ["各成员单位"]),
    ]


def test_quarterly_stage_targets() -> None:
    text = (
        "1.推进老旧小区改造。第一季度：完成摸底调查。第二季度：完成设计招标。"
        "第三季度：开工建设。（牵头单位：县住建局；配合单位：县财政局）"
    )
    tasks = _one(text)
    assert [t.deadline for t in tasks] == [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30)]
    assert all(t.text.startswith("推进老旧小区改造：第") for t in tasks)
    assert all(t.lead == ["县住建局"] and t.co == ["县财政局"] for t in tasks)


def test_heading_topic_and_past_deadline() -> None:
    text = (
        "二、关于秋冬季森林防火。由县应急管理局牵头，各乡镇配合，立即开展隐患排查，11月底前完成。"
    )
    (task,) = _one(text, base=date(2024, 12, 5))
    assert task.text == "秋冬季森林防火：立即开展隐患排查，11月底前完成。"
    assert task.lead == ["县应急管理局"] and task.co == ["各乡镇"]
    assert task.deadline == date(2024, 11, 30) and task.deadline_past
    (same,) = _one(text, base=date(2024, 10, 5))
    assert not same.deadline_past


def test_web_table_with_leader_and_progress_columns() -> None:
    text = (
        "序号 | 重点工作 | 牵头 单位 | 责任领导 | 完成时限 | 1-10月推进情况 |\n"
        "1 | 完成农村公路建设50公里 | 县交通运输局 | 王刚 | 全年 | 已完成40公里 |\n"
    )
    (task,) = _one(text)
    assert task.text == "完成农村公路建设50公里"
    assert task.lead == ["县交通运输局"] and task.co == []  # 王刚 is a person
    assert task.deadline_raw == "全年" and task.deadline == date(2024, 12, 31)


def test_key_value_table() -> None:
    text = (
        "重点工作: | 建成城乡供水一体化工程 |\n牵头单位: | 县水利局 |\n"
        "责任单位: | 县财政局、各乡镇 |\n完成时限: | 12月底前 |\n"
    )
    (task,) = _one(text)
    assert task.text == "建成城乡供水一体化工程"
    assert task.lead == ["县水利局"] and task.co == ["县财政局", "各乡镇"]
    assert task.deadline == date(2024, 12, 31)


def test_list_fields_with_leader_people() -> None:
    text = (
        "1. 地区生产总值增长8%以上。\n牵头负责领导:金力。\n牵头责任单位:市发展改革委。\n"
        "协同责任单位:市经信局、滁州经开区管委会等,各县、市、区政府。\n"
    )
    (task,) = _one(text)
    assert task.lead == ["市发展改革委"]
    assert task.co == ["市经信局", "滁州经开区管委会", "各县、市、区政府"]


def test_time_word_and_also_before_modal() -> None:
    tasks = _one("下阶段市政府办公厅将进一步加大督查考核力度。各专班成员单位也要加压鼓劲。")
    assert [t.lead for t in tasks] == [["市政府办公厅"], ["各专班成员单位"]]


def test_a_headings_topic_ends_at_the_next_heading_of_its_level() -> None:
    text = (
        "二、关于秋冬季森林防火。\n由县应急管理局牵头，立即开展隐患排查，11月底前完成。\n"
        "三、请县发改局于2030年6月底前完成项目策划。"
    )
    first, second = _one(text, base=date(2024, 10, 5))
    assert first.text.startswith("秋冬季森林防火：")
    assert second.text == "于2030年6月底前完成项目策划。"


def test_work_by_person_then_unit_that_carries_it_out() -> None:
    # A chain of "<work>由<person>牵头,<unit>落实": one task per work, led by the unit.
    tasks = _one(
        "会议决定:东区道路整治由李强牵头,城关镇落实;河道清淤由王芳牵头,县水利局落实;"
        "督导组负责每天报送进度。"
    )
    assert [(t.text, t.lead) for t in tasks[:2]] == [
        ("东区道路整治", ["城关镇"]),
        ("河道清淤", ["县水利局"]),
    ]
    assert tasks[2].lead == ["督导组"] and tasks[2].cycle_raw == "每天"


def test_hope_addresses_a_group() -> None:
    tasks = _one("希望各地各有关部门高度重视,加大工作推进力度,如期完成目标任务。")
    assert len(tasks) == 1 and tasks[0].lead == ["各地各有关部门"]


def test_page_metadata_line_is_no_task() -> None:
    tasks = _one(
        "发布时间:2023-01-30 08:56 来源:某县人民政府(办公室)\n\n"
        "各牵头责任单位要切实履行牵头抓总职责,制定工作方案。各协同责任单位要主动配合。"
    )
    assert [t.lead for t in tasks] == [["各牵头责任单位"], ["各协同责任单位"]]


def test_first_time_is_not_an_enumerator() -> None:
    tasks = _one("各级各部门要强化责任,加强统筹,第一时间制定计划方案。")
    assert len(tasks) == 1


def test_yiding_yao_after_the_unit() -> None:
    tasks = _one("各县市一定要树立项目谋划意识,把项目规划好。")
    assert len(tasks) == 1 and tasks[0].lead == ["各县市"]


def test_a_point_that_names_its_addressee_does_not_lend_it_on() -> None:
    tasks = _one(
        "会议提出要求,一是各村成立工作专班;二是镇督导组要加强督导考核;"
        "三是组织党员开展示范活动;四是各村要建立长效保洁制度。"
    )
    leads = [t.lead for t in tasks]
    assert ["镇督导组"] in leads and ["各村"] in leads
    assert not any("组织党员" in t.text for t in tasks)


def test_fields_run_together_on_one_line() -> None:
    # A page that lost its line breaks: items and their fields on one line.
    tasks = _one(
        "现将进展情况公示如下。 1.新建停车场2处。 牵头领导:王某 责任单位:县住建局 "
        "项目责任人:李某 配合单位:县财政局 实际完成情况:已完成50%。 2.改造老旧小区3个。 "
        "牵头领导:张某 责任单位:县房管局 实际完成情况:正在施工。"
    )
    assert [(t.text, t.lead, t.co) for t in tasks] == [
        ("新建停车场2处。", ["县住建局"], ["县财政局"]),
        ("改造老旧小区3个。", ["县房管局"], []),
    ]


def test_year_less_date_takes_the_year_the_text_names_when_undated() -> None:
    text = (
        "为保质保量完成2020年全县青贮玉米种植任务,现通知如下:\n"
        "各乡镇务必于3月15日前全面完成种植面积落实任务;\n"
        "各职能部门要在一个月内形成放权名单。"
    )
    tasks = extract(text, base=None)
    assert tasks[0].deadline == date(2020, 3, 15) and tasks[0].deadline_past
    # A relative limit needs the document's own date: it stays unresolved.
    assert tasks[1].deadline_raw is not None and tasks[1].deadline is None


def test_salutation_before_a_purpose_clause_is_no_label() -> None:
    tasks = _one(
        "市直有关部门: 为切实做好防汛减灾工作,市防汛办修订形成了预案征求意见稿。"
        "请各单位于6月18日前将修改意见反馈至市防汛办。"
    )
    assert [t.lead for t in tasks] == [["各单位"]]
    assert tasks[0].deadline == date(2024, 6, 18)


def test_addressee_in_the_clause_before_its_yao() -> None:
    tasks = _one(
        "种子管理、农业执法等部门,要鼓励种子经营单位加大推广。"
        "办公室在修改报告过程中,要客观反映过去一年的成果。"
    )
    assert [(t.lead, t.co) for t in tasks] == [(["种子管理"], ["农业执法"]), (["办公室"], [])]


def test_enumerated_group_with_a_bare_verb() -> None:
    tasks = _one("会议提出要求,一是各村委会成立整治工作领导小组,发动群众;二是各村要建立保洁制度。")
    assert [t.lead for t in tasks] == [["各村委会"], ["各村"]]


def test_leaders_as_a_role_addressee() -> None:
    tasks = _one("分管领导要既管业务又管党建。各牵头县领导要靠前指挥,强化统筹调度。")
    assert [t.lead for t in tasks] == [["分管领导"], ["各牵头县领导"]]
