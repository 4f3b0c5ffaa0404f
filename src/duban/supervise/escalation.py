"""The escalation ladders, run by `duban tick` on every running task.

Each step that fires appends an `escalated` event to the task's chain, an `Escalation`
row (unique per task and step, so a step can never fire twice, even from two tick
processes at once), and notifications with a dedupe key per task, step and recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from duban.notify.outbox import enqueue_for_users, unit_recipients
from duban.org.models import Role, User
from duban.org.selectors import leader_of
from duban.supervise.ladder import Facts, Step, due_steps, threshold_for
from duban.supervise.models import Basis, Escalation, Ladder, LadderStep
from duban.work import rules
from duban.work.actions.core import _supervisors, _units_on, record
from duban.work.models import EventKind, Task, TaskStatus

# The unit's turn: a task the unit returned (退回) waits on the office, not on the unit,
# and a submitted one on the office's verification.
CLIMBING = frozenset({TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS})


@dataclass(frozen=True)
class LoadedLadder:
    ladder: Ladder
    steps: list[LadderStep]
    rules: list[Step]


def load_ladders() -> list[LoadedLadder]:
    """The active ladders with their active steps (read once per tick)."""
    out = []
    for lad in Ladder.objects.filter(is_active=True).prefetch_related("steps"):
        steps = [s for s in lad.steps.all() if s.is_active]
        if steps:
            out.append(
                LoadedLadder(
                    ladder=lad,
                    steps=steps,
                    rules=[
                        Step(
                            id=s.pk,
                            order=s.order,
                            basis=s.basis,
                            threshold=s.threshold,
                            key_threshold=s.key_threshold,
                            key_skip=s.key_skip,
                        )
                        for s in steps
                    ],
                )
            )
    return out


def facts_of(task: Task) -> Facts:
    return Facts(
        is_key=task.is_key,
        light=task.light,
        due=task.due,
        submitted=task.submitted_at is not None,
        red_since=task.red_since,
        yellow_count=task.yellow_count,
        red_count=task.red_count,
        missing_reports=task.missing_reports,
    )


_MEASURE = {
    Basis.RED: "红灯已持续{n}个工作日",
    Basis.OVERDUE: "已逾期{n}个工作日",
    Basis.YELLOW_TIMES: "已累计{n}次亮黄灯",
    Basis.RED_TIMES: "已累计{n}次亮红灯",
    Basis.MISSING_REPORTS: "已缺报进展{n}期",
}


def climb(
    task: Task,
    *,
    today: date,
    now: datetime,
    ctx: rules.RuleContext,
    ladders: list[LoadedLadder],
) -> int:
    """Fire every ladder step the task has reached today. The task is locked by the caller.

    Returns the number of steps fired.
    """
    if not ladders or task.status not in CLIMBING:
        return 0
    facts = facts_of(task)
    fired = {e.step_id for e in task.escalations.all()}  # prefetched by tick
    count = 0
    for loaded in ladders:
        steps = {s.pk: s for s in loaded.steps}
        for rule in due_steps(loaded.rules, facts, fired=fired, today=today, calendar=ctx.calendar):
            _fire(task, steps[rule.id], loaded.ladder, facts, now=now, ctx=ctx)
            count += 1
    return count


def _fire(
    task: Task,
    step: LadderStep,
    lad: Ladder,
    facts: Facts,
    *,
    now: datetime,
    ctx: rules.RuleContext,
) -> None:
    n = threshold_for(
        Step(step.pk, step.order, step.basis, step.threshold, step.key_threshold),
        facts.is_key,
    )
    measure = _MEASURE[Basis(step.basis)].format(n=n)
    told = _told(step)
    note = f"{measure}，{step.name}" + (f"：{'、'.join(told)}" if told else "") + "。"
    event = record(
        task,
        kind=EventKind.ESCALATED,
        at=now,
        by=None,
        unit=None,
        ctx=ctx,
        payload={
            "ladder": lad.pk,
            "ladder_name": lad.name,
            "step": step.pk,
            "order": step.order,
            "name": step.name,
            "colour": step.colour,
            "colour_name": step.colour_name,
            "basis": step.basis,
            "threshold": n,
            "key": facts.is_key,
            "urge": step.urge,
            "unit": task.lead_unit_id,
            "note": note,
        },
    )
    Escalation(task=task, step=step, at=now, event=event).save()
    title = f"{step.name}：{task.content[:40]}"
    body = f"事项{task.code}{measure}。" + ("请尽快办理并报送进展。" if step.urge else "")
    for users in _recipients(task, step):
        enqueue_for_users(
            users,
            kind="escalated",
            title=title,
            body=body,
            now=now,
            task=task,
            dedupe=f"escalated:{task.pk}:{step.pk}",
        )


def _told(step: LadderStep) -> list[str]:
    told = []
    if step.urge:
        told.append("自动催办")
    elif step.notify_units:
        told.append("通知承办单位")
    if step.notify_unit_head:
        told.append("告知牵头单位负责人")
    if step.notify_leader:
        told.append("报告县领导")
    if step.notify_supervisors:
        told.append("通知督查室")
    return told


def _recipients(task: Task, step: LadderStep) -> list[list[User]]:
    groups: list[list[User]] = []
    if step.urge or step.notify_units:
        groups.append(unit_recipients(_units_on(task)))
    if step.notify_unit_head and task.lead_unit_id is not None:
        groups.append(
            list(
                User.objects.filter(unit_id=task.lead_unit_id, role=Role.UNIT_HEAD, is_active=True)
            )
        )
    if step.notify_leader:
        leader = task.leader or (leader_of(task.lead_unit) if task.lead_unit else None)
        if leader is not None:
            groups.append(list(User.objects.filter(leader=leader, is_active=True)))
    if step.notify_supervisors:
        groups.append(_supervisors())
    # One message per person even when they are in two groups (a unit head is also a
    # unit user): the dedupe key is per task, step and recipient.
    return groups
