"""Run a job again and again until SIGTERM or SIGINT: `duban worker`, `duban tick --every`.

A failed round (the database restarting, a bug) is logged with its traceback and the loop
goes on after the pause: a job that must keep delivering should not die of one bad minute.
Between rounds the pause is cut short by a signal, so `systemctl stop` or the supervisor in
`duban serve` ends the job within a second, never in the middle of a round.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from django.db import close_old_connections

log = logging.getLogger("duban.jobs")


def run_forever(
    name: str,
    round_: Callable[[], int],
    *,
    interval: float,
    busy_again: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Call `round_` every `interval` seconds; with `busy_again`, at once when it did work."""
    stop = stop or threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("%s: signal %d, stopping after this round", name, signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    log.info("%s: started, every %.0f s", name, interval)
    while not stop.is_set():
        started = time.monotonic()
        did = 0
        close_old_connections()  # drop a connection the database closed since last round
        try:
            did = round_()
        except Exception:
            log.exception("%s: round failed; trying again in %.0f s", name, interval)
        if did and busy_again:
            continue
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    log.info("%s: stopped", name)
