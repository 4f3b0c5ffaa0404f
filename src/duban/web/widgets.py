"""Widgets rendered in Python where Django's template-per-option rendering shows in a page's time.

Django renders every <option> of a Select through its own template include; the ledger's
filter form has about 130 options (the units, the leaders twice), which cost about as much
as the ledger's 50 rows. FastSelect writes the same markup as Django's `select.html` and
`select_option.html` (attributes in order, `selected` bare, text escaped) from the same
context, so the page does not change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As Django's widgets/attrs.html: in the dict's order, True bare, False left out."""
    return mark_safe(
        "".join(
            f" {conditional_escape(k)}" if v is True else format_html(' {}="{}"', k, str(v))
            for k, v in attrs.items()
            if v is not False
        )
    )


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(conditional_escape(p) for p in parts))
