"""duban extract FILE [--date YYYY-MM-DD] [--json] — draft tasks from a .txt or .docx text.

    duban extract 纪要.docx --date 2026-03-10
    duban extract 方案.txt --date 2026-03-10 --json

`--date` is the document's date, against which 6月底前 or 5个工作日内 are resolved. An
empty `--date ''` means unknown: the date the text gives itself (日期 field or the date
under the signature) is used if there is one, else year-less dates stay unresolved.
Without `--date`, the text's own date is used, else today.

The registry is needed only to map names to units (`lead_units`/`co_units`); with an empty
or missing database every name maps to null. Bad input ends with a Chinese message and an
exit code of its own (see duban.extract.reader.Problem); never a traceback.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from duban.extract.reader import Problem, ReadError, read_document
from duban.extract.tasks import DraftTask, stated_date
from duban.org.registry import Registry
from duban.work.extraction import extract_for_office, task_json

CYCLE_WORDS = {
    "daily": "每天",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "semiannual": "每半年",
    "annual": "每年",
}


class Command(BaseCommand):
    help = "Print the draft tasks found in a .txt or .docx text (会议纪要, 批示, 工作方案)."
    # A read-only tool that must start fast (the scorer runs it once per document); the
    # system checks belong to `serve` and `migrate`.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".txt or .docx file")
        parser.add_argument(
            "--date",
            default=None,
            help="the document's date, YYYY-MM-DD ('' unknown; default: its own date, else today)",
        )
        parser.add_argument("--json", action="store_true", help='print {"tasks": [...]}')

    def fail(self, problem: Problem, message: str) -> None:
        self.stderr.write(f"错误：{message}")
        raise SystemExit(int(problem))

    def handle(self, *args: Any, **options: Any) -> None:
        raw_date = options["date"]
        try:
            text = read_document(Path(options["file"]))
        except ReadError as e:
            self.fail(e.problem, e.message)
            return
        base: date | None
        if raw_date is None:
            base = stated_date(text) or timezone.localdate()
        elif not raw_date.strip():
            base = stated_date(text)
        else:
            try:
                base = date.fromisoformat(raw_date.strip())
            except ValueError:
                self.fail(
                    Problem.BAD_ARGUMENT, f"--date 日期格式无效：{raw_date}（应为 2026-03-15）"
                )
                return
        started = time.perf_counter()
        found = extract_for_office(text, base=base)
        tasks, registry = found.tasks, found.registry
        elapsed = time.perf_counter() - started
        if options["json"]:
            payload = {"tasks": [task_json(t, registry) for t in tasks]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self._print(tasks, registry, base, elapsed)
        if not tasks:
            self.fail(
                Problem.NO_TASKS,
                "文中没有识别出任务：未找到“请…”“由…牵头”“…要…”“责任单位：…”等交办语句。",
            )

    def _print(
        self, tasks: list[DraftTask], registry: Registry, base: date | None, elapsed: float
    ) -> None:
        when = base.isoformat() if base else "未知"
        self.stdout.write(f"识别出 {len(tasks)} 项任务（文档日期：{when}，用时 {elapsed:.2f} 秒）")
        for n, task in enumerate(tasks, 1):
            self.stdout.write(f"\n{n}. {task.text}")
            for label, names in (("牵头", task.lead), ("配合", task.co)):
                if not names:
                    continue
                shown = []
                for name, units in zip(names, registry.resolve_names(names), strict=True):
                    if units is None:
                        shown.append(f"{name}（单位库中没有）")
                    elif units == [name]:
                        shown.append(name)
                    else:
                        shown.append(f"{name}（{'、'.join(units)}）")
                self.stdout.write(f"   {label}：{'、'.join(shown)}")
            if task.deadline_raw:
                due = task.deadline.isoformat() if task.deadline else "无具体日期"
                note = "（暂定：该年节假日未确认）" if task.provisional else ""
                if task.deadline_past:
                    note += "（已过：早于文档日期，请核对）"
                self.stdout.write(f"   时限：{task.deadline_raw} → {due}{note}")
            if task.cycle_raw:
                kind, _, day = (task.cycle or "").partition(":")
                word = CYCLE_WORDS.get(kind, "")
                self.stdout.write(f"   周期：{task.cycle_raw}（{word}{day and f'，{day}'}）")
