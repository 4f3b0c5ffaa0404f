"""Finding units and groups by what a person types: name, short name, alias or pinyin initials."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from duban.org.models import Unit, UnitGroup
from duban.org.selectors import expand_group


@dataclass(frozen=True)
class Match:
    label: str
    units: list[tuple[int, str]]  # (unit id, label); a group carries all its members
    is_group: bool


def find_units(query: str, *, limit: int = 12) -> list[Match]:
    q = query.strip()
    if not q:
        return []
    key = q.lower()
    units = (
        Unit.objects.filter(is_active=True)
        .filter(
            Q(name__contains=q)
            | Q(short_name__contains=q)
            | Q(aliases__alias__contains=q)
            | Q(search_key__contains=key)
        )
        .distinct()
        .order_by("order", "id")[:limit]
    )
    matches = [Match(u.label, [(u.pk, u.label)], False) for u in units]
    for group in UnitGroup.objects.filter(name__contains=q).order_by("name")[:5]:
        members = [(u.pk, u.label) for u in expand_group(group) if u.is_active]
        matches.append(Match(f"{group.name}（{len(members)}个单位）", members, True))
    return matches
