"""重点督办: key tasks report at least as often as the county's key cycle."""

from __future__ import annotations

from duban.supervise.models import config
from duban.work.models import Cycle

# Shorter first: a key task's cycle is never longer than the configured key cycle.
CYCLE_RANK = {Cycle.WEEKLY: 1, Cycle.MONTHLY: 2, Cycle.QUARTERLY: 3, Cycle.NONE: 4}


def key_cycle(cycle: str, cycle_day: int | None, is_key: bool) -> tuple[str, int | None]:
    """The report cycle a task gets: its own, or the key cycle when that is shorter."""
    if not is_key or cycle == Cycle.WEEKLY:
        return cycle, cycle_day  # nothing is shorter than weekly: no need to read settings
    conf = config()
    if CYCLE_RANK[Cycle(cycle)] > CYCLE_RANK[Cycle(conf.key_cycle)]:
        day = None if conf.key_cycle == Cycle.QUARTERLY else conf.key_cycle_day
        return conf.key_cycle, day
    return cycle, cycle_day
