"""duban report duty --year Y --out F.docx [--pdf] — the director's 述职述廉 draft.

`report` groups the drafts written from the record; `duty` is the first. The text is the
latest version the director saved on the page (述职述廉), else the first draft made from
the figures; each figure with its source is printed (JSON) so it can be traced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.documents import pdf
from duban.duties import report
from duban.management.acting import supervisor


class Command(BaseCommand):
    help = "Drafts written from the record: `duty` (述职述廉报告)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        duty = sub.add_parser("duty", help="the director's 述职述廉 draft (.docx)")
        duty.add_argument("--year", type=int, required=True)
        duty.add_argument("--by", default="", help="supervisor (default: the first one)")
        duty.add_argument("--out", type=Path, required=True, help="FILE.docx")
        duty.add_argument("--pdf", action="store_true", help="also write FILE.pdf")
        duty.add_argument(
            "--fresh", action="store_true", help="from the figures, ignoring a saved version"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = supervisor(options["by"])
        year, out = options["year"], options["out"]
        today = timezone.localdate()
        if not 2000 <= year <= today.year:
            raise CommandError(f"年份{year}无效。")
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件须为 .docx：{out}")
        figures = report.figures(user, year, today=today)
        if options["fresh"]:
            sections, version = report.draft(year, figures), 0
        else:
            sections, version = report.current(user, year, today=today)
        content = report.build(sections, year=year).to_bytes()
        out.write_bytes(content)
        AccessLog.objects.create(
            at=timezone.now(),
            kind=AccessKind.EXPORT,
            user=user,
            username=user.username,
            detail=f"duty report {year} v{version}",
        )
        data = {
            "year": year,
            "version": version,
            "figures": {
                k: {"label": f.label, "value": f.value, "source": f.source}
                for k, f in figures.items()
            },
        }
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        self.stderr.write(f"已生成 {out}（{f'第{version}版' if version else '初稿'}）")
        if options["pdf"]:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None
