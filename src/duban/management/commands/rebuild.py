"""duban rebuild — re-derive every task's projection from its events and compare."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.audit.verify import rebuild


class Command(BaseCommand):
    help = "Rebuild task projections from events; reports differences, --fix rewrites them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="write the rebuilt projection")

    def handle(self, *args: Any, **options: Any) -> None:
        report = rebuild(fix=options["fix"])
        for line in report.differing[:200]:
            self.stderr.write(line)
        if report.differing and not options["fix"]:
            raise CommandError(
                f"{len(report.differing)} 项事项的存储状态与流转记录不一致（已列出）。"
                f" ({len(report.differing)} tasks differ from their events)"
            )
        done = f"，已修正 {report.fixed} 项" if report.fixed else ""
        self.stdout.write(f"已核对 {report.tasks} 项事项{done}。")
