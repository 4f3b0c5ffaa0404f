"""Differences between versions: a catalogue's items, and a .docx draft's text.

Pure except for reading a .docx (python-docx); no Django.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class CatalogueChanges:
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    # (new row, old unit code): the same item now owned by another unit
    moved: list[tuple[dict[str, str], str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.moved)


def catalogue(old: Sequence[dict[str, str]], new: Sequence[dict[str, str]]) -> CatalogueChanges:
    """Items by name: added, removed, and those whose owning unit changed."""
    before = {r["name"]: r for r in old}
    after = {r["name"]: r for r in new}
    out = CatalogueChanges()
    out.added = [r for r in new if r["name"] not in before]
    out.removed = [r for r in old if r["name"] not in after]
    out.moved = [
        (r, before[r["name"]]["unit"])
        for r in new
        if r["name"] in before and before[r["name"]]["unit"] != r["unit"]
    ]
    return out


def docx_text(fh: IO[bytes] | Any) -> str:
    """The paragraphs of a .docx, one a line ('' when it cannot be read as one)."""
    from docx import Document  # python-docx: already a dependency for the documents

    try:
        fh.seek(0)
        doc = Document(fh)
    except Exception:
        return ""
    return "\n".join(p.text for p in doc.paragraphs if p.text.strip())


@dataclass(frozen=True)
class Line:
    op: str  # " " same, "-" removed, "+" added
    text: str


def text_lines(old: str, new: str) -> list[Line]:
    """Line by line, as a reviewer reads two versions (unchanged lines kept for context)."""
    out = []
    for row in difflib.ndiff(old.splitlines(), new.splitlines()):
        if row.startswith("? "):
            continue
        out.append(Line(row[0], row[2:]))
    return out
