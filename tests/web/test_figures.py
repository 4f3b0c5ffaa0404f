"""One selector per figure (issue 12, point 4): a card and the list it sums agree, per role.

The county of the reproduction: 李丽's line is what she leads as 牵头领导 plus what the
units of her portfolio (县发改局, 县财政局) lead. A red task of 县发改局 led by another leader
and a red task she leads at 城关镇 (outside her portfolio) used to be counted by one figure
and not the other ("5 red on the card, 6 in the list").
"""

from __future__ import annotations

from typing import Any

import pytest

from duban.coordination.tick import tick
from duban.supervise.lines import line_board
from duban.work import actions
from duban.work.ledger import OPEN, LedgerFilters, ledger_tasks
from duban.work.models import Light, Task
from tests.conftest import County, at
from tests.work import flow

T0 = at("2026-03-02 09:00")
LATER = at("2026-04-01 09:00")


@pytest.fixture
def line(county: County) -> dict[str, Task]:
    c = county
    tasks = {
        "a_led_by_wang_red": flow.task(
            c, T0, lead=[c.a], co=[], leader=c.leader_wang, due={"date": "2026-03-20"}
        ),
        "c_led_by_lily_red": flow.task(
            c, T0, lead=[c.c], co=[c.a], leader=c.leader_lily, due={"date": "2026-03-25"}
        ),
        "a_led_by_lily_yellow": flow.task(
            c, T0, lead=[c.a], co=[], leader=c.leader_lily, due={"date": "2026-04-02"}
        ),
        "b_led_by_lily_green": flow.task(
            c, T0, lead=[c.b], co=[], leader=c.leader_lily, due={"date": "2026-06-30"}
        ),
        "c_led_by_wang_red": flow.task(
            c, T0, lead=[c.c], co=[], leader=c.leader_wang, due={"date": "2026-03-20"}
        ),
    }
    actions.receive(task=tasks["a_led_by_lily_yellow"], by=c.amy, now=T0)
    tick(now=LATER)
    lights = {k: Task.objects.get(pk=t.pk).light for k, t in tasks.items()}
    assert lights == {
        "a_led_by_wang_red": Light.RED,
        "c_led_by_lily_red": Light.RED,
        "a_led_by_lily_yellow": Light.YELLOW,
        "b_led_by_lily_green": Light.GREEN,
        "c_led_by_wang_red": Light.RED,
    }
    return tasks


def _count(user: Any, **filters: Any) -> int:
    return ledger_tasks(user, LedgerFilters(**filters)).count()


def test_the_leaders_cards_list_line_page_and_ledger_agree(
    county: County, line: dict[str, Task], client_for: Any
) -> None:
    page = client_for(county.lily).get("/leader/")
    totals, warnings = page.context["totals"], page.context["warnings"]
    red_listed = sum(1 for t in warnings if t.light == Light.RED)
    yellow_listed = sum(1 for t in warnings if t.light == Light.YELLOW)
    board = line_board(county.lily, county.leader_lily, today=LATER.date())
    in_ledger = {
        light: _count(county.lily, line=county.leader_lily.pk, light=light, status=OPEN)
        for light in (Light.RED, Light.YELLOW, Light.GREEN)
    }
    assert (totals.red, red_listed, board.totals.red, in_ledger[Light.RED]) == (2, 2, 2, 2)
    assert (totals.yellow, yellow_listed, board.totals.yellow) == (1, 1, 1)
    assert (totals.green, board.totals.green, in_ledger[Light.GREEN]) == (1, 1, 1)
    assert len(board.red_tasks) == totals.red
    # The unit table adds up to the cards, the row of 城关镇 (outside her portfolio) included.
    rows = page.context["line"]
    assert sum(r.red for r in rows) == totals.red
    assert [r.label for r in rows if r.unit is None] == ["线外单位（本人牵头）"]
    html = page.content.decode()
    assert "线外单位（本人牵头）" in html and "分管条线的红灯、黄灯事项（3）" in html


def test_the_supervisors_cards_list_and_ledger_agree(
    county: County, line: dict[str, Task], client_for: Any
) -> None:
    page = client_for(county.alice).get("/workbench/")
    lights, red = page.context["lights"], page.context["red"]
    assert lights[Light.RED] == len(red) == _count(county.alice, light=Light.RED) == 3
    assert lights[Light.YELLOW] == _count(county.alice, light=Light.YELLOW) == 1


@pytest.mark.parametrize("who", ["amy", "adam"])  # the liaison and the head of 县发改局
def test_the_units_cards_lists_and_ledger_agree(
    county: County, line: dict[str, Task], client_for: Any, who: str
) -> None:
    user = getattr(county, who)
    page = client_for(user).get("/unit/")
    open_tasks, to_receive = page.context["open_tasks"], page.context["to_receive"]
    assert len(open_tasks) == _count(user, unit=county.a.pk, status=OPEN) == 3
    html = page.content.decode()
    assert f'<span class="n">{len(to_receive)}</span>待签收' in html
    assert f'<span class="n">{len(open_tasks)}</span>在办事项' in html
