"""Reports and exports read from a PostgreSQL streaming replica, never staler than one's writes.

Set DUBAN_REPLICA_URL (a postgres:// URL of a hot standby of DATABASE_URL) and the reads
made inside `reports()` — the ledger export and the 统计 page — go to the replica; every
other read and every write stays on the primary. Without the setting nothing changes.

Read-your-writes by WAL position, not by a timer: after a request that may write (any
method but GET/HEAD/OPTIONS), the middleware puts the primary's `pg_current_wal_lsn()` in
a cookie. `reports()` then uses the replica only if it has replayed at least that far
(`pg_last_wal_replay_lsn()`), else the primary. A person therefore always sees what they
have just done, however far the replica lags; others may see it a moment later. If the
replica cannot be reached, the primary serves.

The cookie only ever sends the reader to the primary (tampering with it gains nothing), so
it is neither signed nor secret. A write another person made is not covered, as with any
replica: the office reads reports, not split-second state, from it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger("duban.replica")

REPLICA = "replica"
COOKIE = "duban_lsn"
LSN_RE = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

_seen_lsn: contextvars.ContextVar[str | None] = contextvars.ContextVar("seen_lsn", default=None)
_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "reading_from", default=None
)
_used: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("used", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def _choose() -> str:
    """The replica if it has replayed what this person wrote last, else the primary."""
    if not configured():
        return "default"
    seen = _seen_lsn.get()
    try:
        with connections[REPLICA].cursor() as cur:
            if seen is None:
                cur.execute("SELECT pg_is_in_recovery()")
            else:
                cur.execute(
                    "SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= %s::pg_lsn",
                    [seen],
                )
            row = cur.fetchone()
    except DatabaseError as e:
        log.warning("replica unavailable, reading reports from the primary: %s", e)
        connections[REPLICA].close()
        return "default"
    # Not in recovery: promoted or misconfigured; either way it is no replica to trust.
    return REPLICA if row and row[0] else "default"


@contextlib.contextmanager
def reports() -> Iterator[str]:
    """Route the reads inside to the replica when it is fresh enough for this person."""
    alias = _choose()
    token = _reading_from.set(alias)
    used = _used.get()
    if used is not None:
        used.append(alias)
    try:
        yield alias
    finally:
        _reading_from.reset(token)


class Router:
    """Reads inside `reports()` go where it chose; everything else is the primary's."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return _reading_from.get()

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"


def middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """Remember the primary's WAL position after a write; say where reports were read."""

    def handle(request: HttpRequest) -> HttpResponse:
        if not configured():
            return get_response(request)
        raw = request.COOKIES.get(COOKIE, "")
        seen = _seen_lsn.set(raw if LSN_RE.match(raw) else None)
        used = _used.set([])
        try:
            response = get_response(request)
            if _used.get():
                response["X-Duban-Read-From"] = ",".join(_used.get() or [])
            if request.method not in SAFE:
                with connections["default"].cursor() as cur:
                    cur.execute("SELECT pg_current_wal_lsn()::text")
                    row = cur.fetchone()
                if row:
                    # Long enough for any replica that is not broken; the check is exact.
                    response.set_cookie(COOKIE, row[0], max_age=3600, httponly=True, samesite="Lax")
            return response
        finally:
            _seen_lsn.reset(seen)
            _used.reset(used)

    return handle
