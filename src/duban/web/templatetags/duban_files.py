"""`{{ attachment.name|previewable }}`: whether the 预览 link is offered."""

from __future__ import annotations

from django import template

from duban.web.preview_kinds import preview_kind

register = template.Library()


@register.filter
def previewable(name: str) -> bool:
    return bool(preview_kind(name or ""))
