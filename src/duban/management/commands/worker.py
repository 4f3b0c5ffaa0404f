"""duban worker — deliver outbox rows to the inboxes (once, or in a loop)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from duban.notify.worker import deliver_due


class Command(BaseCommand):
    help = "Deliver queued notifications."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="deliver what is queued, then exit")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = deliver_due(now=timezone.now())
            if options["once"]:
                self.stdout.write(str(report))
                return
            if report.fanned_out == 0 and report.sent == 0:
                time.sleep(options["interval"])
