"""duban backup --out DIR — the database, the uploaded files and a manifest of hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and uploads into an empty folder, with a manifest of SM3 hashes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["out"], now=timezone.now())
        except BackupError as e:
            raise CommandError(str(e)) from None
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"备份完成：{options['out']}（{len(manifest.files)} 个文件，{rows} 行数据）。"
            "密钥文件（chain_key、field_key、secret_key）不在备份中，请另行保管。"
        )
