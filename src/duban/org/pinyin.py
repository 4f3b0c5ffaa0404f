"""Pinyin initials for finding units by typing: "fgj" finds 县发改局.

pypinyin misreads some place names (单县 → dx, should be sx; reference/libraries.md §4),
so every reading of a heteronym is kept, up to a bound, and an office can add its own
keys as aliases.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

MAX_VARIANTS = 8


def initials(text: str) -> list[str]:
    """All initial-letter spellings of `text` (lowercase), the most likely reading first."""
    # Imported here: loading pypinyin's phrase dictionary takes 0.2 s, which every `duban`
    # command would pay at start-up (duban extract on 1 MB must finish within 2 s).
    from pypinyin import Style, pinyin

    letters = pinyin(text, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    choices = [sorted(set(options), key=options.index) for options in letters if options]
    spellings = []
    for combo in itertools.islice(itertools.product(*choices), MAX_VARIANTS):
        spellings.append("".join(combo).lower())
    return spellings


def search_key(names: Iterable[str]) -> str:
    """Space-separated initials of every name, for a substring match."""
    keys: dict[str, None] = {}
    for name in names:
        for key in initials(name):
            if key:
                keys[key] = None
    return " ".join(keys)
