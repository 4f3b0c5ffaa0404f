"""duban tick — lights, reminders, overnight alerts, escalation ladders and the weekly line
summaries; idempotent, run it from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from duban.management.timearg import parse_now
from duban.work.tick import tick


class Command(BaseCommand):
    help = "Recompute lights and write due reminders (safe to run every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="act as if it were this time (ISO), for replays")

    def handle(self, *args: Any, **options: Any) -> None:
        report = tick(now=parse_now(options.get("now")))
        self.stdout.write(
            f"检查 {report.checked} 项，亮灯变化 {report.light_changes} 项，"
            f"提醒 {report.reminders} 条，隔夜提醒 {report.overnight_alerts} 条，"
            f"督办升级 {report.escalations} 项，分线周报 {report.line_summaries} 份。"
        )
