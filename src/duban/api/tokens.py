"""Integrations and their tokens: created, listed and revoked by the system administrator.

These are the only writes of integration records; the sysadmin page and `duban apitoken`
call them. Every change is written to the access log (kind 管理操作).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from duban.api.models import ApiToken, Integration, RateWindow, WebhookScope
from duban.audit.models import AccessKind, AccessLog
from duban.org.models import UNIT_ROLES, Leader, Role, Unit, User
from duban.work.errors import Invalid, Refused
from duban.work.models import EventKind

# The roles an integration may act as. The three administrators (三员) see no work
# records, so no token acts as one of them.
TOKEN_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.AUDITOR, Role.LIAISON, Role.UNIT_HEAD)
TOKEN_PREFIX = "dbn_"


def _admin_log(by: User, detail: str, now: datetime) -> None:
    AccessLog.objects.create(
        at=now, kind=AccessKind.ADMIN, user=by, username=by.username, detail=detail
    )


def _require_sysadmin(by: User) -> None:
    if not by.is_active or by.role != Role.SYSADMIN:
        raise Refused("只有系统管理员可以管理对接系统和令牌。", log=f"{by.role} managing tokens")


def digest(raw: str) -> str:
    # Tokens are 32 random bytes: a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    raw: str  # shown once


def _issue(integration: Integration, by: User, now: datetime) -> Issued:
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        integration=integration, prefix=prefix, digest=digest(raw), created_at=now, created_by=by
    )
    return Issued(token, raw)


@transaction.atomic
def create_integration(
    *,
    name: str,
    role: str,
    by: User,
    unit: Unit | None = None,
    leader: Leader | None = None,
    note: str = "",
    rate_per_minute: int | None = None,
    now: datetime | None = None,
) -> Issued:
    """A new integration, its service account of `role` (of `unit`), and its first token."""
    now = now or timezone.now()
    _require_sysadmin(by)
    name = name.strip()
    if not name:
        raise Invalid("请填写对接系统名称。", log="empty name", field="name")
    if len(name) > 60:
        raise Invalid("对接系统名称不能超过60字。", log="name too long", field="name")
    if Integration.objects.filter(name=name).exists():
        raise Invalid(f"已有名为“{name}”的对接系统。", log="duplicate name", field="name")
    if role not in TOKEN_ROLES:
        raise Invalid(
            "对接系统只能以督查人员、县领导、审计员或单位联络员/负责人的身份调用接口。",
            log=f"bad token role {role}",
            field="role",
        )
    if role in UNIT_ROLES and unit is None:
        raise Invalid("以单位身份调用的对接系统须指定单位。", log="unit missing", field="unit")
    if role in UNIT_ROLES and unit is not None and not unit.is_active:
        raise Invalid(f"单位“{unit.label}”已停用。", log="inactive unit", field="unit")
    if role == Role.LEADER and leader is None:
        raise Invalid(
            "以县领导身份调用的对接系统须指定领导。", log="leader missing", field="leader"
        )
    if role == Role.LEADER and leader is not None and hasattr(leader, "user"):
        raise Invalid(
            f"{leader}已有账号；对接系统请以督查人员或审计员身份调用。",
            log="leader already has a user",
            field="leader",
        )
    rate = rate_per_minute or settings.DUBAN_API_RATE_PER_MINUTE
    if not 1 <= rate <= 100_000:
        raise Invalid("每分钟调用上限须为1至100000。", log="bad rate", field="rate_per_minute")
    user = User(
        username=f"api-{secrets.token_hex(4)}",
        full_name=name[:50],
        role=role,
        unit=unit if role != Role.LEADER else None,
        leader=leader if role == Role.LEADER else None,
        is_active=True,
    )
    user.set_unusable_password()  # a service account never signs in to the pages
    user.save()
    integration = Integration.objects.create(
        name=name,
        note=note.strip()[:200],
        user=user,
        created_at=now,
        created_by=by,
        rate_per_minute=rate,
    )
    issued = _issue(integration, by, now)
    _admin_log(by, f"api integration {integration.pk} created as {role}: {name}", now)
    return issued


@transaction.atomic
def issue_token(*, integration: Integration, by: User, now: datetime | None = None) -> Issued:
    """Another token for an integration (to rotate: issue, switch over, revoke the old one)."""
    now = now or timezone.now()
    _require_sysadmin(by)
    if not integration.user.is_active:
        raise Invalid("该对接系统已停用。", log="integration disabled")
    issued = _issue(integration, by, now)
    _admin_log(by, f"api token {issued.token.prefix} issued for {integration.pk}", now)
    return issued


@transaction.atomic
def revoke_token(*, token: ApiToken, by: User, now: datetime | None = None) -> ApiToken:
    now = now or timezone.now()
    _require_sysadmin(by)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise Invalid("该令牌已吊销。", log=f"token {token.prefix} already revoked")
    token.revoked_at, token.revoked_by = now, by
    token.save(update_fields=["revoked_at", "revoked_by"])
    _admin_log(by, f"api token {token.prefix} revoked", now)
    return token


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            "回调地址须为 http:// 或 https:// 开头的完整地址。", log="bad url", field="webhook_url"
        )
    if len(url) > 500:
        raise Invalid("回调地址不能超过500个字符。", log="url too long", field="webhook_url")
    return url


WEBHOOK_KINDS = [k for k in EventKind.values]


@transaction.atomic
def set_webhook(
    *,
    integration: Integration,
    url: str,
    by: User,
    kinds: list[str] | None = None,
    scope: str = WebhookScope.OWN,
    new_secret: bool = False,
    now: datetime | None = None,
) -> str:
    """Subscribe the integration to task events at `url`; returns the signing secret.

    A new subscription starts from now: events already recorded are not sent. An empty
    `url` switches the webhook off (pending deliveries stay, and are not sent).
    """
    now = now or timezone.now()
    _require_sysadmin(by)
    from duban.work.models import Event

    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    if not url.strip():
        integration.webhook_url = ""
        integration.save(update_fields=["webhook_url"])
        _admin_log(by, f"api webhook of {integration.pk} switched off", now)
        return ""
    url = _check_url(url)
    kinds = list(dict.fromkeys(kinds or []))
    bad = [k for k in kinds if k not in EventKind.values]
    if bad:
        raise Invalid(f"事件类型无效：{'、'.join(bad)}。", log=f"bad kinds {bad}", field="kinds")
    if scope not in WebhookScope.values:
        raise Invalid("推送范围无效。", log=f"bad scope {scope}", field="scope")
    was_off = not integration.webhook_url
    if new_secret or not integration.webhook_secret:
        integration.webhook_secret = secrets.token_hex(32)
    if was_off:
        last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        integration.webhook_scan_from = integration.webhook_mark = last
        integration.webhook_mark_at = now
    integration.webhook_url, integration.webhook_kinds = url, kinds
    integration.webhook_scope = scope
    integration.save()
    _admin_log(by, f"api webhook of {integration.pk} set to {url} ({scope}, {kinds})", now)
    return integration.webhook_secret


# ---------------------------------------------------------------- at request time


def authenticate(raw: str) -> ApiToken | None:
    """The live token `raw` names, or None (unknown, revoked, or its account disabled)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = (
        ApiToken.objects.select_related("integration__user__unit", "integration__user__leader")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, digest(raw)):
        return None
    if not token.integration.user.is_active:
        return None
    return token


def take_call(token: ApiToken, now: datetime) -> tuple[bool, int]:
    """Count one call in the token's current minute; (allowed, seconds until the next one).

    The increment is one UPDATE, so several server processes count together. A minute's
    row is created by the first call in it; a race on that insert retries the UPDATE.
    """
    start = now.replace(second=0, microsecond=0)
    rows = RateWindow.objects.filter(token=token, start=start)
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateWindow.objects.create(token=token, start=start, count=1)
            # Old minutes are of no further use; this token's are dropped as a new one opens.
            RateWindow.objects.filter(token=token, start__lt=start - timedelta(minutes=5)).delete()
        except IntegrityError:
            rows.update(count=F("count") + 1)
    count = rows.values_list("count", flat=True).first() or 0
    retry = 60 - now.second
    return count <= token.integration.rate_per_minute, retry
