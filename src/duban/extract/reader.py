"""Reading a .txt or .docx file into text, with a clear Chinese message for bad input.

Text files come from offices in UTF-8 (with or without a BOM) or in GB18030 (the Windows
default, a superset of GBK/GB2312). A .docx is read paragraph by paragraph and table row
by table row, in document order; a table row becomes one line of cells joined by " | ",
the same shape as rows copied from a web page.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024


class Problem(IntEnum):
    """Exit codes of `duban extract`, one per kind of bad input (0 is success)."""

    NOT_FOUND = 3
    EMPTY = 4
    UNSUPPORTED = 5
    CORRUPT = 6
    TOO_LARGE = 7
    NO_TASKS = 8
    BAD_ARGUMENT = 9


@dataclass
class ReadError(Exception):
    problem: Problem
    message: str  # in Chinese, for the person who gave the file

    def __str__(self) -> str:
        return self.message


_DOCX_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED = 200 * 1024 * 1024  # what a .docx may unpack to
# A 677 KB .docx unpacking to 190 MB of XML (1.8 million paragraphs) kept a worker busy for
# 23 minutes and 2.2 GB (issue 17): the limits below refuse it within a second. A long
# 公文 (a 100-page work report) has ~2 MB of XML, ~3,000 paragraphs and ~150,000 characters.
MAX_XML = 32 * 1024 * 1024  # the XML parts (images do not count): python-docx parses them whole
MAX_PARAGRAPHS = 20_000
MAX_CHARS = 2_000_000
MAX_SECONDS = 20.0
_BINARY_MAGIC = (b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!")


def decode_text(data: bytes, name: str) -> str:
    if data.startswith(_DOCX_MAGIC) or data.startswith(_BINARY_MAGIC) or b"\x00" in data[:4096]:
        raise ReadError(
            Problem.UNSUPPORTED,
            f"“{name}”不是文本文件。请提供 .txt 文本或 .docx 文档（.doc、PDF 请先另存为 .docx）。",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(
        Problem.UNSUPPORTED,
        f"“{name}”的文字编码无法识别。请另存为 UTF-8 编码的 .txt 文件后重试。",
    )


def docx_text(data: bytes, name: str) -> str:
    """Paragraphs and table rows of a .docx, in document order."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        # A .docx is a zip: refuse one that would unpack to more than MAX_UNZIPPED (a
        # "zip bomb" fits in a few KB) before python-docx reads it all into memory.
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unzipped = sum(i.file_size for i in z.infolist())
            xml = sum(i.file_size for i in z.infolist() if i.filename.endswith((".xml", ".rels")))
        if unzipped > MAX_UNZIPPED:
            raise ReadError(
                Problem.TOO_LARGE,
                f"“{name}”解压后超过 {MAX_UNZIPPED // 1024 // 1024} MB，不像是正常的公文，未识别。",
            )
        if xml > MAX_XML:
            raise ReadError(
                Problem.TOO_LARGE,
                f"“{name}”的正文解压后有 {xml / 1024 / 1024:.0f} MB，"
                f"超过 {MAX_XML // 1024 // 1024} MB 的上限，不像是一份公文，未识别。"
                "请拆分后再识别。",
            )
        started = time.monotonic()
        document = Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if len(lines) > MAX_PARAGRAPHS:
                raise ReadError(
                    Problem.TOO_LARGE,
                    f"“{name}”超过 {MAX_PARAGRAPHS} 段，不像是一份公文，未识别。请拆分后再识别。",
                )
            if time.monotonic() - started > MAX_SECONDS:
                raise ReadError(
                    Problem.TOO_LARGE,
                    f"“{name}”读取超过 {MAX_SECONDS:.0f} 秒仍未读完，未识别。请拆分后再识别。",
                )
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        text = " ".join(cell.text.split())
                        # A merged cell is returned once per grid column it spans.
                        if not cells or cells[-1] != text or not text:
                            cells.append(text)
                    lines.append(" | ".join(cells))
    except ReadError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ReadError(
            Problem.CORRUPT, f"“{name}”不是有效的 .docx 文档，可能已损坏（{type(e).__name__}）。"
        ) from None
    except Exception as e:  # lxml and python-docx raise many kinds on damaged parts
        raise ReadError(
            Problem.CORRUPT, f"“{name}”无法读取，文档可能已损坏（{type(e).__name__}）。"
        ) from None
    return "\n".join(lines)


def read_bytes(data: bytes, name: str) -> str:
    """The text of an uploaded or read file; raises ReadError for anything unusable."""
    if len(data) > MAX_BYTES:
        raise ReadError(
            Problem.TOO_LARGE,
            f"“{name}”有 {len(data) / 1024 / 1024:.1f} MB，超过 20 MB 的上限。请拆分后再识别。",
        )
    if not data.strip():
        raise ReadError(Problem.EMPTY, f"“{name}”是空文件，没有可识别的内容。")
    suffix = Path(name).suffix.lower()
    if suffix == ".docx" or (suffix not in (".txt", ".text", "") and data.startswith(_DOCX_MAGIC)):
        if not data.startswith(_DOCX_MAGIC):
            raise ReadError(
                Problem.CORRUPT, f"“{name}”不是有效的 .docx 文档（文件内容不是 Word 格式）。"
            )
        text = docx_text(data, name)
    elif suffix in (".txt", ".text", ""):
        text = decode_text(data, name)
    else:
        raise ReadError(
            Problem.UNSUPPORTED,
            f"不支持“{suffix}”格式的文件。请提供 .txt 文本或 .docx 文档。",
        )
    if not text.strip():
        raise ReadError(Problem.EMPTY, f"“{name}”中没有文字内容。")
    if len(text) > MAX_CHARS:
        raise ReadError(
            Problem.TOO_LARGE,
            f"“{name}”有 {len(text) // 10000} 万字，超过 {MAX_CHARS // 10000} 万字的上限，"
            "不像是一份公文，未识别。请拆分后再识别。",
        )
    return text


def read_document(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(Problem.NOT_FOUND, f"找不到文件“{path}”。") from None
    except OSError as e:
        raise ReadError(Problem.NOT_FOUND, f"无法读取文件“{path}”（{e.strerror}）。") from None
    if path.is_dir():
        raise ReadError(Problem.UNSUPPORTED, f"“{path}”是文件夹，请指定一个文件。")
    if size > MAX_BYTES:
        raise ReadError(
            Problem.TOO_LARGE,
            f"“{path.name}”有 {size / 1024 / 1024:.1f} MB，超过 20 MB 的上限。请拆分后再识别。",
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(Problem.NOT_FOUND, f"无法读取文件“{path}”（{e.strerror}）。") from None
    return read_bytes(data, path.name)
