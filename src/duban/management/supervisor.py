"""The processes `duban serve` runs and keeps running.

- web: gunicorn, N worker processes (default: one per core) of M threads each; gunicorn's
  master restarts a worker that dies.
- worker: `duban worker`, delivering the outbox every 2 seconds;
- tick: `duban tick --every 60`.
A job that exits is started again after a pause that doubles up to a minute (a database
that is down does not make it spin); if the web server exits, everything stops and
`duban serve` exits with its status. SIGTERM or Ctrl+C stop all of them, politely first.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from django.conf import settings

log = logging.getLogger("duban.serve")

GRACE = 30.0  # seconds a child has to finish after SIGTERM before it is killed


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def duban_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "duban.cli", *args]


def gunicorn_command(
    *, host: str, port: int, workers: int, threads: int, timeout: int
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "duban.wsgi:application",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        # Threads let a worker serve another request while one waits on the database or
        # streams an export; processes give the cores (the GIL holds one per process).
        "--worker-class=gthread",
        f"--threads={threads}",
        f"--timeout={timeout}",  # the 100,000-row Excel export takes ~20 s
        f"--graceful-timeout={int(GRACE)}",
        "--error-logfile=-",
        "--log-level=warning",
        # Behind nginx (DUBAN_BEHIND_PROXY) only the proxy's X-Forwarded-* are believed.
        f"--forwarded-allow-ips={settings.TRUSTED_PROXY if settings.BEHIND_PROXY else '127.0.0.1'}",
    ]


@dataclass
class Child:
    name: str
    argv: list[str]
    essential: bool  # its exit ends `duban serve`
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)
        self.started_at = time.monotonic()
        log.info("started %s (pid %d): %s", self.name, self.process.pid, " ".join(self.argv[1:]))


def supervise(children: list[Child], *, poll: float = 0.5) -> int:
    """Run the children until the essential one exits or a signal comes; return the status."""
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    status = 0
    try:
        for child in children:
            child.start()
        while not stopping:
            time.sleep(poll)
            now = time.monotonic()
            for child in children:
                p = child.process
                if p is None:
                    if now >= child.next_start:
                        child.start()
                    continue
                code = p.poll()
                if code is None:
                    continue
                if child.essential:
                    log.error("%s exited with status %d; stopping", child.name, code)
                    status = code or 1
                    stopping = True
                    break
                # Ran a good while: a fresh failure, start again soon; else back off.
                if now - child.started_at > 120:
                    child.restarts = 0
                pause = min(60.0, 2.0**child.restarts)
                child.restarts += 1
                log.warning(
                    "%s exited with status %d; restarting in %.0f s", child.name, code, pause
                )
                child.process, child.next_start = None, now + pause
    finally:
        _stop(children)
        for s, handler in old.items():
            signal.signal(s, handler)
    return status


def _stop(children: list[Child]) -> None:
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for c in running:
        assert c.process is not None
        c.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    for c in running:
        assert c.process is not None
        try:
            c.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", c.name, GRACE)
            c.process.kill()
            c.process.wait()
