"""A refused administrative change, with a Chinese message and the field at fault."""

from __future__ import annotations


class OrgError(Exception):
    """Nothing was stored. `message` is for the user; `field` names the form field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class OrgRefused(OrgError):
    """The actor's role may not do this; also written to the access log."""
