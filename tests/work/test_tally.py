"""The dashboard's tally (work/tally.py) equals a recount of the tasks after any history.

The histories are the rebuild property's (tests/audit/test_rebuild_property.py): random
actions by random actors, refused moves included, ticks that change lights. After each one
the tally, read as it stands and again after compaction, must equal a GROUP BY over the
tasks, and the county-wide dashboard figures read from it must equal the figures counted
from the tasks directly.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from duban.audit.verify import rebuild
from duban.org.loader import load
from duban.org.models import User
from duban.work import stats, tally
from duban.work.errors import ActionError
from duban.work.models import Task, TaskTally

# The module, not the class: a TestCase imported by name is collected (and run) here again.
from tests.audit import test_rebuild_property as histories
from tests.conftest import SMALL_COUNTY, County, at


def _dashboard(user: User, now: object) -> tuple[object, ...]:
    return (
        stats.counts(user),
        stats.on_time(user, now=now),  # type: ignore[arg-type]
        stats.monthly_trend(user, now=now),  # type: ignore[arg-type]
    )


class TallyEqualsRecount(TestCase):
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(histories.move_st, min_size=5, max_size=40))
    def test_tally_equals_a_recount_after_random_histories(
        self, moves: list[tuple[str, int, int, bool]]
    ) -> None:
        load(SMALL_COUNTY)
        c = County()
        now = at("2026-03-02 09:00")
        units = [c.a, c.b, c.c, c.d]
        liaison = {c.a.pk: c.amy, c.b.pk: c.bob, c.c.pk: c.carl}
        mover = histories.RebuildEqualsProjection()
        for move, n, hours, flag in moves:
            now += timedelta(hours=hours)
            tasks = list(Task.objects.order_by("pk"))
            t = tasks[n % len(tasks)] if tasks else None
            with contextlib.suppress(ActionError):
                mover._move(move, n, flag, t, now, c, units, liaison)
        self.assertEqual(tally.differences(), [])
        in_state = [n for key, n in tally.counted().items() if key[0] == tally.STATE]
        self.assertEqual(sum(in_state), Task.objects.count())
        # The page's figures from the tally are those counted from the tasks themselves.
        from_tally = _dashboard(c.alice, now)
        with mock.patch.object(stats, "_county_wide", return_value=False):
            self.assertEqual(_dashboard(c.alice, now), from_tally)
        # Compaction folds the delta rows into one per key and changes no count.
        before = tally.counted()
        rows = tally.compact()
        self.assertEqual(tally.counted(), before)
        self.assertEqual(rows, len(before))


class RebuildRecounts(TestCase):
    def test_rebuild_reports_a_wrong_tally_and_fix_recounts_it(self) -> None:
        load(SMALL_COUNTY)
        c = County()
        now = at("2026-03-02 09:00")
        units = [c.a, c.b, c.c, c.d]
        for i in range(3):
            histories.RebuildEqualsProjection()._move("new", i, False, None, now, c, units, {})
        self.assertEqual(tally.differences(), [])
        # Someone's hand edit, or a bug: one task too many counted as red.
        TaskTally.objects.create(facet=tally.STATE, kind="", status="assigned", light="red", n=1)
        report = rebuild()
        self.assertEqual(len(report.tally_differing), 1)
        with self.assertRaises(CommandError) as refused:
            call_command("rebuild")
        self.assertIn("duban rebuild --fix", str(refused.exception))
        call_command("rebuild", "--fix")
        self.assertEqual(tally.differences(), [])
        self.assertEqual(rebuild().tally_differing, [])
