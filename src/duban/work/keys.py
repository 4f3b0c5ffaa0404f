"""重点督办: a key task reports at least as often as the county's key cycle.

The key cycle is a supervision setting (`supervise.models.SupervisionConfig`), but work
must not import supervise (layers: org → work → supervise). So work owns the rule and
asks a *source* for the setting; supervise plugs its settings row in when the app is
ready (`supervise/apps.py`). Without supervise the county default applies.
"""

from __future__ import annotations

from collections.abc import Callable

from duban.work.models import Cycle

# Shorter first: a key task's cycle is never longer than the configured key cycle.
CYCLE_RANK = {Cycle.WEEKLY: 1, Cycle.MONTHLY: 2, Cycle.QUARTERLY: 3, Cycle.NONE: 4}

KeyCycleSource = Callable[[], tuple[str, int]]


def _default_source() -> tuple[str, int]:
    return Cycle.WEEKLY, 5  # SupervisionConfig's defaults: weekly, on Fridays


_source: KeyCycleSource = _default_source


def use_key_cycle_source(source: KeyCycleSource) -> None:
    """Set where the county's (key_cycle, key_cycle_day) setting is read from."""
    global _source
    _source = source


def key_cycle(cycle: str, cycle_day: int | None, is_key: bool) -> tuple[str, int | None]:
    """The report cycle a task gets: its own, or the key cycle when that is shorter."""
    if not is_key or cycle == Cycle.WEEKLY:
        return cycle, cycle_day  # nothing is shorter than weekly: no need to read settings
    conf_cycle, conf_day = _source()
    if CYCLE_RANK[Cycle(cycle)] > CYCLE_RANK[Cycle(conf_cycle)]:
        day = None if conf_cycle == Cycle.QUARTERLY else conf_day
        return conf_cycle, day
    return cycle, cycle_day
