"""{% meeting_source directive_id %}: where a 会议议定事项 came from, asked of the meetings
app so that work (directives, tasks) never imports it."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from duban.meetings import selectors

register = template.Library()


@register.simple_tag
def meeting_source(directive_id: int) -> SafeString | str:
    found = selectors.source_of(directive_id)
    if found is None:
        return ""
    label, meeting_id = found
    return format_html(
        '<p class="meeting-source"><strong>会议来源</strong> <a href="{}">{}</a></p>',
        reverse("meeting_detail", args=[meeting_id]),
        label,
    )
