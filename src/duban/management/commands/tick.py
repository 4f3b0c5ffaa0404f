"""duban tick — lights, reminders, overnight alerts, escalation ladders and the weekly line
summaries; idempotent and safe on several nodes at once. Run it from cron, or with --every
as a long-running job (what `duban serve` starts)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from duban.coordination.tick import TickReport, tick
from duban.management.loop import run_forever
from duban.management.timearg import parse_now

log = logging.getLogger("duban.jobs")


def describe(report: TickReport) -> str:
    if report.skipped:
        return "另一个 tick 正在运行，本次跳过。"
    return (
        f"检查 {report.checked} 项（运行中 {report.running} 项），"
        f"亮灯变化 {report.light_changes} 项，"
        f"提醒 {report.reminders} 条，隔夜提醒 {report.overnight_alerts} 条，"
        f"督办升级 {report.escalations} 项，分线周报 {report.line_summaries} 份。"
    )


def tick_round() -> int:
    report = tick()
    log.info(
        "tick: %s",
        "skipped, another tick holds the lock"
        if report.skipped
        else f"visited {report.checked} of {report.running} running, "
        f"{report.light_changes} light changes, {report.reminders} reminders, "
        f"{report.escalations} escalations",
    )
    return 0


class Command(BaseCommand):
    help = "Recompute lights and write due reminders (safe to run every minute, on every node)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="act as if it were this time (ISO), for replays")
        parser.add_argument(
            "--every", type=float, help="keep running, one tick every so many seconds"
        )
        parser.add_argument(
            "--full", action="store_true", help="visit every running task (a check)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("every"):
            run_forever("tick", tick_round, interval=options["every"])
            return
        report = tick(now=parse_now(options.get("now")), full=options["full"])
        self.stdout.write(describe(report))
