"""Score rules with a past: a change takes effect from the day it is made, and the days
before keep the values that were in force (issue 17: 县住建局's March score moved from
80.00 to 44.00 when a rule changed in April).

`change_rule` is the one way to change a rule (the admin site calls it); it keeps the old
values as a ScoreRuleHistory row valid until yesterday and access-logs old and new
values. `values_on` gives the values a score item of a given day uses. The threshold and
the ladder step of a rule are not versioned (they decide which items exist, not their
points); changing them applies to every period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.org.models import User
from duban.supervise.models import ScoreRule, ScoreRuleHistory

VERSIONED = ("name", "points", "key_weight", "is_active", "text")


@dataclass(frozen=True)
class RuleValues:
    points: Decimal
    key_weight: Decimal
    is_active: bool


@transaction.atomic
def change_rule(
    rule: ScoreRule, *, by: User | None, now: datetime, ip: str | None = None, **new: Any
) -> ScoreRule:
    """Set `new` values on the rule from today on; the past keeps the old ones."""
    old = ScoreRule.objects.select_for_update().get(pk=rule.pk)
    changed = {k: (getattr(old, k), v) for k, v in new.items() if getattr(old, k) != v}
    if not changed:
        return old
    if any(k in VERSIONED for k in changed):
        ScoreRuleHistory.objects.create(
            rule=old,
            valid_until=timezone.localdate(now) - timedelta(days=1),
            changed_at=now,
            changed_by=by,
            **{k: getattr(old, k) for k in VERSIONED},
        )
    for k, (_, v) in changed.items():
        setattr(old, k, v)
    old.save(update_fields=list(changed))
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.ADMIN,
        user=by,
        username=by.username if by else "",
        detail=f"change supervise.ScoreRule {old.pk} ({old.name}) from "
        f"{timezone.localdate(now)}: "
        + "; ".join(f"{k}: {a!s} -> {b!s}" for k, (a, b) in changed.items()),
        ip=ip,
    )
    return old


def history_of(rules: list[ScoreRule]) -> dict[int, list[ScoreRuleHistory]]:
    out: dict[int, list[ScoreRuleHistory]] = {}
    for h in ScoreRuleHistory.objects.filter(rule__in=rules).order_by("valid_until", "id"):
        out.setdefault(h.rule_id, []).append(h)
    return out


def values_on(rule: ScoreRule, day: date, history: list[ScoreRuleHistory]) -> RuleValues:
    for h in history:  # oldest first: the first still valid on `day` was in force then
        if h.valid_until >= day:
            return RuleValues(h.points, h.key_weight, h.is_active)
    return RuleValues(rule.points, rule.key_weight, rule.is_active)
