"""分线督查: each county leader's line, and the weekly line summary `duban tick` sends.

A leader's line is what they lead as 牵头领导 (`Task.leader`) plus every task whose lead
unit sits in their portfolio (分管单位), whoever leads it: the ledger's `?line=` filter and
the dashboard's line figures count the same way, so the three always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from duban.notify.models import Outbox
from duban.notify.outbox import enqueue_for_users
from duban.org.models import Leader, User
from duban.supervise.models import Escalation, config
from duban.work import homes, selectors
from duban.work.models import Light, Task, TaskStatus

LIVE = (TaskStatus.DRAFT, TaskStatus.WITHDRAWN)  # left out of every count


def line_q(leader: Leader) -> Q:
    return selectors.line_q(leader.pk)


def line_tasks(user: User, leader: Leader) -> QuerySet[Task]:
    """The line's tasks the user may see (drafts and withdrawn tasks left out)."""
    return selectors.line_tasks(user, leader.pk)


def ledger_link(leader: Leader, *, page: str = "ledger", **extra: str) -> str:
    """The ledger filtered to the leader's line: the one-click link of the line pages.

    `page="ledger_export"` gives the same rows as a 台账.xlsx (documents/ledger_xlsx.py).
    """
    return f"{reverse(page)}?{urlencode({'line': leader.pk, **extra})}"


# A line's row of figures is work's (the leader's home shows the same rows).
UnitRow = homes.UnitLights


@dataclass
class LineBoard:
    leader: Leader
    rows: list[UnitRow]
    key_tasks: list[Task]  # open key tasks first: 重点督办 are shown to their leader first
    red_tasks: list[Task]
    escalations: list[Escalation]
    ledger: str
    export: str  # the same list as an Excel ledger
    totals: UnitRow = field(default_factory=lambda: UnitRow(None))


def line_board(user: User, leader: Leader, *, today: date, limit: int = 100) -> LineBoard:
    """The line by unit and light, its key tasks, red tasks and recent escalations."""
    line = homes.line_lights(user, leader.pk)
    listed, totals = line.rows, line.totals
    base = line_tasks(user, leader).select_related("directive", "lead_unit")
    key_tasks = list(base.filter(is_key=True, is_open=True).order_by("light", "due", "id")[:limit])
    red_tasks = list(
        base.filter(light=Light.RED, is_open=True).order_by("-is_key", "due", "id")[:limit]
    )
    since = timezone.make_aware(datetime.combine(today - timedelta(days=30), datetime.min.time()))
    escalations = list(
        Escalation.objects.filter(task__in=line_tasks(user, leader), at__gte=since)
        .select_related("task__directive", "task__lead_unit", "step")
        .order_by("-at", "-id")[:limit]
    )
    return LineBoard(
        leader=leader,
        rows=listed,
        key_tasks=key_tasks,
        red_tasks=red_tasks,
        escalations=escalations,
        ledger=ledger_link(leader, status="open"),
        export=ledger_link(leader, page="ledger_export", status="open"),
        totals=totals,
    )


def lines_overview(user: User) -> list[tuple[Leader, UnitRow]]:
    """Every leader's line in one row each (the supervisor's 分线督查 page)."""
    out = []
    for leader in Leader.objects.order_by("order", "id"):
        row = homes.line_lights(user, leader.pk).totals
        out.append((leader, row))
    return out


# ---------------------------------------------------------------- the weekly summary


def weekly_summary_text(user: User, leader: Leader, *, now: datetime) -> tuple[str, str]:
    """Title and body of a leader's weekly line summary (分管事项周报), as of `now`."""
    today = timezone.localdate(now)
    week_ago = now - timedelta(days=7)
    board = line_board(user, leader, today=today, limit=10)
    t = board.totals
    tasks = line_tasks(user, leader)
    closed = Q(closed_at__gte=week_ago, closed_at__lt=now)
    counts = tasks.aggregate(
        new=Count("id", filter=Q(assigned_at__gte=week_ago, assigned_at__lt=now)),
        closed=Count("id", filter=closed),
        closed_ok=Count("id", filter=closed & Q(closed_on_time=True)),
    )
    new, closed_n, closed_ok = counts["new"], counts["closed"], counts["closed_ok"]
    escalated = Escalation.objects.filter(task__in=tasks, at__gte=week_ago, at__lt=now).count()
    year, week, _ = today.isocalendar()
    title = f"分管事项周报（{year}年第{week}周）"
    lines = [
        f"在办{t.open}项：红灯{t.red}项、黄灯{t.yellow}项、绿灯{t.green}项；"
        f"其中重点督办{t.key_open}项。",
        f"近7日新交办{new}项，办结{closed_n}项（按期{closed_ok}项），督办升级{escalated}次。",
    ]
    if board.key_tasks:
        lines.append("重点督办事项：")
        lines += [_task_line(x) for x in board.key_tasks]
    if board.red_tasks:
        lines.append("红灯事项：")
        lines += [_task_line(x) for x in board.red_tasks]
    lines.append(f"分管事项台账：{board.ledger}")
    lines.append(f"导出Excel台账：{board.export}")
    return title, "\n".join(lines)


def _task_line(task: Task) -> str:
    unit = task.lead_unit.label if task.lead_unit else "—"
    due = f"{task.due:%m月%d日}" if task.due else "—"
    return f"· {task.code} {unit} {task.content[:30]}（时限{due}，{task.get_light_display()}）"


def send_weekly_summaries(*, now: datetime) -> int:
    """Once per ISO week, on or after the configured weekday, each leader gets a summary.

    The dedupe key names the leader and the week, so ticks every minute send it once, and
    a tick that missed the weekday (the server was down) still sends it later that week.
    """
    today = timezone.localdate(now)
    if today.isoweekday() < config().line_summary_weekday:
        return 0
    year, week, _ = today.isocalendar()
    sent = 0
    # Every leader's users and this week's summaries already queued, in one query each.
    users_of: dict[int, list[User]] = {}
    for u in User.objects.filter(leader__isnull=False, is_active=True).order_by("leader_id", "id"):
        assert u.leader_id is not None
        users_of.setdefault(u.leader_id, []).append(u)
    queued = {
        k.rsplit(":", 1)[0]  # the key without its user id
        for k in Outbox.objects.filter(
            dedupe_key__startswith="line-summary:", dedupe_key__contains=f":{year}-W{week:02d}:"
        ).values_list("dedupe_key", flat=True)
        if k
    }
    for leader in Leader.objects.order_by("order", "id"):
        users = users_of.get(leader.pk, [])
        if not users:
            continue
        key = f"line-summary:{leader.pk}:{year}-W{week:02d}"
        if key in queued:
            continue
        title, body = weekly_summary_text(users[0], leader, now=now)
        sent += enqueue_for_users(
            users, kind="line_summary", title=title, body=body, now=now, dedupe=key
        )
    return sent
