"""One-to-one folding of full-width forms, so rules see one punctuation and one digit set.

Every character maps to exactly one character, so an index into the folded text is an index
into the original: the extractor matches on the folded copy and slices the original, and
returns text and unit names exactly as they stand in the input.
"""

from __future__ import annotations

# U+FF01..U+FF5E are the full-width twins of ASCII 0x21..0x7E (，→, ：→: （→( １→1 …);
# U+3000 is the ideographic space. 、。“”《》 have no ASCII twin and stay as they are.
_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TABLE[0x3000] = 0x20
_TABLE[0xA0] = 0x20  # no-break space, common in text copied from web pages


def fold(text: str) -> str:
    folded = text.translate(_TABLE)
    assert len(folded) == len(text)
    return folded
