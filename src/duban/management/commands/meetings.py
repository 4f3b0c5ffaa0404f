"""duban meetings — the meetings' documents from the command line.

duban meetings minutes 12 --out 纪要.docx [--pdf]      the issued 纪要 of meeting id 12
duban meetings followup [--since 2026-01-01] --out 落实情况.docx [--pdf]
duban meetings major --year 2026 --out 三重一大.xlsx
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.documents import pdf
from duban.management.acting import supervisor
from duban.meetings import documents
from duban.meetings.models import Meeting


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期“{raw}”无效，应形如2026-01-01。") from None


class Command(BaseCommand):
    help = "Write a meeting's 纪要, the follow-up of earlier decisions, or the 三重一大 list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        m = sub.add_parser("minutes", help="the issued 纪要 of one meeting (.docx)")
        m.add_argument("meeting", type=int, help="the meeting's id")
        f = sub.add_parser("followup", help="open decisions of earlier meetings (.docx)")
        f.add_argument("--since", default="", help="meetings held on or after this day")
        j = sub.add_parser("major", help="the year's 三重一大 list (.xlsx)")
        j.add_argument("--year", type=int, default=0)
        for p in (m, f, j):
            p.add_argument("--out", required=True, type=Path)
            p.add_argument("--by", default="", help="supervisor (default: the first one)")
        for p in (m, f):
            p.add_argument("--pdf", action="store_true", help="also write FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        user = supervisor(options["by"])
        out: Path = options["out"]
        what = options["what"]
        suffix = ".xlsx" if what == "major" else ".docx"
        if out.suffix.lower() != suffix:
            raise CommandError(f"输出文件须为 {suffix}：{out}")
        try:
            if what == "minutes":
                meeting = Meeting.objects.filter(pk=options["meeting"]).first()
                if meeting is None:
                    raise CommandError(f"会议 {options['meeting']} 不存在。")
                content = documents.minutes_docx(user=user, meeting=meeting)
                done = f"已生成{meeting.title}纪要 {out}"
            elif what == "followup":
                since = _day(options["since"]) if options["since"] else None
                content = documents.followup_docx(user=user, since=since)
                done = f"已生成会议议定事项落实情况 {out}"
            else:
                year = options["year"] or timezone.localdate().year
                content = documents.major_matters_xlsx(user=user, year=year)
                done = f"已生成{year}年三重一大事项清单 {out}"
        except documents.DocumentError as e:
            raise CommandError(str(e)) from None
        out.write_bytes(content)
        self.stdout.write(done)
        if options.get("pdf"):
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None
            self.stdout.write(f"已生成 {out.with_suffix('.pdf')}")
