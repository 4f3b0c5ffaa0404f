"""duban events — major events (重大活动, issue 19).

duban events plan ID --out 活动方案.docx [--pdf]   the plan (活动方案), GB/T 9704
duban events list --year 2026 [--out 活动.csv]     the year's events and follow-up rate
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.documents import pdf
from duban.events import plan_doc, selectors
from duban.management.acting import supervisor


class Command(BaseCommand):
    help = "Major events: write an event's plan (.docx/.pdf) or list a year's events."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        plan = sub.add_parser("plan", help="write the 活动方案 of one event")
        plan.add_argument("id", type=int, help="the event's id (as its page shows)")
        plan.add_argument("--out", required=True, type=Path, help="FILE.docx")
        plan.add_argument("--by", default="", help="supervisor (default: the first one)")
        plan.add_argument("--pdf", action="store_true", help="also write FILE.pdf")
        year = sub.add_parser("list", help="the year's events with their follow-up")
        year.add_argument("--year", type=int, required=True)
        year.add_argument("--by", default="", help="supervisor (default: the first one)")
        year.add_argument("--out", type=Path, help="FILE.csv (default: print)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = supervisor(options["by"])
        if options["what"] == "plan":
            self._plan(user, options)
        else:
            self._list(user, options)

    def _plan(self, user: Any, options: dict[str, Any]) -> None:
        activity = selectors.activities_visible_to(user).filter(pk=options["id"]).first()
        if activity is None:
            raise CommandError(f"活动 {options['id']} 不存在。")
        out: Path = options["out"]
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件须为 .docx：{out}")
        try:
            content = plan_doc.generate(activity=activity)
        except plan_doc.PlanError as e:
            raise CommandError(str(e)) from None
        out.write_bytes(content)
        self.stdout.write(f"已生成活动方案 {out}（{activity.title}）。")
        if options["pdf"]:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None
            self.stdout.write(f"已生成 {out.with_suffix('.pdf')}")

    def _list(self, user: Any, options: dict[str, Any]) -> None:
        buf = io.StringIO()
        selectors.write_year_csv(buf, user=user, year=options["year"])
        if options["out"]:
            # utf-8-sig: Excel on the office's desktops reads the BOM as UTF-8.
            options["out"].write_text(buf.getvalue(), encoding="utf-8-sig")
            self.stdout.write(f"已导出 {options['out']}")
        else:
            self.stdout.write(buf.getvalue(), ending="")
