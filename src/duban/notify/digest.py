"""The daily digest (每日提醒汇总): one message a day instead of one per event.

A user who chose it gets, at their digest time (default 08:00), what is due within
three days, what is red, and what waits on them. Written to the outbox with the key
`digest:DATE:USER`, so several workers or a restarted one write it once a day.
Events of the day still reach the inbox one by one; only the outside channels wait.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from duban.notify.models import Outbox, Preference
from duban.notify.outbox import enqueue_for_users
from duban.org.models import UNIT_ROLES, Role, User
from duban.work import homes, selectors
from duban.work.models import ExtensionRequest, Light, Task, TaskStatus

KIND = "digest"
DEFAULT_TIME = time(8, 0)
DUE_DAYS = 3
SHOWN = 8  # tasks named per section; the rest are counted
WINDOW = timedelta(hours=2)
RECHECK = timedelta(minutes=10)
_nothing_to_say: dict[str, datetime] = {}


def _lines(tasks: list[Task], total: int) -> list[str]:
    out = [
        f"  · {t.code} {' '.join(t.content.split())[:30]}"
        + (f"（{t.due.month}月{t.due.day}日前）" if t.due else "")
        for t in tasks
    ]
    if total > len(tasks):
        out.append(f"  …等共{total}项")
    return out


def _scope(user: User) -> QuerySet[Task]:
    qs = selectors.tasks_visible_to(user).filter(is_open=True).select_related("directive")
    if user.role == Role.LEADER and user.leader_id is not None:
        qs = qs.filter(leader_id=user.leader_id)  # a leader's digest is their line
    elif user.role in UNIT_ROLES and user.unit_id is not None:
        qs = qs.filter(lead_unit_id=user.unit_id)  # what my unit answers for
    return qs


def compose(user: User, *, now: datetime) -> tuple[str, str] | None:
    """The digest's title and body for one user, or None when there is nothing to say."""
    today = timezone.localdate(now)
    qs = _scope(user)
    due = qs.filter(
        submitted_at__isnull=True, due__gte=today, due__lte=today + timedelta(days=DUE_DAYS)
    ).order_by("due", "id")
    red = qs.filter(light=Light.RED).order_by("due", "id")
    waiting: list[tuple[str, list[Task], int]] = []
    if user.role in UNIT_ROLES:
        rec = homes.to_receive(user)
        back = homes.sent_back(user)
        waiting += [
            ("待签收", list(rec[:SHOWN]), rec.count()),
            ("退回重办", list(back[:SHOWN]), back.count()),
        ]
    elif user.role == Role.SUPERVISOR:
        sub = (
            selectors.tasks_visible_to(user)
            .filter(status=TaskStatus.SUBMITTED)
            .select_related("directive")
            .order_by("due", "id")
        )
        waiting.append(("待审核办结", list(sub[:SHOWN]), sub.count()))
        ext = ExtensionRequest.objects.filter(status="pending").count()
        if ext:
            waiting.append((f"待审批延期申请{ext}件", [], 0))
    sections = []
    n_due, n_red = due.count(), red.count()
    if n_due:
        sections.append([f"{DUE_DAYS}日内到期{n_due}项：", *_lines(list(due[:SHOWN]), n_due)])
    if n_red:
        sections.append([f"红灯{n_red}项：", *_lines(list(red[:SHOWN]), n_red)])
    for label, tasks, total in waiting:
        if tasks or total:
            sections.append([f"{label}{total}项：", *_lines(tasks, total)])
        elif label.startswith("待审批"):
            sections.append([label])
    if not sections:
        return None
    title = f"每日提醒（{today.month}月{today.day}日）：到期{n_due}项，红灯{n_red}项"
    return title, "\n".join("\n".join(s) for s in sections)


def _window(pref: Preference, local: datetime) -> bool:
    """Within the two hours after the user's digest time (today, local time)."""
    at = pref.digest_time or DEFAULT_TIME
    opens = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return opens <= local < opens + WINDOW


def forget() -> None:
    """Drop the memory of empty digests (tests; a new worker starts without it)."""
    _nothing_to_say.clear()


def queue_digests(*, now: datetime) -> int:
    """Write today's digest of every user whose digest time has come. Idempotent.

    A digest goes out in the two hours after the user's time, as soon as there is something
    to say; past that window nothing is sent that day (a digest at 4 p.m. helps nobody).
    Who had nothing to say is remembered for ten minutes, as this runs on every pass."""
    local = timezone.localtime(now)
    key = f"{KIND}:{local.date().isoformat()}"
    prefs = Preference.objects.filter(digest=True, user__is_active=True).select_related(
        "user", "user__unit"
    )
    due = [p for p in prefs if _window(p, local)]
    if not due:
        return 0
    # One query for who already has today's digest.
    done = set(
        Outbox.objects.filter(dedupe_key__in=[f"{key}:{p.user_id}" for p in due]).values_list(
            "dedupe_key", flat=True
        )
    )
    sent = 0
    for pref in due:
        user_key = f"{key}:{pref.user_id}"
        checked = _nothing_to_say.get(user_key)
        if user_key in done or (checked is not None and now - checked < RECHECK):
            continue
        composed = compose(pref.user, now=now)
        if composed is None:
            _nothing_to_say[user_key] = now
            continue
        title, body = composed
        sent += enqueue_for_users(
            [pref.user], kind=KIND, title=title, body=body, now=now, dedupe=key
        )
    # Keep the memory to today's keys.
    for stale in [k for k in _nothing_to_say if not k.startswith(key)]:
        del _nothing_to_say[stale]
    return sent
