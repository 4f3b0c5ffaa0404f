"""Form fields that refuse, with a Chinese message, values the database cannot take.

A unit id of 2^63 or more passes Django's ModelChoiceField (it only catches ValueError and
TypeError) and then overflows SQLite's 64-bit INTEGER in the lookup: a 500 (issue 17).
Every id typed into a form goes through `pk_value` before it reaches a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Model

MAX_PK = 2**63 - 1  # BIGINT on PostgreSQL, INTEGER on SQLite


def pk_value(raw: Any) -> int | None:
    """The id in `raw`, or None when it is not a whole number a database can hold."""
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_PK else None


class SafeModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def to_python(self, value: Any) -> Model | None:
        if value not in self.empty_values and pk_value(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def _check_values(self, value: Iterable[Any]) -> Any:
        for raw in value:
            if pk_value(raw) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(raw)[:20]},
                )
        return super()._check_values(value)  # type: ignore[misc]


class IdConverter:
    """`<id:pk>` in URL patterns: like `<int:pk>`, but a number too large for the database
    (an id past 2^63 overflowed SQLite in the lookup: a 500) does not match, so it is a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
