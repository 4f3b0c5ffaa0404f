# ruff: noqa: E501 (the template loop, verbatim)
"""The ledger's rows are written in Python (views/ledger.rows_html) for speed: the markup
must be the one the template loop it replaced made, cell for cell, escaping included."""

from __future__ import annotations

import re

from django.template import engines

from duban.web.views.ledger import rows_html
from duban.work import actions
from duban.work.ledger import LedgerFilters, ledger_page
from tests.conftest import County, at
from tests.web.test_ledger import Office, make

# The template loop of web/ledger_rows.htmx.html before the rows moved to Python.
LOOP = """
{% for row in page.rows %}{% with t=row.task %}
<tr>
{% if batch %}<td class="pick hide-sm"><input type="checkbox" name="task" value="{{ t.pk }}" form="batch-ledger" aria-label="选择 {{ t.code }}"></td>{% endif %}<td style="white-space:nowrap">{{ t.code }}</td>
<td class="hide-sm">{{ t.directive.get_kind_display }}</td>
<td class="content"><a href="{% url 'task_detail' t.pk %}" title="{{ t.content }}">{{ t.content|truncatechars:60 }}</a>{% if t.is_key %} <span class="chip">重点</span>{% endif %}</td>
<td class="hide-sm">{{ t.leader.name|default:"—" }}</td>
<td>{% for u in row.leads %}{{ u.label }}{% if not forloop.last %}、{% endif %}{% empty %}—{% endfor %}</td>
<td class="hide-sm">{% for u in row.co %}{{ u.label }}{% if not forloop.last %}、{% endif %}{% empty %}—{% endfor %}</td>
<td style="white-space:nowrap">{% if t.due %}{{ t.due|date:"Y-m-d" }}{% if t.due_provisional %}<span class="muted">（暂定）</span>{% endif %}{% else %}—{% endif %}</td>
<td class="hide-sm">{{ t.get_status_display }}</td>
<td><span class="light {{ t.light }}">{{ t.get_light_display }}</span></td>
<td class="hide-sm latest">{% if row.latest %}<span title="{{ row.latest }}">{{ row.latest|truncatechars:40 }}</span> <span class="muted">{{ row.latest_at|date:"n月j日" }}</span>{% else %}<span class="muted">—</span>{% endif %}</td>
</tr>
{% endwith %}{% endfor %}
"""


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def test_rows_written_in_python_are_the_templates_markup(county: County) -> None:
    Office(county)
    now = at("2026-03-02 09:00")
    # Text that must be escaped, a content longer than the cell, a progress report longer
    # than its cell, no deadline, and a task not yet assigned.
    odd = make(county, now, content="关于\"城南<新区>\"&'老街'改造的" + "落实" * 40, due=None)
    actions.receive(task=odd, by=county.amy, now=at("2026-03-03 09:00"))
    actions.report_progress(
        task=odd, text="<b>已完成</b>" + "征收工作" * 20, by=county.amy,
        now=at("2026-03-04 09:00"),
    )  # fmt: skip
    make(county, now, content="尚未交办的事项", assign=False)
    page = ledger_page(county.alice, LedgerFilters())
    assert len(page.rows) == 7
    loop = engines["django"].from_string(LOOP)
    for batch in (False, True):
        expected = loop.render({"page": page, "batch": batch})
        written = rows_html(page.rows, batch=batch)
        assert _tags(written) == _tags(expected)
    assert "&lt;b&gt;已完成" in written and "&quot;城南&lt;新区&gt;&quot;" in written
