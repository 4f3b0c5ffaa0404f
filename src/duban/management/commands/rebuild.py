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
        for line in report.tally_differing[:50]:
            self.stderr.write(f"tally {line}")
        if report.tally_differing and not options["fix"]:
            raise CommandError(
                f"统计计数有 {len(report.tally_differing)} 处与事项不一致（已列出），"
                "请运行 duban rebuild --fix 重新计数。"
                f" ({len(report.tally_differing)} tally keys differ from a recount)"
            )
        done = f"，已修正 {report.fixed} 项" if report.fixed else ""
        recounted = "，统计计数已重新计算" if report.tally_differing else ""
        self.stdout.write(f"已核对 {report.tasks} 项事项{done}{recounted}。")
