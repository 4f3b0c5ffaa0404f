"""duban org load FILE — load an organisation (units, groups, leaders, users) from YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.loader import OrgFileError, load_file


class Command(BaseCommand):
    help = "Load an organisation from a YAML file (see docs/org-file.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser("load", help="load FILE; refuses a bad file whole")
        load.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = load_file(options["file"])
        except OrgFileError as e:
            for problem in e.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"组织机构文件有 {len(e.problems)} 处错误，未导入任何内容。"
                f" (org file refused: {len(e.problems)} problems)"
            ) from None
        self.stdout.write(
            f"已导入：单位 {summary.units} 个（别名 {summary.aliases} 个），"
            f"分组 {summary.groups} 个，县领导 {summary.leaders} 位，用户 {summary.users} 个。"
        )
