"""duban serve — the web app on several processes, with the outbox worker and tick.

See management/supervisor.py. `--no-jobs` serves the web only, for a production host where
`duban worker` and `duban tick` run as their own systemd units or from cron (README).
"""

from __future__ import annotations

import fcntl
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from duban.management.supervisor import (
    Child,
    default_workers,
    duban_command,
    gunicorn_command,
    supervise,
)


def positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


class Command(BaseCommand):
    help = "Serve Duban on HOST:PORT (default 127.0.0.1:8000), with the worker and tick."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=positive,
            default=None,
            help="web worker processes (default: the number of cores)",
        )
        parser.add_argument("--threads", type=positive, default=4, help="threads per worker")
        parser.add_argument("--timeout", type=positive, default=120, help="seconds per request")
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="web only: run `duban worker` and `duban tick` yourself",
        )
        parser.add_argument(
            "--tick-every", type=positive, default=60, help="seconds between ticks (default 60)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "数据库结构需要升级，请先运行 duban migrate。"
                " (unapplied migrations; run duban migrate)"
            )
        # collectstatic first: WhiteNoise indexes STATIC_ROOT when the WSGI app is built.
        # Under a file lock: two servers started at once on one data folder would otherwise
        # write the same manifest together.
        (settings.DATA_DIR / "locks").mkdir(exist_ok=True)
        with open(settings.DATA_DIR / "locks" / "collectstatic.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # the children open their own
        workers = options["workers"] or default_workers()
        host, port = options["host"], options["port"]
        children = [
            Child(
                "web",
                gunicorn_command(
                    host=host,
                    port=port,
                    workers=workers,
                    threads=options["threads"],
                    timeout=options["timeout"],
                ),
                essential=True,
            )
        ]
        if not options["no_jobs"]:
            children += [
                Child("worker", duban_command("worker"), essential=False),
                Child(
                    "tick",
                    duban_command("tick", "--every", str(options["tick_every"])),
                    essential=False,
                ),
            ]
        jobs = "" if options["no_jobs"] else "，通知投递与定时检查（tick）已随之启动"
        self.stdout.write(
            f"督办系统已启动：http://{host}:{port}/  （{workers} 个进程{jobs}；Ctrl+C 退出）"
        )
        self.stdout.flush()
        status = supervise(children)
        if status:
            raise CommandError(f"网页服务已退出（状态 {status}），请查看上方错误信息。")
