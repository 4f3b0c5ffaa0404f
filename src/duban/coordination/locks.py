"""One holder at a time for a scheduled job, across processes and machines.

PostgreSQL: a session-level advisory lock (pg_try_advisory_lock), held on this process's
connection; the database frees it if the process dies, so no stale lock outlives a crash.
SQLite lives on one machine, so a file lock (flock) beside the database does the same: the
kernel frees it with the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection


def _key(name: str) -> int:
    """A stable signed 64-bit key for the lock's name."""
    return int.from_bytes(hashlib.sha256(f"duban:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock `name`, or False at once if another does."""
    if connection.vendor == "postgresql":
        # The lock belongs to the connection: keep the same one for the whole job.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        return
    folder = Path(settings.DATA_DIR) / "locks"
    folder.mkdir(exist_ok=True)
    with open(folder / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
