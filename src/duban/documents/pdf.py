""".docx → .pdf through LibreOffice (`soffice --headless --convert-to pdf`), when installed.

LibreOffice is optional: `available()` says whether this server has it, and the pages
offer PDF only then. Each process converts one file at a time with its own LibreOffice
profile (`-env:UserInstallation`): two conversions sharing ~/.config/libreoffice collide.
Fonts: `fonts.conf` beside this file maps the official font names to free substitutes
(docs/decisions.md, "Documents").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from io import BytesIO
from pathlib import Path

from django.conf import settings

FONTS_CONF = Path(__file__).with_name("fonts.conf")
TIMEOUT = 120  # seconds; a cold start takes ~5 s on the office server
_lock = threading.Lock()


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or it failed on this file."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def _profile() -> Path:
    path = Path(settings.DATA_DIR) / "libreoffice" / str(os.getpid())
    path.mkdir(parents=True, exist_ok=True)
    return path


_NO_HANGING = b'<w:overflowPunct w:val="0"/>'
_NO_HANGING_LO = b'<w:overflowPunct w:val="1"/>'


def for_libreoffice(docx: bytes) -> bytes:
    """The .docx as LibreOffice 7.4 must read it. Its import takes `w:overflowPunct` the
    wrong way round (val="0", Word's "no hanging punctuation", becomes hanging, and "1"
    becomes none: checked by converting to .fodt), so the PDF gets the flag flipped and the
    Word file keeps the standard's meaning (gbt9704.py, 两端对齐 without hanging punctuation)."""
    source = zipfile.ZipFile(BytesIO(docx))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in ("word/document.xml", "word/styles.xml"):
                data = data.replace(_NO_HANGING, _NO_HANGING_LO)
            target.writestr(item, data)
    return out.getvalue()


def convert(docx: bytes) -> bytes:
    """The PDF of a .docx; raises PdfUnavailable without LibreOffice or when it fails."""
    exe = soffice()
    if exe is None:
        raise PdfUnavailable("本服务器未安装LibreOffice，无法生成PDF，请下载Word文件。")
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    with _lock, tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        source = Path(tmp) / "document.docx"
        try:
            source.write_bytes(for_libreoffice(docx))
        except zipfile.BadZipFile as e:
            raise PdfUnavailable(f"PDF转换失败：{e}") from e
        command = [
            exe,
            f"-env:UserInstallation={_profile().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(source),
        ]
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=TIMEOUT, check=True)
        except (subprocess.SubprocessError, OSError) as e:
            raise PdfUnavailable(f"PDF转换失败：{e}") from e
        result = Path(tmp) / "document.pdf"
        if not result.exists():
            raise PdfUnavailable("PDF转换失败：LibreOffice未生成文件。")
        return result.read_bytes()
