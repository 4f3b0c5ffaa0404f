"""duban bulletin --from D --to D --out FILE.docx — the 督查通报 for a period.

    duban bulletin --from 2026-03-01 --to 2026-03-31 --out 通报.docx --by duchashi
    duban bulletin --from 2026-03-01 --to 2026-03-31 --out 通报.docx --by duchashi \\
        --doc-no "云政办督〔2026〕3号" --cc 县委办公室 --cc 县人大常委会办公室 --pdf

Without --doc-no the result is a draft without a 版头; with one it is issued as a 公文
(the 版头 is printed and the issue is recorded for the annual figures). The praise and
naming rules are settings (DUBAN_BULLETIN_*, docs/decisions.md "Documents").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import bulletin, pdf
from duban.management.acting import supervisor


def parse_day(raw: str, what: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{what}“{raw}”不是有效日期（应为2026-03-31）。") from None


class Command(BaseCommand):
    help = "Write the 督查通报 for a period as .docx (and .pdf with --pdf)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="first day, 2026-03-01")
        parser.add_argument("--to", dest="end", required=True, help="last day, 2026-03-31")
        parser.add_argument("--out", required=True, type=Path, help="FILE.docx")
        parser.add_argument("--by", default="", help="supervisor (default: the first one)")
        parser.add_argument("--doc-no", default="", help="发文字号, e.g. 云政办督〔2026〕3号")
        parser.add_argument("--date", default="", help="成文日期 (default: today)")
        parser.add_argument("--cc", action="append", default=[], help="抄送机关 (repeatable)")
        parser.add_argument("--pdf", action="store_true", help="also write FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        user = supervisor(options["by"])
        out: Path = options["out"]
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件须为 .docx：{out}")
        start = parse_day(options["start"], "--from")
        end = parse_day(options["end"], "--to")
        opts = bulletin.BulletinOptions(
            doc_no=options["doc_no"],
            issued_on=parse_day(options["date"], "--date") if options["date"] else None,
            copies_to=tuple(options["cc"]),
        )
        try:
            content, figures = bulletin.generate(user=user, start=start, end=end, options=opts)
        except bulletin.BulletinError as e:
            raise CommandError(str(e)) from None
        out.write_bytes(content)
        self.stdout.write(
            f"已生成督查通报 {out}：督办事项{figures.tasks}项，已办结{figures.closed}项，"
            f"逾期未办结{figures.overdue}项。"
        )
        if options["pdf"]:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None
            self.stdout.write(f"已生成 {out.with_suffix('.pdf')}")
