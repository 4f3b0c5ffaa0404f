"""统计: counts by light and status, on-time rates, the monthly trend and the overnight count.

Every figure is over the tasks the viewer may see (a liaison's dashboard is their unit's);
the charts are inline SVG drawn here (web/charts.py), so the page needs nothing from outside.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from duban import replica
from duban.org.models import Role
from duban.web import charts
from duban.web.common import acting_user, roles_required
from duban.work import stats
from duban.work.models import Light, TaskStatus

READERS = (Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD)
UNITS_IN_CHART = 15


def _ledger(**params: str) -> str:
    return f"{reverse('ledger')}?{urlencode(params)}"


def _bar(rate: stats.Rate, href: str) -> charts.Bar:
    text = f"{rate.percent:g}%（{rate.on_time}/{rate.closed}）" if rate.closed else "暂无办结"
    return charts.Bar(rate.label, rate.percent, text, href)


@roles_required(*READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    now = timezone.now()
    with replica.reports():  # the streaming replica when it has this person's writes
        figures = stats.counts(user)
        rates = stats.on_time(user, now=now)
        trend = stats.monthly_trend(user, now=now)
        overnight = stats.overnight_this_month(user, now=now)
    lights, statuses = figures.lights, figures.statuses
    closed = TaskStatus.CLOSED.value
    # The units with the lowest rates first: those are the ones the office follows up.
    worst_units = rates.by_unit[:UNITS_IN_CHART]
    context = {
        "now": now,
        "lights": [
            (value, label, lights.get(value, 0), _ledger(light=value))
            for value, label in Light.choices
            if value != Light.NONE
        ],
        "statuses": [
            (label, statuses.get(value, 0), _ledger(status=value))
            for value, label in TaskStatus.choices
            if statuses.get(value) or value != TaskStatus.DRAFT
        ],
        "rates": rates,
        "overnight": overnight,
        "trend": trend,
        "trend_chart": charts.month_chart(
            [m.label for m in trend],
            [m.new for m in trend],
            [m.closed for m in trend],
            title="近12个月新交办与办结事项数",
            bar_name="新交办",
            line_name="办结",
        ),
        "line_chart": charts.hbar_chart(
            [_bar(r, _ledger(line=r.key, status=closed)) for r in rates.by_line],
            title="各分管线按期办结率",
            width=520,
        ),
        "kind_chart": charts.hbar_chart(
            [_bar(r, _ledger(kind=r.key, status=closed)) for r in rates.by_kind],
            title="各事项来源按期办结率",
            width=520,
            label_chars=9,
        ),
        "unit_chart": charts.hbar_chart(
            [_bar(r, _ledger(unit=r.key, unit_role="lead", status=closed)) for r in worst_units],
            title="各单位按期办结率",
            empty="暂无已办结事项",
            width=700,
            label_chars=10,
        ),
        "units_cut": len(rates.by_unit) > UNITS_IN_CHART,
        "units_in_chart": UNITS_IN_CHART,
    }
    return render(request, "web/dashboard.html", context)
