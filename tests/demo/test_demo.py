"""The demo county: built through the actions, complete, and its record holds."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from duban.audit.rows import verify_rows
from duban.audit.verify import rebuild, verify_chain
from duban.demo.build import DEMO_LOGINS, build_demo
from duban.duties import report as duty
from duban.events.selectors import year_figures as event_figures
from duban.meetings.selectors import year_figures as meeting_figures
from duban.org.models import Leader, Role, Unit, UnitKind, User
from duban.work.models import Light, Task, TaskStatus
from duban.work.selectors import overnight_directives
from tests.conftest import at

NOW = at("2026-11-26 17:00")


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_county_has_a_year_of_work_in_every_state() -> None:
    build_demo(now=NOW)
    assert Unit.objects.count() >= 60
    assert Unit.objects.filter(kind=UnitKind.TOWNSHIP).count() >= 10
    assert Leader.objects.count() == 8
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert {u for u, _ in DEMO_LOGINS} <= set(User.objects.values_list("username", flat=True))

    assert set(Task.objects.values_list("status", flat=True)) == set(TaskStatus.values)
    assert set(Task.objects.values_list("light", flat=True)) == set(Light.values)
    first = Task.objects.order_by("assigned_at").exclude(assigned_at=None).first()
    assert first is not None and first.assigned_at is not None
    assert (NOW - first.assigned_at).days >= 300  # a year of history
    supervisor = User.objects.get(username="duchashi")
    assert overnight_directives(supervisor, now=NOW).exists()

    report = verify_chain()
    assert report.ok, report.problems[:5]
    assert rebuild().differing == []
    assert verify_rows() == []  # titles, texts, reports match the events that recorded them

    # The director's 述职 draft (issue 16) on the demo county: each figure is its selector's,
    # the year's meetings, events and party records are in it, and each stands in the text.
    f = duty.figures(supervisor, 2026, today=NOW.date())
    mt, ev = meeting_figures(year=2026), event_figures(year=2026)
    assert f["meetings"].value == mt["meetings_held"] > 0
    assert f["law_studies"].value == mt["law_studies"] > 0
    assert f["major_decisions"].value == mt["major_matters"] > 0
    assert f["events"].value == ev["events"] > 0
    assert f["event_follow_ups"].value == ev["follow_ups"] > 0
    assert f["sessions"].value > 0 and f["talks"].value > 0
    text = "".join(p for s in duty.draft(2026, f) for p in s.paragraphs)
    assert [k for k, fig in f.items() if fig.text not in text] == []


@pytest.mark.django_db
def test_the_demo_refuses_a_database_that_holds_work(capsys: pytest.CaptureFixture[str]) -> None:
    build_demo(now=NOW, days=10)
    with pytest.raises(RuntimeError, match="already holds directives"):
        build_demo(now=NOW, days=10)
    call_command("demo", "--no-serve", "--now", "2026-11-26T17:00")
    out = capsys.readouterr().out
    assert "已有演示数据" in out and "duchashi" in out


@pytest.mark.django_db
def test_the_demo_summary_names_states_and_lights_in_chinese(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", "--no-serve", "--now", "2026-11-26T17:00", "--days", "10")
    out = capsys.readouterr().out
    status_line = next(line for line in out.splitlines() if line.startswith("事项状态："))
    light_line = next(line for line in out.splitlines() if line.startswith("亮灯："))
    assert "已办结" in status_line or "办理中" in status_line
    for word in [*TaskStatus.values, *Light.values]:
        assert word not in status_line and word not in light_line, (word, out)
