"""duban worker — deliver outbox rows (once, or as a long-running loop)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from duban.management.loop import run_forever
from duban.notify.worker import deliver

log = logging.getLogger("duban.jobs")


def deliver_round() -> int:
    """One round of the loop: deliver what is queued now (notify/worker.py claims rows, so
    several workers on several machines never deliver one row twice)."""
    n = deliver(now=timezone.now())
    if n:
        log.info("worker: delivered %d notifications", n)
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
            self.stdout.write(f"已投递 {deliver(now=timezone.now())} 条通知。")
            return
        # A full batch means more may be waiting: poll again at once instead of sleeping.
        run_forever("worker", deliver_round, interval=options["interval"], busy_again=True)
