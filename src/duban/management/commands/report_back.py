"""duban report_back CODE --out FILE.docx — the 情况报告 (回音) of one directive.

    duban report_back 2026-0012 --out 情况报告.docx --doc-no "云政办报〔2026〕7号" --signer 王刚

CODE is the directive's number as the ledger shows it (year-serial). With --doc-no the
版头 carries the 发文字号 and the 签发人 (an upward document), and the issue is recorded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import pdf, report_back
from duban.management.acting import supervisor
from duban.work.models import Directive


class Command(BaseCommand):
    help = "Write the 情况报告 of one directive as .docx (and .pdf with --pdf)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the directive's number, e.g. 2026-0012")
        parser.add_argument("--out", required=True, type=Path, help="FILE.docx")
        parser.add_argument("--by", default="", help="supervisor (default: the first one)")
        parser.add_argument("--doc-no", default="", help="发文字号, e.g. 云政办报〔2026〕7号")
        parser.add_argument("--signer", default="", help="签发人")
        parser.add_argument("--to", default="", help="主送 (default: the directive's issuer)")
        parser.add_argument("--pdf", action="store_true", help="also write FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        user = supervisor(options["by"])
        m = re.fullmatch(r"(\d{4})-(\d{1,6})", options["code"].strip())
        directive = (
            Directive.objects.filter(year=int(m[1]), serial=int(m[2])).first() if m else None
        )
        if directive is None:
            raise CommandError(f"来文“{options['code']}”不存在（编号形如2026-0012）。")
        out: Path = options["out"]
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件须为 .docx：{out}")
        opts = report_back.ReportOptions(
            doc_no=options["doc_no"], signer=options["signer"], addressee=options["to"]
        )
        try:
            content = report_back.generate(user=user, directive=directive, options=opts)
        except report_back.ReportError as e:
            raise CommandError(str(e)) from None
        out.write_bytes(content)
        self.stdout.write(f"已生成情况报告 {out}（来文{directive.code}）。")
        if options["pdf"]:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None
            self.stdout.write(f"已生成 {out.with_suffix('.pdf')}")
