"""duban restore DIR — restore a `duban backup` folder into an empty database, then verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database; then run audit verify and rebuild."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["folder"])
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"已恢复 {manifest.made_at} 的备份，正在校验流转记录……")
        call_command("audit", "verify", stdout=self.stdout, stderr=self.stderr)
        call_command("rebuild", stdout=self.stdout, stderr=self.stderr)
