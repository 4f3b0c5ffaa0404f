"""台账.xlsx in: not yet written (issue 5, item 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from duban.org.models import User


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return self.problems

    def verdict(self) -> str:
        return "尚未实现台账导入。"


def import_file(path: Path, *, by: User, dry_run: bool = False) -> ImportReport:
    return ImportReport(problems=["尚未实现台账导入。"])
