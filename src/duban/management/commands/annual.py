"""duban annual --year Y [--out FILE.docx] — the year's figures for the 述职 report.

Prints the figures as JSON (UTF-8, Chinese labels kept); with --out also writes them as a
.docx draft section of plain sentences (全年共登记督办来文N件…).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import annual, pdf
from duban.management.acting import supervisor


class Command(BaseCommand):
    help = "The year's figures (JSON), and a .docx draft section with --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--by", default="", help="supervisor (default: the first one)")
        parser.add_argument("--out", type=Path, default=None, help="FILE.docx")
        parser.add_argument("--pdf", action="store_true", help="also write FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        user = supervisor(options["by"])
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"年份{year}无效。")
        try:
            figures = annual.generate(user=user, year=year)
        except annual.AnnualError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
        out: Path | None = options["out"]
        if out is None:
            return
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件须为 .docx：{out}")
        content = annual.build(figures).to_bytes()
        out.write_bytes(content)
        self.stderr.write(f"已生成 {out}")
        if options["pdf"]:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None
