"""duban worker — deliver outbox rows (once, or as a long-running loop)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from duban.management.loop import run_forever
from duban.notify.worker import deliver_due

log = logging.getLogger("duban.jobs")


def deliver_round() -> int:
    """One round of the loop: deliver what is queued now (notify/worker.py claims rows, so
    several workers on several machines never deliver one row twice)."""
    report = deliver_due(now=timezone.now())
    n = report.fanned_out + report.sent + report.retried + report.failed + report.dead
    if n or report.digests:
        log.info("worker: %s", report)
    return n


class Command(BaseCommand):
    help = "Deliver queued notifications: in a loop (for systemd or `duban serve`), or --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="deliver what is queued, then exit")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="seconds between polls (default 2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(str(deliver_due(now=timezone.now())))
            return
        # A full batch means more may be waiting: poll again at once instead of sleeping.
        run_forever("worker", deliver_round, interval=options["interval"], busy_again=True)
