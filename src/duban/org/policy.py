"""The security policy in force: `current()` is the one way to read it.

The secadmin edits the `SecurityPolicy` row (org.actions.set_policy); until they do, the
defaults below apply. They follow 等保 2.0 as 测评 teams read it (reference/security.md
IA-1, IA-2): 8 characters of 3 classes, changed every 90 days, none of the last 5 again,
30 minutes idle, 5 failures lock the account for 15 minutes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Policy:
    min_length: int = 8
    min_classes: int = 3
    expiry_days: int = 90
    history_count: int = 5
    idle_minutes: int = 30
    absolute_hours: int = 12
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    ip_failure_limit: int = 20
    mfa_roles: frozenset[str] = frozenset({"sysadmin", "secadmin", "auditor", "supervisor"})
    ip_allowlists: dict[str, list[str]] = field(default_factory=dict)

    @property
    def idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @property
    def absolute_lifetime(self) -> timedelta:
        return timedelta(hours=self.absolute_hours)

    @property
    def lockout_time(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)

    def mfa_required(self, role: str) -> bool:
        return role in self.mfa_roles

    def address_allowed(self, role: str, ip: str | None) -> bool:
        """The global list and the role's list must both admit the address (empty = any)."""
        for key in ("*", role):
            nets = self.ip_allowlists.get(key) or []
            if nets and not _in_any(ip, nets):
                return False
        return True


def _in_any(ip: str | None, nets: list[str]) -> bool:
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for net in nets:
        try:
            if addr in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue  # set_policy refuses bad entries; a hand-edited one admits nobody
    return False


def defaults() -> Policy:
    """The built-in policy, with any DUBAN_SECURITY_DEFAULTS overrides (tests, demos)."""
    over: dict[str, Any] = dict(getattr(settings, "DUBAN_SECURITY_DEFAULTS", {}) or {})
    if "mfa_roles" in over:
        over["mfa_roles"] = frozenset(over["mfa_roles"])
    return Policy(**over)


def current() -> Policy:
    """The policy in force: the secadmin's row, or the defaults before one is saved."""
    from duban.org.models import SecurityPolicy

    row = SecurityPolicy.objects.filter(pk=1).first()
    if row is None:
        return defaults()
    return Policy(
        min_length=row.min_length,
        min_classes=row.min_classes,
        expiry_days=row.expiry_days,
        history_count=row.history_count,
        idle_minutes=row.idle_minutes,
        absolute_hours=row.absolute_hours,
        lockout_threshold=row.lockout_threshold,
        lockout_minutes=row.lockout_minutes,
        ip_failure_limit=row.ip_failure_limit,
        mfa_roles=frozenset(row.mfa_roles or []),
        ip_allowlists={str(k): [str(n) for n in v] for k, v in (row.ip_allowlists or {}).items()},
    )


# django-axes reads these two (settings.AXES_FAILURE_LIMIT / AXES_COOLOFF_TIME name them),
# so the secadmin's lockout threshold and time apply without a restart.
def axes_failure_limit(request: Any, credentials: Any) -> int:
    return current().lockout_threshold


def axes_cooloff(request: Any = None) -> timedelta:
    return current().lockout_time
