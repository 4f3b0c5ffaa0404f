"""Signed-in sessions: listing them for the secadmin and ending them (ASVS 7.4.2, 7.4.5).

Sessions live in Django's database backend; each carries the keys below, set at sign-in
by the web layer, so the secadmin sees when and from where it began.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.contrib.sessions.models import Session
from django.utils import timezone

SIGNED_IN_AT = "duban_signed_in_at"  # ISO time of the password sign-in
LAST_SEEN = "duban_last_seen"  # ISO time of the last request (written at most once a minute)
SIGNED_IN_IP = "duban_ip"


def ref_of(key: str) -> str:
    """What pages show instead of the session key: a key on a page could be replayed."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SessionInfo:
    key: str
    ref: str
    user_id: int
    signed_in_at: datetime | None
    last_seen: datetime | None
    ip: str
    expires: datetime


def _when(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def active_sessions(*, now: datetime | None = None) -> list[SessionInfo]:
    now = now or timezone.now()
    out = []
    for s in Session.objects.filter(expire_date__gt=now).order_by("-expire_date"):
        data = s.get_decoded()
        uid = data.get("_auth_user_id")
        if uid is None:
            continue
        out.append(
            SessionInfo(
                key=s.session_key,
                ref=ref_of(s.session_key),
                user_id=int(uid),
                signed_in_at=_when(data.get(SIGNED_IN_AT)),
                last_seen=_when(data.get(LAST_SEEN)),
                ip=str(data.get(SIGNED_IN_IP) or ""),
                expires=s.expire_date,
            )
        )
    return out


def end_sessions_of(user_id: int) -> int:
    """End every session of one user; returns how many were ended."""
    keys = [s.key for s in active_sessions() if s.user_id == user_id]
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def end_session(ref: str) -> int | None:
    """End one session by its ref; returns its user's id, or None when none matched."""
    for s in active_sessions():
        if s.ref == ref:
            Session.objects.filter(session_key=s.key).delete()
            return s.user_id
    return None
