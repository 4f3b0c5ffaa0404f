"""Reading the access log for the auditor: filters over who, what, when and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from duban.audit.models import FAILURE_KINDS, AccessKind, AccessLog

SH = ZoneInfo("Asia/Shanghai")

# The auditor's tabs: named sets of kinds.
VIEWS: dict[str, tuple[str, frozenset[str] | None]] = {
    "all": ("全部", None),
    "admin": ("管理员操作", frozenset({AccessKind.ADMIN})),
    "reads": ("查看与导出", frozenset({AccessKind.VIEW, AccessKind.DOWNLOAD, AccessKind.EXPORT})),
    "signin": (
        "登录",
        frozenset(
            {
                AccessKind.LOGIN_OK,
                AccessKind.LOGIN_FAILED,
                AccessKind.LOGIN_REFUSED,
                AccessKind.MFA_OK,
                AccessKind.MFA_FAILED,
                AccessKind.LOGOUT,
                AccessKind.PASSWORD,
            }
        ),
    ),
    "failed": ("失败与拒绝", frozenset(FAILURE_KINDS)),
}


@dataclass
class LogFilter:
    view: str = "all"
    who: str = ""
    kind: str = ""
    outcome: str = ""  # "", "ok", "failed"
    since: date | None = None
    until: date | None = None
    text: str = ""
    ip: str = ""


def _clean(raw: str, n: int = 100) -> str:
    return raw.replace("\x00", "").strip()[:n]


def _day(raw: str) -> date | None:
    try:
        d = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return d if 2000 <= d.year <= 2100 else None


def parse_filter(params: dict[str, str]) -> LogFilter:
    view = params.get("view", "all")
    kind = params.get("kind", "")
    outcome = params.get("outcome", "")
    return LogFilter(
        view=view if view in VIEWS else "all",
        who=_clean(params.get("who", ""), 150),
        kind=kind if kind in AccessKind.values else "",
        outcome=outcome if outcome in ("ok", "failed") else "",
        since=_day(params.get("since", "")),
        until=_day(params.get("until", "")),
        text=_clean(params.get("q", "")),
        ip=_clean(params.get("ip", ""), 45),
    )


def log_rows(f: LogFilter) -> QuerySet[AccessLog]:
    rows = AccessLog.objects.all()
    kinds = VIEWS[f.view][1]
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.outcome == "failed":
        rows = rows.filter(kind__in=FAILURE_KINDS)
    elif f.outcome == "ok":
        rows = rows.exclude(kind__in=FAILURE_KINDS)
    if f.who:
        rows = rows.filter(username__icontains=f.who)
    if f.since:
        rows = rows.filter(at__gte=datetime.combine(f.since, time.min, tzinfo=SH))
    if f.until:
        rows = rows.filter(
            at__lt=datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=SH)
        )
    if f.text:
        rows = rows.filter(Q(detail__icontains=f.text) | Q(target__icontains=f.text))
    if f.ip:
        rows = rows.filter(ip__startswith=f.ip) if ":" not in f.ip else rows.filter(ip=f.ip)
    return rows.order_by("-seq", "-id")
