"""What an uploaded attachment may be: its type by content, its name, and the quotas.

Checked by every action that takes attachments (through `work.actions._check_attachments`):
- the type is read from the first bytes (magic numbers), never from the name alone, and
  must be on ALLOWED; the name's suffix must agree with it (ASVS 5.2.2): an .exe renamed
  .xlsx is refused, and so is a PDF named .jpg;
- the name is at most NAME_CHARS characters (the database column) and is stored on disk
  under a shortened name: 90 four-byte characters make 360 bytes, past the file system's
  255-byte limit ("File name too long", a 500 before);
- per file MAX_FILE_BYTES, per report settings.DUBAN_UPLOAD_MAX_FILES and
  DUBAN_UPLOAD_MAX_REPORT_BYTES, per task DUBAN_UPLOAD_MAX_TASK_BYTES.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files import File

from duban.crypto import SM3, file_digest

MAX_FILE_BYTES = 20 * 1024 * 1024
NAME_CHARS = 200
STORED_STEM_BYTES = 60

# kind: (label shown to users, suffixes that may carry it)
ALLOWED: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("PDF 文档", (".pdf",)),
    "ole": ("Office/WPS 文档", (".doc", ".xls", ".ppt", ".wps", ".et", ".dps")),
    "zip": (
        "Office/OFD 文档或压缩包",
        (".docx", ".xlsx", ".pptx", ".ofd", ".zip", ".wps", ".et", ".dps"),
    ),
    "png": ("图片", (".png",)),
    "jpeg": ("图片", (".jpg", ".jpeg")),
    "gif": ("图片", (".gif",)),
    "bmp": ("图片", (".bmp",)),
    "tiff": ("图片", (".tif", ".tiff")),
    "webp": ("图片", (".webp",)),
    "rar": ("压缩包", (".rar",)),
    "7z": ("压缩包", (".7z",)),
    "text": ("文本", (".txt", ".csv")),
}
SUFFIXES = sorted({s for _, suffixes in ALLOWED.values() for s in suffixes})


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes (at least 8 KB when the file has them)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and len(head) > 14:
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    # Text: no control characters but tab, line breaks and form feed (binaries have them).
    if not any((b < 0x20 and b not in b"\t\n\r\x0c") or b == 0x7F for b in head):
        for encoding in ("utf-8", "gb18030"):
            # The head may cut the last character in two: try without its last bytes.
            for cut in range(4):
                try:
                    head[: len(head) - cut].decode(encoding)
                    return "text"
                except UnicodeDecodeError:
                    continue
    return None


class UploadRefused(Exception):
    def __init__(self, message: str, log: str) -> None:
        super().__init__(log)
        self.message, self.log = message, log


@dataclass(frozen=True)
class Checked:
    file: File[Any]
    name: str
    size: int
    digest: str  # SM3 (crypto.file_digest)
    algorithm: str = SM3


def check_files(files: Sequence[File[Any]], *, task_bytes: int = 0) -> list[Checked]:
    """Read each file once (size, SM3, type); raise UploadRefused for the first bad one.

    `task_bytes`: what the task's attachments already hold, for the per-task quota.
    """
    if len(files) > settings.DUBAN_UPLOAD_MAX_FILES:
        raise UploadRefused(
            f"一次最多上传 {settings.DUBAN_UPLOAD_MAX_FILES} 个附件，请合并或分次报送。",
            f"{len(files)} attachments in one report",
        )
    checked: list[Checked] = []
    total = 0
    for f in files:
        name = PurePath((f.name or "").replace("\\", "/")).name.strip()
        if not name:
            raise UploadRefused("附件缺少文件名。", "attachment without a name")
        if len(name) > NAME_CHARS:
            raise UploadRefused(
                f"附件文件名过长（{len(name)} 个字，上限 {NAME_CHARS} 个字），请改短后再上传。",
                f"attachment name of {len(name)} characters",
            )
        digest, size, head = hashes.Hash(hashes.SM3()), 0, b""
        f.seek(0)
        for chunk in f.chunks():
            if len(head) < 8192:
                head += chunk[: 8192 - len(head)]
            digest.update(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise UploadRefused(
                    f"附件“{name}”超过20MB，请压缩后再上传。", f"attachment {name} over 20 MB"
                )
        if size == 0:
            raise UploadRefused(f"附件“{name}”是空文件。", f"empty attachment {name}")
        kind = sniff(head)
        suffix = PurePath(name).suffix.lower()
        if kind is None:
            raise UploadRefused(
                f"附件“{name}”不是允许的文件类型。可上传 PDF、Word/Excel/PPT/WPS、OFD、"
                "图片、文本或压缩包。",
                f"attachment {name}: content type not allowed (head {head[:8]!r})",
            )
        label, suffixes = ALLOWED[kind]
        if suffix not in suffixes:
            raise UploadRefused(
                f"附件“{name}”的内容是{label}，与文件名后缀“{suffix or '（无）'}”不符，"
                "请确认文件后重新上传。",
                f"attachment {name}: content {kind} with suffix {suffix!r}",
            )
        total += size
        f.seek(0)
        checked.append(Checked(f, name, size, digest.finalize().hex()))
    limit = settings.DUBAN_UPLOAD_MAX_REPORT_BYTES
    if total > limit:
        raise UploadRefused(
            f"本次附件合计 {total / 1024 / 1024:.1f} MB，超过每次 {limit // 1024 // 1024} MB "
            "的上限，请压缩或分次报送。",
            f"attachments of {total} bytes in one report",
        )
    task_limit = settings.DUBAN_UPLOAD_MAX_TASK_BYTES
    if total and task_bytes + total > task_limit:
        raise UploadRefused(
            f"该事项的附件已有 {task_bytes / 1024 / 1024:.1f} MB，加上本次将超过每个事项 "
            f"{task_limit // 1024 // 1024} MB 的上限。请压缩后再上传，或联系督查室。",
            f"task attachments {task_bytes} + {total} bytes over the task quota",
        )
    return checked


def stored_name(name: str) -> str:
    """The name on disk: the stem cut to STORED_STEM_BYTES of UTF-8 and a random tag.

    The full name stays in Attachment.name and is what downloads are called.
    """
    path = PurePath(name)
    suffix = path.suffix.lower() if path.suffix.isascii() and len(path.suffix) <= 8 else ""
    stem = path.stem.encode()[:STORED_STEM_BYTES].decode("utf-8", "ignore") or "file"
    return f"{stem}-{secrets.token_hex(4)}{suffix}"


def open_verified(stored: Any, expected: str, algorithm: str) -> File[Any] | None:
    """The stored file, opened, if its content still has the digest recorded at upload
    (which the hash-chained event carries too), computed with the algorithm it was recorded
    with (SM3, or SHA-256 for older files); None if it was changed or is missing.

    Read twice (hash, then serve): attachments are at most 20 MB, 0.5-0.8 s to hash in SM3.
    """
    try:
        with stored.open("rb") as f:
            actual = file_digest(f.chunks(), algorithm)
    except (FileNotFoundError, OSError):
        return None
    if not secrets.compare_digest(actual, expected):
        return None
    return stored.open("rb")  # type: ignore[no-any-return]
