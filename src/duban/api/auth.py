"""Bearer tokens: who calls, and how often (per token, per minute)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from duban.api import tokens
from duban.api.models import ApiToken


class RateLimited(Exception):
    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(retry_after)
        self.retry_after, self.limit = retry_after, limit


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dbn_…`; the request then acts as the integration's account."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token.strip())
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]  # read by the access log
        allowed, retry = tokens.take_call(found, timezone.now())
        if not allowed:
            raise RateLimited(retry, found.integration.rate_per_minute)
        return found


def caller(request: HttpRequest) -> Any:
    """The service account the request acts as (set by TokenAuth)."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return token.integration.user
