"""Refusals with a Chinese message for the user and an English one for the log."""

from __future__ import annotations


class ActionError(Exception):
    """An action was refused; nothing was stored.

    `message` is shown to the user (Chinese); `log` goes to the log (English); `field`
    names the form field or input column at fault, when there is one.
    """

    def __init__(self, message: str, *, log: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.log = log or message
        self.field = field


class Refused(ActionError):
    """The actor may not do this (wrong role or wrong unit). Also written to the access log."""


class Invalid(ActionError):
    """The input or the task's state does not allow this action."""
