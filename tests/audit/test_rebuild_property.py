"""Property: for any history driven through the actions, rebuild == stored projection.

Hypothesis picks a sequence of moves (register+decompose+assign, receive, return, reassign,
report, extension, urge, submit, verify, close, withdraw a task or its directive, tick with
its escalation ladders, marking a key task, a spot-check finding that may reopen a task)
with random actors, tasks and time steps. Moves the rules refuse are part of the history
too: a refusal must leave the projection and the record consistent. After every move no
request is stranded: it is in the projection and decidable in its task's status (issue 12).
At the end every task's events are folded again and compared with its stored row and
assignments, and the hash chain verifies.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from duban.audit.verify import rebuild, verify_chain
from duban.coordination.tick import tick
from duban.org.loader import load
from duban.org.models import Role, User
from duban.supervise import actions as sv
from duban.supervise.spotchecks import Filters
from duban.work import actions, rules
from duban.work.errors import ActionError
from duban.work.models import (
    ExtensionRequest,
    ExtensionStatus,
    LoopConfig,
    ReviewStatus,
    Task,
    UnitReview,
)
from tests.conftest import SMALL_COUNTY, County, at

MOVES = [
    "new",
    "receive",
    "receive",
    "return",
    "reassign",
    "report",
    "report",
    "extend",
    "decide",
    "urge",
    "submit",
    "submit",
    "verify",
    "close",
    "withdraw",
    "withdraw_directive",
    "tick",
    "key",
    "spot",
    "setting",
    "held",
    "held",
    "held",
    "head",
    "head",
]

move_st = st.tuples(
    st.sampled_from(MOVES),
    st.integers(min_value=0, max_value=50),  # which task / unit / option
    st.integers(min_value=1, max_value=96),  # hours to advance
    st.booleans(),
)


class RebuildEqualsProjection(TestCase):
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(move_st, min_size=5, max_size=40))
    def test_rebuild_equals_the_stored_projection(
        self, moves: list[tuple[str, int, int, bool]]
    ) -> None:
        load(SMALL_COUNTY)
        c = County()
        # 单位审核: adam heads 县发改局; the other two units get heads too. "held" turns the
        # county setting on, "setting" may turn it off again, so histories mix held and
        # direct submissions and a setting changed while submissions wait.
        User.objects.create(username="bea", role=Role.UNIT_HEAD, unit=c.b)
        User.objects.create(username="cat", role=Role.UNIT_HEAD, unit=c.c)
        now = at("2026-03-02 09:00")
        units = [c.a, c.b, c.c, c.d]
        liaison = {c.a.pk: c.amy, c.b.pk: c.bob, c.c.pk: c.carl}
        for move, n, hours, flag in moves:
            now += timedelta(hours=hours)
            tasks = list(Task.objects.order_by("pk"))
            t = tasks[n % len(tasks)] if tasks else None
            # A refused move stores nothing, which the final checks also cover.
            with contextlib.suppress(ActionError):
                self._move(move, n, flag, t, now, c, units, liaison)
            self._no_stranded_requests()
        self.assertTrue(verify_chain().ok)
        report = rebuild()
        self.assertEqual(report.differing, [])
        self.assertEqual(report.tasks, Task.objects.count())

    def _no_stranded_requests(self) -> None:
        """Every pending request is in its task's projection and decidable where it is."""
        pending = {
            (r.task_id, f"extension:{r.pk}")
            for r in ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
        }
        projected = set()
        for task in Task.objects.exclude(open_requests=[]):
            for key in task.open_requests:
                projected.add((task.pk, key))
                decided_by = rules.REQUESTS[key.split(":")[0]]["decided_by"]
                self.assertIn(task.status, rules.ALLOWED_FROM[str(decided_by)], (task.code, key))
        self.assertEqual({p for p in projected if p[1].startswith("extension:")}, pending)
        waiting = {
            (r.task_id, f"unit_review:{r.pk}")
            for r in UnitReview.objects.filter(status=ReviewStatus.PENDING)
        }
        self.assertEqual({p for p in projected if p[1].startswith("unit_review:")}, waiting)

    def _move(
        self,
        move: str,
        n: int,
        flag: bool,
        t: Task | None,
        now: datetime,
        c: County,
        units: list,
        liaison: dict,
    ) -> None:
        if move == "new" or t is None:
            d = actions.register(
                kind="meeting",
                title="常务会议定事项",
                urgency="normal",
                received_at=now,
                by=c.alice,
                now=now,
            )
            lead = units[n % 3]
            co = [u for u in units[:3] if u != lead][: n % 2 + 1]
            cycle = ["none", "weekly", "monthly", "quarterly"][n % 4]
            due = (
                {"workdays": n % 20 + 3}
                if flag
                else {"date": (now.date() + timedelta(days=n + 10)).isoformat()}
            )
            [task] = actions.decompose(
                directive=d,
                by=c.alice,
                now=now,
                tasks=[
                    actions.TaskDraft(
                        content=f"事项{n}",
                        lead=[lead],
                        co=co,
                        due=due,
                        cycle=cycle,
                        cycle_day=n % 5 + 1,
                        is_key=flag,
                        leader=c.leader_lily,
                    )
                ],
            )
            actions.assign(task=task, by=c.alice, now=now)
            return
        t.refresh_from_db()
        lead_user = liaison.get(t.lead_unit_id or 0, c.amy)
        some_unit_user = list(liaison.values())[n % 3]
        if move == "receive":
            actions.receive(task=t, by=some_unit_user if flag else lead_user, now=now)
        elif move == "return":
            actions.return_(task=t, reason="不属本单位职责", by=lead_user, now=now)
        elif move == "reassign":
            new_lead = units[(n + 1) % 3]
            actions.reassign(
                task=t, lead=[new_lead], co=[units[3]], reason="改派", by=c.alice, now=now
            )
        elif move == "report":
            actions.report_progress(
                task=t, text="进展", by=some_unit_user if flag else lead_user, now=now
            )
        elif move == "extend":
            base = t.due or date(2026, 12, 31)
            actions.request_extension(
                task=t, new_due=base + timedelta(days=n + 1), reason="延期", by=lead_user, now=now
            )
        elif move == "decide":
            req = ExtensionRequest.objects.filter(task=t, status="pending").first()
            if req is not None:
                actions.decide_extension(
                    request=req, approve=flag, reason="审批意见", by=c.alice, now=now
                )
        elif move == "urge":
            actions.urge(task=t, message="催办", by=c.lily if flag else c.alice, now=now)
        elif move == "submit":
            actions.submit_done(
                task=t, text="办结", by=some_unit_user if flag else lead_user, now=now
            )
        elif move == "verify":
            actions.verify(
                confirm_silent_co=True, task=t, accept=flag, reason="退回重办", by=c.alice, now=now
            )
        elif move == "close":
            actions.close(task=t, by=c.alice, now=now)
        elif move == "withdraw":
            if n % 5 == 0:
                actions.withdraw(task=t, reason="撤销", by=c.alice, now=now)
        elif move == "withdraw_directive":
            if n % 7 == 0:
                actions.withdraw_directive(
                    directive=t.directive, reason="撤销来文", by=c.alice, now=now
                )
        elif move == "tick":
            tick(now=now)
        elif move == "key":
            sv.mark_key(task=t, is_key=not t.is_key, reason="调整", by=c.alice, now=now)
        elif move == "setting":
            LoopConfig.objects.update_or_create(
                pk=1, defaults={"unit_review": flag, "unit_review_progress": n % 2 == 0}
            )
        elif move == "held":
            LoopConfig.objects.update_or_create(
                pk=1, defaults={"unit_review": True, "unit_review_progress": True}
            )
            what = ["submit", "extension", "progress"][n % 3]
            base = t.due or date(2026, 12, 31)
            sender = lead_user if flag or what == "extension" else some_unit_user
            with contextlib.suppress(ActionError):  # its unit signs first if it has not
                actions.receive(task=t, by=sender, now=now)
            actions.send_for_unit_review(
                task=t,
                what=what,
                text="送审",
                new_due=base + timedelta(days=n + 1),
                by=sender,
                now=now,
            )
        elif move == "head":
            review = UnitReview.objects.filter(task=t, status="pending").first()
            if review is not None:
                head = User.objects.get(role=Role.UNIT_HEAD, unit_id=review.unit_id)
                actions.decide_unit_review(
                    review=review, approve=flag, reason="退回修改", by=head, now=now
                )
        elif move == "spot":
            check = sv.draw_spot_check(
                title="抽查", filters=Filters(), size=1000, seed=n, by=c.alice, now=now
            )
            item = check.items.filter(task=t).first()
            if item is not None:
                verdict = "false" if flag else "true"
                sv.record_finding(
                    item=item, verdict=verdict, notes="核查", by=c.alice, rectify=flag, now=now
                )
