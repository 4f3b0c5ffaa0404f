"""duban ledger export|import — the 台账 as an Excel file, out and in.

    duban ledger export --by duchashi --out 台账.xlsx --status open --unit 县住建局
    duban ledger export --by duchashi --out 台账.xlsx --query "status=open&light=red"
    duban ledger import 旧台账.xlsx --by duchashi --dry-run

The import prints the rows checked and written to stderr as it goes (the report, on
stdout, comes at the end). `--by` is the person the ledger is read (and the import
written) as: a liaison's export holds only their unit's tasks, as on the page. The
filters are the ledger page's, by the same names; `--query` takes the page's query string
(a saved filter) as it is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import filters as ledger_filters
from duban.documents import ledger_xlsx
from duban.management.acting import acting
from duban.work import ledger as lq


class Command(BaseCommand):
    help = "Export the ledger to .xlsx, or import an .xlsx ledger (see docs/decisions.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        export = sub.add_parser("export", help="write the ledger (as --by sees it) to --out")
        export.add_argument("--by", required=True, help="username the ledger is read as")
        export.add_argument("--out", required=True, type=Path, help="FILE.xlsx")
        export.add_argument("--query", default="", help="the ledger page's query string")
        for name in lq.FILTER_PARAMS:
            flag = "--" + name.replace("_", "-")
            export.add_argument(flag, dest=f"f_{name}", default=None)
        imp = sub.add_parser("import", help="import FILE.xlsx through the actions")
        imp.add_argument("file", type=Path)
        imp.add_argument("--by", required=True, help="username of the supervisor importing")
        imp.add_argument("--dry-run", action="store_true", help="check and report, store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "export":
            self._export(options)
        else:
            self._import(options)

    def _export(self, options: dict[str, Any]) -> None:
        user = acting(options["by"])
        params = dict(parse_qsl(options["query"].lstrip("?")))
        for name in lq.FILTER_PARAMS:
            value = options.get(f"f_{name}")
            if value is not None:
                params[name] = value
        try:
            filters = ledger_filters.parse(params)
        except ledger_filters.FilterError as e:
            raise CommandError(str(e)) from None
        out: Path = options["out"]
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件须为 .xlsx：{out}")
        started = time.perf_counter()
        result = ledger_xlsx.export_ledger(user=user, filters=filters, out=out)
        seconds = time.perf_counter() - started
        self.stdout.write(f"已导出 {result.rows} 项事项到 {out}（{seconds:.1f} 秒）。")

    def _import(self, options: dict[str, Any]) -> None:
        from duban.documents import ledger_import

        user = acting(options["by"])
        for unfinished in ledger_import.unfinished_imports():
            self.stdout.write(f"提示：{unfinished}")
        started = time.perf_counter()

        def progress(phase: str, done: int, total: int) -> None:
            # To stderr, so the report on stdout stays what it was (scripts read it).
            what = "已检查" if phase == "check" else "已写入"
            seconds = time.perf_counter() - started
            self.stderr.write(f"{what} {done}/{total} 行（{seconds:.0f} 秒）")
            self.stderr.flush()

        report = ledger_import.import_file(
            options["file"], by=user, dry_run=options["dry_run"], progress=progress
        )
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(report.verdict())
        self.stdout.write(report.verdict())
