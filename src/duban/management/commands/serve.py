"""duban serve — serve the web app with waitress (pure Python, fine on an intranet host)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Serve Duban on HOST:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "数据库结构需要升级，请先运行 duban migrate。"
                " (unapplied migrations; run duban migrate)"
            )
        # collectstatic first: WhiteNoise indexes STATIC_ROOT when the WSGI app is built.
        call_command("collectstatic", interactive=False, verbosity=0)
        from waitress import serve

        from duban.wsgi import application

        self.stdout.write(
            f"督办系统已启动：http://{options['host']}:{options['port']}/  (Ctrl+C 退出)"
        )
        proxy: dict[str, Any] = {}
        if settings.BEHIND_PROXY:
            # waitress drops X-Forwarded-* unless they come from the trusted proxy; with
            # them it sets the request's scheme, so Django sees https (CSRF, secure cookies).
            proxy = {
                "trusted_proxy": settings.TRUSTED_PROXY,
                "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
                "clear_untrusted_proxy_headers": True,
            }
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            **proxy,
        )
