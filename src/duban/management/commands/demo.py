"""duban demo — build the fictional 云溪县 with a year of work, then serve it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.demo.build import DEMO_LOGINS, DEMO_PASSWORD, build_demo
from duban.management.timearg import parse_now
from duban.notify.worker import deliver
from duban.work.models import Directive, Light, TaskStatus


class Command(BaseCommand):
    help = "Build the demo county (a year of directives and tasks) and serve it on localhost."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="build, then exit")
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="empty the database first (it must be a demo database)",
        )
        parser.add_argument("--now", help="the demo's today (ISO time); default: now")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--days", type=int, default=365, help="days of history")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        now = parse_now(options.get("now"))
        if Directive.objects.exists() and options["fresh"]:
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", interactive=False, verbosity=0)  # re-seed settings tables
        if Directive.objects.exists():
            self.stdout.write("数据库中已有演示数据，直接启动（如需重建请加 --fresh）。")
        else:
            started = time.monotonic()
            self.stdout.write("正在生成演示县（云溪县）一年的督办数据……")
            try:
                summary = build_demo(now=now, seed=options["seed"], days=options["days"])
            except RuntimeError as e:
                raise CommandError(str(e)) from None
            deliver(now=now, limit=1_000_000)
            self.stdout.write(
                f"已生成：来文 {summary.directives} 件，事项 {summary.tasks} 项"
                f"（用时 {time.monotonic() - started:.0f} 秒）。"
            )
            # Office staff read this: the labels, in the order of the states and lights.
            self.stdout.write(
                "事项状态："
                + "，".join(
                    f"{s.label} {summary.by_status[s.value]}"
                    for s in TaskStatus
                    if summary.by_status.get(s.value)
                )
            )
            self.stdout.write(
                "亮灯："
                + "，".join(
                    f"{'未亮灯' if lt == Light.NONE else lt.label} {summary.by_light[lt.value]}"
                    for lt in Light
                    if summary.by_light.get(lt.value)
                )
            )
        self.stdout.write("\n演示账号（密码均为 " + DEMO_PASSWORD + "）：")
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<12} {role}")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
