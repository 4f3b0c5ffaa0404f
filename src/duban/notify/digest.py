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
_nothing_to_say: set[str] = set()


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


def queue_digests(*, now: datetime) -> int:
    """Write today's digest of every user whose digest time has come. Idempotent."""
    local = timezone.localtime(now)
    day = local.date()
    prefs = Preference.objects.filter(digest=True, user__is_active=True).select_related(
        "user", "user__unit"
    )
    key = f"{KIND}:{day.isoformat()}"
    due = [p for p in prefs if local.time() >= (p.digest_time or DEFAULT_TIME)]
    if not due:
        return 0
    # One query for who already has today's digest (this runs on every worker pass).
    done = set(
        Outbox.objects.filter(dedupe_key__in=[f"{key}:{p.user_id}" for p in due]).values_list(
            "dedupe_key", flat=True
        )
    )
    sent = 0
    for pref in due:
        if f"{key}:{pref.user_id}" in done:
            continue
        if f"{key}:{pref.user_id}" in _nothing_to_say:
            continue
        composed = compose(pref.user, now=now)
        if composed is None:
            _nothing_to_say.add(f"{key}:{pref.user_id}")  # not asked again on every pass today
            continue
        title, body = composed
        sent += enqueue_for_users(
            [pref.user], kind=KIND, title=title, body=body, now=now, dedupe=key
        )
    return sent
