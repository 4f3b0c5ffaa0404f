"""重点督办: the county's key cycle comes from the supervision settings row.

The rule itself lives in `work.keys` (work may not import supervise); this module is the
settings source that `SuperviseConfig.ready` plugs into it.
"""

from __future__ import annotations

from duban.supervise.models import config
from duban.work.keys import CYCLE_RANK, key_cycle

__all__ = ["CYCLE_RANK", "county_key_cycle", "key_cycle"]


def county_key_cycle() -> tuple[str, int]:
    conf = config()
    return conf.key_cycle, conf.key_cycle_day
