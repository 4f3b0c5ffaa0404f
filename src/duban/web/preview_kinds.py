"""Which attachments open in the page (issue 12, point 8), by the file name's extension.

SVG is left out on purpose: it can carry script, and it would run on our origin.
"""

from __future__ import annotations

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
}
PDF = "application/pdf"


def preview_kind(name: str) -> str:
    """ "image", "pdf", "docx", or "" when the file can only be downloaded."""
    lower = name.lower()
    ext = lower[lower.rfind(".") :] if "." in lower else ""
    if ext in IMAGE_TYPES:
        return "image"
    if ext == ".pdf":
        return "pdf"
    if ext == ".docx":
        return "docx"
    return ""
