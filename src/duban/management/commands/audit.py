"""duban audit verify — check the hash chain of every task's, directive's, spot check's
and campaign's record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.audit import anchor as anchors
from duban.audit.access import verify_access_chain
from duban.audit.rows import verify_rows
from duban.audit.verify import verify_chain
from duban.records import chain as records
from duban.supervise import record


class Command(BaseCommand):
    help = "Verify the tamper-evident event record; exits non-zero and names each broken task."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="check every event chain")
        verify.add_argument(
            "--anchor", type=Path, action="append", default=[], help="an anchor file to hold to"
        )
        anchor = sub.add_parser("anchor", help="write the chains' heads to a signed file")
        anchor.add_argument("--out", type=Path, default=None, help="folder (DUBAN_DATA/anchors)")
        rekey = sub.add_parser(
            "rekey", help="check every chain under the old key, then rewrite it under the current"
        )
        old = rekey.add_mutually_exclusive_group(required=True)
        old.add_argument("--old-key", type=Path, help="file holding the old chain key (hex)")
        old.add_argument(
            "--unkeyed", action="store_true", help="the chains were made before keying (SM3)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "rekey":
            self._rekey(options)
            return
        if options["verb"] == "anchor":
            out = options["out"] or Path(settings.DATA_DIR) / "anchors"
            path, made = anchors.make(out, now=timezone.now())
            self.stdout.write(f"已写入锚定文件：{path}（{len(made.heads)} 条链）")
            self.stdout.write(f"锚定值（SM3）：{made.root}")
            return
        report = verify_chain()
        # Spot checks' and campaigns' own chains (supervise/record.py).
        supervision = record.verify()
        report.problems += supervision.problems
        report.streams += supervision.streams
        report.events += supervision.events
        # Every other stream's chain (records/: proposals, meetings, events, duties …).
        others = records.verify()
        report.problems += others.problems
        report.streams += others.streams
        report.events += others.events
        # Rows shown beside the chains (titles, texts, reports): compared with their events.
        report.problems += verify_rows()
        for path in options["anchor"]:
            report.problems += anchors.check(path)

        # The access log's own chain (audit/access.py).
        access = verify_access_chain()
        report.problems += access.problems
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"流转记录校验未通过：{len(report.problems)} 处问题。"
                f" (audit verify failed: {len(report.problems)} broken chains)"
            )
        self.stdout.write(f"流转记录校验通过：{report.streams} 条链，{report.events} 条记录。")
        self.stdout.write(f"访问日志校验通过：{access.rows} 条记录。")

    def _rekey(self, options: dict[str, Any]) -> None:
        import getpass

        from duban.crypto import chain_key
        from duban.management import rekey

        old: bytes | None = None
        if options["old_key"] is not None:
            try:
                old = bytes.fromhex(options["old_key"].read_text().strip())
            except (OSError, ValueError) as e:
                raise CommandError(f"无法读取原密钥文件：{options['old_key']} ({e})") from None
            if len(old) < 16:
                raise CommandError(f"原密钥文件内容过短：{options['old_key']}")
        new = chain_key()
        self.stdout.write(
            f"原密钥 {rekey.fingerprint(old)}，新密钥 {rekey.fingerprint(new)}："
            "先在原密钥下校验全部记录链……"
        )
        report = rekey.rekey(old, new, username=f"cli:{getpass.getuser()}")
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"未更换密钥：{len(report.problems)} 处问题，数据库未作任何改动。"
                f" (rekey refused: {len(report.problems)} problems, nothing changed)"
            )
        self.stdout.write(
            f"已更换密钥：{report.streams} 条链，{report.rows} 条记录，重算 {report.rekeyed} 条。"
            "原有锚定文件以原密钥签名，已不再适用：请立即运行 duban audit anchor 并妥善保存。"
        )
