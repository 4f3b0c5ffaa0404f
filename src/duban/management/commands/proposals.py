"""duban proposals report|publish|import — the 建议提案 stream's files.

duban proposals report --year Y --out F.docx [--pdf] [--ledger F.xlsx]
    the year's 办理工作情况报告 (GB/T 9704) and, beside it, the ledger of the items;
duban proposals publish --year Y --out DIR
    the replies marked public: one .docx each (contact details removed) and an index .xlsx;
duban proposals import FILE --year Y --body npc|cppcc [--session NAME]
    the 人大/政协's Excel list of a session's items: all rows or none, bad rows named.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.documents import pdf
from duban.management.acting import supervisor
from duban.management.timearg import parse_now
from duban.proposals import actions, importer, report, selectors
from duban.proposals.models import Body, ProposalSession
from duban.work.errors import ActionError


def _year(value: int) -> int:
    if not 2000 <= value <= 2100:
        raise CommandError(f"年份{value}无效。")
    return value


class Command(BaseCommand):
    help = "人大建议/政协提案: the year's report, the public replies, and the list import."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        rep = sub.add_parser("report", help="the year's 办理工作情况报告 (.docx) and ledger")
        rep.add_argument("--year", type=int, required=True)
        rep.add_argument("--out", type=Path, required=True, help="FILE.docx")
        rep.add_argument("--pdf", action="store_true", help="also write FILE.pdf")
        rep.add_argument("--ledger", type=Path, default=None, help="FILE.xlsx (default beside)")
        rep.add_argument("--by", default="")
        rep.add_argument("--now", default=None)
        pub = sub.add_parser("publish", help="the replies marked public, into a folder")
        pub.add_argument("--year", type=int, required=True)
        pub.add_argument("--out", type=Path, required=True, help="DIR")
        pub.add_argument("--by", default="")
        imp = sub.add_parser("import", help="a session's items from the 人大/政协 Excel list")
        imp.add_argument("file", type=Path)
        imp.add_argument("--year", type=int, required=True)
        imp.add_argument("--body", choices=list(Body.values), required=True)
        imp.add_argument("--session", default="", help="会议名称 (creates the batch if new)")
        imp.add_argument("--by", default="")
        imp.add_argument("--now", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['what']}")(options)

    def _report(self, o: dict[str, Any]) -> None:
        user = supervisor(o["by"])
        now = parse_now(o["now"])
        year = _year(o["year"])
        out: Path = o["out"]
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件须为 .docx：{out}")
        figures = report.generate(user=user, year=year, now=now)
        content = report.build(figures, now=now).to_bytes()
        out.write_bytes(content)
        ledger = o["ledger"] or out.with_name(f"{out.stem}-台账.xlsx")
        rows = selectors.ledger_rows(user, year, today=timezone.localdate(now))
        ledger.write_bytes(report.ledger_xlsx(rows))
        summary = [
            {
                k: v
                for k, v in asdict(s).items()
                if k not in ("session", "units", "c_items", "promises")
            }
            | {"session": str(s.session), "c_items": len(s.c_items), "promises": len(s.promises)}
            for s in figures.sessions
        ]
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        self.stderr.write(f"已生成 {out} 和 {ledger}")
        if o["pdf"]:
            try:
                out.with_suffix(".pdf").write_bytes(pdf.convert(content))
            except pdf.PdfUnavailable as e:
                raise CommandError(str(e)) from None

    def _publish(self, o: dict[str, Any]) -> None:
        user = supervisor(o["by"])
        written = report.publish(year=_year(o["year"]), out=o["out"], user=user)
        self.stdout.write(f"已导出公开答复{len(written) - 1}件到 {o['out']}")

    def _import(self, o: dict[str, Any]) -> None:
        user = supervisor(o["by"])
        now = parse_now(o["now"])
        year = _year(o["year"])
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            drafts = importer.read_items(path.read_bytes())
        except importer.ImportProblem as e:
            raise CommandError("导入失败，未导入任何一件：\n" + "\n".join(e.problems)) from None
        session = ProposalSession.objects.filter(year=year, body=o["body"]).first()
        try:
            if session is None:
                name = o["session"] or f"{Body(o['body']).label}（{year}年）"
                session = actions.create_session(
                    year=year, body=o["body"], name=name, by=user, now=now
                )
            items = actions.import_items(session=session, items=drafts, by=user, now=now)
        except ActionError as e:
            raise CommandError("导入失败，未导入任何一件：\n" + e.message) from None
        self.stdout.write(f"已导入{len(items)}件到“{session}”。")
