# ruff: noqa: E501 (the template loop, verbatim)
"""The ledger's rows and filter selects are written in Python (views/ledger.rows_html,
web/widgets.FastSelect) for speed: the markup must be the one the template loop and Django's
Select made, cell for cell and option for option, escaping included."""

from __future__ import annotations

import re

from django import forms
from django.http import QueryDict
from django.template import engines

from duban.org.models import Leader, Unit
from duban.web.views.ledger import LedgerForm, rows_html
from duban.web.widgets import FastSelect
from duban.work import actions, ledger
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


def test_the_filter_selects_written_in_python_are_djangos_markup(county: County) -> None:
    # A unit whose name needs escaping, a stopped unit, and a filter chosen in each select.
    odd = Unit.objects.create(code="odd", name='"城南"<新区>&管委会', short_name="", order=99)
    Unit.objects.filter(pk=county.d.pk).update(is_active=False)
    units = list(Unit.objects.order_by("-is_active", "order", "id"))
    leaders = list(Leader.objects.order_by("order", "id"))
    data = QueryDict(mutable=True)
    data.update(
        {"kind": "meeting", "unit": str(odd.pk), "unit_role": ledger.LEAD, "status": "open"}
    )
    data.update({"light": "red", "is_key": "1", "leader": str(leaders[0].pk), "sort": "due"})
    data["meeting"] = "7"
    form = LedgerForm(data, units=units, leaders=leaders, meetings=[(7, "县政府第7次常务会议")])
    form.is_valid()
    selects = [n for n, f in form.fields.items() if isinstance(f.widget, FastSelect)]
    assert len(selects) == 10  # with 会议 (issue 15)
    for name in selects:
        field = form[name]
        fast = str(field)
        field.field.widget = forms.Select(choices=field.field.widget.choices)
        assert fast == str(form[name]), name
    assert "&quot;城南&quot;&lt;新区&gt;&amp;管委会" in str(form["unit"])
    assert f'<option value="{odd.pk}" selected>' in str(form["unit"])
