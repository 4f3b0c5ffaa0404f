"""Unit names found by the shape of Chinese organisation names."""

from __future__ import annotations

from datetime import date

import pytest

from duban.extract.tasks import extract


def leads(text: str, known: tuple[str, ...] = ()) -> list[tuple[list[str], list[str]]]:
    return [(t.lead, t.co) for t in extract(text, base=date(2026, 3, 16), known_names=known)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 和 inside a name, and 和 between two names.
        ("县住房和城乡建设局要加快施工。", [(["县住房和城乡建设局"], [])]),
        ("县住建局和县财政局要加快施工。", [(["县住建局"], ["县财政局"])]),
        (
            "县人力资源和社会保障局、县应急管理局要开展检查。",
            [(["县人力资源和社会保障局"], ["县应急管理局"])],
        ),
        # Parenthesised parts of a name, and role phrases.
        ("各镇(街道)人民政府(办事处)要落实责任。", [(["各镇(街道)人民政府(办事处)"], [])]),
        ("各责任（配合）单位要积极配合。", [(["各责任（配合）单位"], [])]),
        ("各项工作任务的主要责任单位要按时报送。", [(["各项工作任务的主要责任单位"], [])]),
        # Sector shorthand before 等部门.
        ("交通、农业、林业等部门要密切配合，加强沟通。", [(["交通"], ["农业", "林业"])]),
        # The people of a unit stand for the unit.
        ("县自然资源局全体班子成员要吃住在村，加强指导。", [(["县自然资源局"], [])]),
        ("县委组织部、县纪委监委要加强督导。", [(["县委组织部"], ["县纪委监委"])]),
        (
            "九龙半岛开发建设公司要会同有关部门做好保障。",
            [(["九龙半岛开发建设公司"], ["有关部门"])],
        ),
    ],
)
def test_names_by_shape(text: str, expected: list[tuple[list[str], list[str]]]) -> None:
    assert leads(text) == expected


def test_a_name_the_registry_knows_needs_no_shape() -> None:
    text = "云溪城投要加快安置房建设。"
    assert leads(text) == []
    assert leads(text, known=("云溪城投",)) == [(["云溪城投"], [])]


@pytest.mark.parametrize(
    "text",
    [
        "全部完成整改。",
        "会议要求加快进度。",
        "地区生产总值增长7%以上。",
        "县政府副县长张明及相关单位负责人参加会议。",
        "县政府重点工作任务实行分线领导牵头负责制。",
    ],
)
def test_words_that_look_like_names_but_are_not(text: str) -> None:
    assert leads(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("各乡镇党委、政府要落实主体责任。", [(["各乡镇党委"], ["政府"])]),
        ("县政府要求各乡镇于3月底前完成排查。", [(["各乡镇"], [])]),
        ("其他责任单位要积极配合。", [(["其他责任单位"], [])]),
    ],
)
def test_lists_requests_and_role_words(
    text: str, expected: list[tuple[list[str], list[str]]]
) -> None:
    assert leads(text) == expected


def test_pronouns_are_not_names() -> None:
    assert leads("下一步，我局将继续加大执法力度。本单位要做好自查。") == []
