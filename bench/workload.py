"""The shared workload (../shared/bench) mapped onto Duban and written by the bulk path.

Mapping (WORKLOAD.md, "A natural mapping"):
- units.csv: 40 county bureaus → departments, 60 townships/streets → townships;
- users.csv: the first of each unit → unit head, the others → liaisons; plus one supervisor
  (督查室) and 8 county leaders, whose lines split the 40 bureaus 5 by 5; townships are
  given to the leaders round-robin for the task's leader;
- issues.csv: each row → a task led by `unit_code`; consecutive rows of one category, up to
  10, → one directive of a kind derived from the category; the status decides the history:
  new → created, assigned; in_progress → + received; resolved → + received, submitted;
  closed → + received, submitted, verified, closed. `created_at` is the assignment time,
  `closed_at` the closing time, `due_date` the deadline ({"days": 30} when empty);
- then `duban tick` as of the end of `as_of`, so the lights are those of that day.

Needs Django set up (bench/load_workload.py does it; pytest does it for tests/bench).
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from duban.audit.verify import VerifyReport, diff_states, rebuilt_state, verify_chain
from duban.org.loader import refresh_search_keys
from duban.org.models import Leader, Portfolio, Role, Unit, UnitKind, User
from duban.work import bulk, rules
from duban.work.actions import state_of
from duban.work.context import rule_context
from duban.work.models import DirectiveKind, EventKind, Task, TaskStatus, Urgency

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO.parent / "shared" / "bench" / "gen_workload.py"
SH = ZoneInfo(settings.TIME_ZONE)

KIND_OF_CATEGORY = {
    "重点项目": DirectiveKind.KEY_WORK,
    "民生实事": DirectiveKind.KEY_WORK,
    "督查督办": DirectiveKind.INSTRUCTION,
    "信访事项": DirectiveKind.SUPERIOR,
    "日常事务": DirectiveKind.OTHER,
}
STATUS_OF = {
    "new": TaskStatus.ASSIGNED,
    "in_progress": TaskStatus.IN_PROGRESS,
    "resolved": TaskStatus.SUBMITTED,
    "closed": TaskStatus.CLOSED,
}
UNIT_KIND = {"bureau": UnitKind.DEPARTMENT, "township": UnitKind.TOWNSHIP}
LEADERS = [
    ("县长", "王建国"),
    ("常务副县长", "李志强"),
    ("副县长", "张海燕"),
    ("副县长", "刘红梅"),
    ("副县长", "陈晓东"),
    ("副县长", "杨文斌"),
    ("副县长", "赵国庆"),
    ("副县长", "黄建华"),
]
BUREAUS_PER_LEADER = 5
TASKS_PER_DIRECTIVE = 10
DONE_TEXT = "已按要求办结，现将办理情况报告如下。"


@dataclass(frozen=True)
class Org:
    supervisor: User
    unit_ids: dict[str, int]  # code → id
    first_liaison: dict[int, int]  # unit id → user id
    leader_of_unit: dict[int, int]  # unit id → leader id


@dataclass
class CheckReport:
    verify: VerifyReport
    sampled: int = 0
    differing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verify.ok and not self.differing


# ---------------------------------------------------------------- the files


def ensure_workload(out: Path, issues: int) -> Path:
    """The CSV folder for `issues` rows, generated once (deterministic, seed fixed)."""
    meta = out / "meta.json"
    if meta.exists() and json.loads(meta.read_text())["issues"] == issues:
        return out
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(GENERATOR), str(out), "--issues", str(issues)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def as_of(workload: Path) -> date:
    return date.fromisoformat(json.loads((workload / "meta.json").read_text())["as_of"])


def tick_time(day: date) -> datetime:
    """The end of the workload's day, when the benchmark's `duban tick` runs."""
    return datetime(day.year, day.month, day.day, 23, 59, tzinfo=SH)


def expected_status_counts(workload: Path) -> dict[str, int]:
    return dict(Counter(STATUS_OF[row["status"]] for row in read_csv(workload / "issues.csv")))


def stored_status_counts() -> dict[str, int]:
    return dict(Counter(Task.objects.values_list("status", flat=True)))


# ---------------------------------------------------------------- the organisation


def load_org(workload: Path) -> Org:
    units = [
        Unit(
            code=row["code"],
            name=row["name"],
            short_name=row["name"],
            kind=UNIT_KIND[row["kind"]],
            order=i,
        )
        for i, row in enumerate(read_csv(workload / "units.csv"))
    ]
    Unit.objects.bulk_create(units)
    refresh_search_keys(units)  # as `duban org load` does, for the unit picker
    unit_ids = dict(Unit.objects.values_list("code", "id"))

    leaders = Leader.objects.bulk_create(
        Leader(code=f"ld-{i}", name=name, title=title, order=i)
        for i, (title, name) in enumerate(LEADERS, start=1)
    )
    bureaus = [unit_ids[u.code] for u in units if u.kind == UnitKind.DEPARTMENT]
    towns = [unit_ids[u.code] for u in units if u.kind == UnitKind.TOWNSHIP]
    leader_of_unit = {
        unit_id: leaders[i // BUREAUS_PER_LEADER % len(leaders)].pk
        for i, unit_id in enumerate(bureaus)
    }
    Portfolio.objects.bulk_create(
        Portfolio(leader_id=leader_id, unit_id=unit_id)
        for unit_id, leader_id in leader_of_unit.items()
    )
    leader_of_unit |= {unit_id: leaders[i % len(leaders)].pk for i, unit_id in enumerate(towns)}

    people: list[User] = []
    supervisor = User(username="duchashi", full_name="督查室", role=Role.SUPERVISOR)
    people.append(supervisor)
    for leader in leaders:
        people.append(
            User(username=leader.code, full_name=leader.name, role=Role.LEADER, leader=leader)
        )
    for row in read_csv(workload / "users.csv"):
        role = Role.UNIT_HEAD if row["role"] == "leader" else Role.LIAISON
        people.append(
            User(
                username=row["login"],
                full_name=row["name"],
                role=role,
                unit_id=unit_ids[row["unit_code"]],
            )
        )
    for person in people:
        # No hashing: PBKDF2 costs ~0.3 s a user; an administrator sets passwords later.
        person.set_unusable_password()
    User.objects.bulk_create(people)
    first_liaison: dict[int, int] = {}
    for pk, unit_id in (
        User.objects.filter(role=Role.LIAISON).order_by("id").values_list("id", "unit_id")
    ):
        assert unit_id is not None
        first_liaison.setdefault(unit_id, pk)
    return Org(
        supervisor=User.objects.get(username="duchashi"),
        unit_ids=unit_ids,
        first_liaison=first_liaison,
        leader_of_unit=leader_of_unit,
    )


# ---------------------------------------------------------------- the tasks


def local(text: str) -> datetime:
    """A CSV time (naive, the county's local time) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def directive_groups(rows: Iterable[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    """Consecutive rows of one category, at most TASKS_PER_DIRECTIVE in a group."""
    group: list[dict[str, str]] = []
    for row in rows:
        if group and (row["category"] != group[0]["category"] or len(group) == TASKS_PER_DIRECTIVE):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def task_events(
    row: dict[str, str], org: Org, *, decomposed_at: datetime, ctx: rules.RuleContext
) -> list[bulk.EventSpec]:
    """The history of one row, each event with the payload its action writes."""
    lead = org.unit_ids[row["unit_code"]]
    sup, sup_unit = org.supervisor.pk, org.supervisor.unit_id
    liaison = org.first_liaison[lead]
    due: dict[str, Any] = {"date": row["due_date"]} if row["due_date"] else {"days": 30}
    assigned = local(row["created_at"])
    requirement = row["description"].rpartition("要求：")[2].rstrip("。")
    events = [
        bulk.EventSpec(
            EventKind.CREATED,
            decomposed_at,
            sup,
            sup_unit,
            bulk.created_payload(
                content=row["subject"],
                requirement=requirement,
                lead=[lead],
                leader_id=org.leader_of_unit[lead],
                is_key=row["priority"] == "urgent",
                due=due,
            ),
        ),
        bulk.EventSpec(
            EventKind.ASSIGNED,
            assigned,
            sup,
            sup_unit,
            bulk.assigned_payload(lead=[lead], due_spec=due, assigned_at=assigned, ctx=ctx),
        ),
    ]
    status = row["status"]
    if status == "new":
        return events
    second = timedelta(seconds=1)
    day = timedelta(days=1)
    if status == "in_progress":
        span = local(row["updated_at"]) - assigned
        received = assigned + max(second, min(day, span / 2))
        submitted = verified = closed = None
    elif status == "resolved":
        submitted = max(local(row["updated_at"]), assigned + 2 * second)
        received = assigned + max(second, min(day, (submitted - assigned) / 5))
        verified = closed = None
    else:
        closed = local(row["closed_at"])
        span = closed - assigned  # at least a second (gen_workload.py)
        received = assigned + min(day, span / 10)
        submitted = closed - min(day, span / 5)  # the done report shortly before closing
        verified = closed - min(timedelta(hours=1), span / 20)
    events.append(bulk.EventSpec(EventKind.RECEIVED, received, liaison, lead, {}))
    if submitted is not None:
        events.append(
            bulk.EventSpec(
                EventKind.SUBMITTED,
                submitted,
                liaison,
                lead,
                bulk.submitted_payload(text=DONE_TEXT),
            )
        )
    if verified is not None and closed is not None:
        events.append(
            bulk.EventSpec(EventKind.VERIFIED, verified, sup, sup_unit, bulk.verified_payload())
        )
        events.append(
            bulk.EventSpec(EventKind.CLOSED, closed, sup, sup_unit, bulk.closed_payload())
        )
    return events


def directive_spec(
    group: list[dict[str, str]], org: Org, ctx: rules.RuleContext
) -> bulk.DirectiveSpec:
    """A directive registered shortly before its first task is sent out."""
    first = local(group[0]["created_at"])
    registered = first - timedelta(minutes=30)
    decomposed = first - timedelta(minutes=20)
    subject = group[0]["subject"]
    return bulk.DirectiveSpec(
        kind=KIND_OF_CATEGORY[group[0]["category"]],
        title=subject if len(group) == 1 else f"{subject}等{len(group)}项",
        urgency=Urgency.NORMAL,
        received_at=registered,
        registered_at=registered,
        registered_by_id=org.supervisor.pk,
        actor_unit_id=org.supervisor.unit_id,
        tasks=[
            bulk.TaskSpec(
                events=task_events(row, org, decomposed_at=decomposed, ctx=ctx),
                source_excerpt=row["description"],
            )
            for row in group
        ],
    )


def load_tasks(
    workload: Path,
    org: Org,
    *,
    batch: int = 2000,
    progress: Callable[[bulk.BatchCounts, float], None] | None = None,
) -> bulk.BatchCounts:
    """Every issue row through `bulk.write_batch`, ~`batch` tasks per transaction."""
    ctx = rule_context()
    tick_at = tick_time(as_of(workload))
    total = bulk.BatchCounts()
    started = time.perf_counter()
    pending: list[bulk.DirectiveSpec] = []
    size = 0
    for group in directive_groups(read_csv(workload / "issues.csv")):
        pending.append(directive_spec(group, org, ctx))
        size += len(group)
        if size >= batch:
            total.add(bulk.write_batch(pending, ctx=ctx, tick_at=tick_at))
            pending, size = [], 0
            if progress:
                progress(total, time.perf_counter() - started)
    total.add(bulk.write_batch(pending, ctx=ctx, tick_at=tick_at))
    return total


# ---------------------------------------------------------------- the checks


def check_loaded(*, sample: int = 500, seed: int = 20261126) -> CheckReport:
    """`duban audit verify` over everything, and `duban rebuild` over a random sample."""
    report = CheckReport(verify=verify_chain())
    ids = sorted(Task.objects.values_list("id", flat=True))
    picked = random.Random(seed).sample(ids, min(sample, len(ids)))
    ctx = rule_context()
    tasks = (
        Task.objects.filter(id__in=picked)
        .select_related("directive")
        .prefetch_related("assignments")
    )
    for task in tasks:
        report.sampled += 1
        differences = diff_states(state_of(task), rebuilt_state(task, ctx))
        if differences:
            report.differing.append(f"{task.code}: {', '.join(sorted(differences))}")
    return report


def light_summary() -> dict[str, int]:
    return dict(Counter(Task.objects.values_list("light", flat=True)))
