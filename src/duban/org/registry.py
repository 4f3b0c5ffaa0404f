"""The unit registry as one in-memory lookup, for mapping names found in texts to units.

Extraction meets dozens of names per document; loading the registry once (three queries
plus one per group) beats a query per name. Names are compared after folding full-width
forms and spaces, so 各乡镇（街道） in a text finds 各乡镇(街道) in the registry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import DatabaseError

from duban.org.models import Unit, UnitAlias, UnitGroup
from duban.org.selectors import expand_group


def fold_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


_PREFIX = re.compile(r"^(?:.{1,4}?[县区市])?(?:[县区市]|各)?")
_HEAD = re.compile(r"(?:人民政府|办公室|委员会|局|委|办|中心|公司|站|所|队|院)$")


def _county_relative(name: str) -> str | None:
    m = re.search(r"[县区市]", name)
    if m is None or m.start() == 0 or len(name) - m.start() < 3:
        return None
    return name[m.start() :]


def _core(name: str) -> str:
    """What tells units apart: 县发展和改革局 → 发展和改革; 云溪县财政局 → 财政."""
    core = _HEAD.sub("", _PREFIX.sub("", name, count=1))
    return core or name


@dataclass(frozen=True)
class Suggestion:
    unit_id: int
    name: str  # the registry's full name
    label: str  # the short name shown in forms
    score: float


class Registry:
    """Names → units: full names, short names, aliases and (expanded) groups."""

    def __init__(
        self, units: list[Unit], aliases: dict[int, list[str]], groups: dict[str, list[Unit]]
    ):
        self.units = units
        self._by_name: dict[str, list[Unit]] = {}
        self._spellings: list[tuple[str, Unit]] = []
        for unit in units:
            for spelling in (unit.name, unit.short_name, *aliases.get(unit.pk, [])):
                if spelling:
                    self._by_name.setdefault(fold_name(spelling), [unit])
                    self._spellings.append((fold_name(spelling), unit))
        for unit in units:
            # Texts of the county drop its name: 县发展和改革局 for 云溪县发展和改革局.
            relative = _county_relative(fold_name(unit.name))
            if relative:
                self._by_name.setdefault(relative, [unit])
        for name, members in groups.items():
            self._by_name.setdefault(fold_name(name), members)

    @classmethod
    def load(cls) -> Registry:
        """The current registry; an empty one if the database has no tables yet."""
        try:
            units = list(Unit.objects.filter(is_active=True).order_by("order", "id"))
            aliases: dict[int, list[str]] = {}
            for unit_id, alias in UnitAlias.objects.values_list("unit_id", "alias"):
                aliases.setdefault(unit_id, []).append(alias)
            groups = {
                g.name: [u for u in expand_group(g) if u.is_active] for g in UnitGroup.objects.all()
            }
        except DatabaseError:
            return cls([], {}, {})
        return cls(units, aliases, groups)

    def known_names(self) -> list[str]:
        """Every spelling the registry knows, for the extractor's name recognition."""
        return list(self._by_name)

    def resolve(self, name: str) -> list[Unit] | None:
        """The units a name stands for (a group gives all its members); None if unknown."""
        return self._by_name.get(fold_name(name))

    def resolve_names(self, names: list[str]) -> list[list[str] | None]:
        """For each name, the full names of its registry units, or None (aligned)."""
        out: list[list[str] | None] = []
        for name in names:
            units = self.resolve(name)
            out.append([u.name for u in units] if units is not None else None)
        return out

    def closest(self, name: str, *, limit: int = 3) -> list[Suggestion]:
        """Registry units whose name, short name or alias is most like `name`."""
        key = fold_name(name)
        if not key:
            return []
        best: dict[int, Suggestion] = {}
        for spelling, unit in self._spellings:
            score = SequenceMatcher(None, key, spelling, autojunk=False).ratio()
            if key in spelling or spelling in key:
                score = max(
                    score, 0.6 + 0.4 * min(len(key), len(spelling)) / max(len(key), len(spelling))
                )
            if score >= 0.5 and (unit.pk not in best or best[unit.pk].score < score):
                best[unit.pk] = Suggestion(unit.pk, unit.name, unit.label, round(score, 3))
        return sorted(best.values(), key=lambda s: (-s.score, s.name))[:limit]
