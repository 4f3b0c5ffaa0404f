"""Widgets rendered in Python where Django's template-per-option rendering shows in a page's time.

Django renders every <option> of a Select through its own template include; the ledger's
filter form has about 130 options (the units, the leaders twice), which cost about as much
as the ledger's 50 rows. FastSelect writes the same markup as Django's `select.html` and
`select_option.html` (attributes in order, `selected` bare, text escaped) from the same
context, so the page does not change.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeData, SafeString, mark_safe


def _esc(value: Any) -> str:
    """As Django's conditional_escape, without its lazy-string machinery per call."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """As Django's widgets/attrs.html: in the dict's order, True bare, False left out."""
    return "".join(
        f" {_esc(k)}" if v is True else f' {_esc(k)}="{_esc(str(v))}"'
        for k, v in attrs.items()
        if v is not False
    )


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_esc(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_esc(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{_esc(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{_esc(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))
