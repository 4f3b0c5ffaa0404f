"""Reads of the organisation: group expansion, name resolution, a leader's line."""

from __future__ import annotations

from django.db.models import QuerySet

from duban.org.models import Leader, Unit, UnitAlias, UnitGroup


def expand_group(group: UnitGroup) -> list[Unit]:
    """The member units of a group and of every group it includes, in registry order."""
    seen_groups: set[int] = set()
    unit_ids: set[int] = set()
    stack = [group]
    while stack:
        g = stack.pop()
        if g.pk in seen_groups:
            continue  # the loader refuses cycles; this guards hand-edited data
        seen_groups.add(g.pk)
        unit_ids.update(g.members.values_list("id", flat=True))
        stack.extend(g.subgroups.all())
    return list(Unit.objects.filter(id__in=unit_ids).order_by("order", "id"))


def resolve_units(name: str) -> list[Unit] | None:
    """Units a name in a text stands for: a unit's name, short name or alias, or a group.

    None when the registry does not know the name.
    """
    name = name.strip()
    if not name:
        return None
    unit = Unit.objects.filter(name=name).first() or Unit.objects.filter(short_name=name).first()
    if unit is None:
        alias = UnitAlias.objects.select_related("unit").filter(alias=name).first()
        unit = alias.unit if alias else None
    if unit is not None:
        return [unit]
    group = UnitGroup.objects.filter(name=name).first()
    return expand_group(group) if group else None


def line_units(leader: Leader) -> QuerySet[Unit]:
    """The units in a leader's line (分管)."""
    return Unit.objects.filter(portfolio__leader=leader).order_by("order", "id")


def leader_of(unit: Unit) -> Leader | None:
    """The leader whose line holds the unit (the first, if the county head shares it)."""
    return Leader.objects.filter(portfolio__unit=unit).order_by("order", "id").first()
