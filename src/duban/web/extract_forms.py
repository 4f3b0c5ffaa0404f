"""Draft tasks from a pasted text or an uploaded .docx, as prefilled task forms.

Each draft becomes a `DraftTaskForm`: the register form's own TaskForm, unbound, with the
units the registry knows already chosen, and each name it does not know listed with the
closest registry units to pick from. Nothing is stored here: the supervisor corrects the
drafts, and the register view creates them through the actions as usual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from duban.extract.tasks import DraftTask
from duban.org.registry import Registry
from duban.web.directive_forms import TaskForm
from duban.work.deadlines import parse_due_input
from duban.work.models import Cycle

_CYCLES = {"weekly": Cycle.WEEKLY, "monthly": Cycle.MONTHLY, "quarterly": Cycle.QUARTERLY}


@dataclass(frozen=True)
class Choice:
    label: str
    units: str  # JSON [{"id", "label"}], the shape the unit picker's options carry


@dataclass(frozen=True)
class Unknown:
    """A name in the text that the registry does not know, and the closest units."""

    name: str
    choices: list[Choice]


class DraftTaskForm(TaskForm):
    """A TaskForm prefilled from a draft; `chosen` shows the prefilled units as chips."""

    def __init__(
        self,
        *args: Any,
        picked: dict[str, list[tuple[int, str]]],
        unknown: dict[str, list[Unknown]],
        source: DraftTask,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.picked = picked
        self.unknown = unknown
        self.source = source

    def chosen(self, name: str) -> list[tuple[int, str]]:
        if self.is_bound:
            return super().chosen(name)
        return self.picked.get(name, [])

    @property
    def lead_unknown(self) -> list[Unknown]:
        return self.unknown.get("lead", [])

    @property
    def co_unknown(self) -> list[Unknown]:
        return self.unknown.get("co", [])

    @property
    def past_note(self) -> str:
        """识别出的时限已过（2025年11月30日），请核对: the text's deadline lies before the
        document's date (or today). Kept in the box as written, flagged on this draft."""
        due = self.source.deadline
        if not self.source.deadline_past or due is None:
            return ""
        return f"识别出的时限已过（{due.year}年{due.month}月{due.day}日），请核对。"


def _units_for(names: list[str], registry: Registry) -> tuple[list[tuple[int, str]], list[Unknown]]:
    picked: list[tuple[int, str]] = []
    unknown: list[Unknown] = []
    for name in names:
        units = registry.resolve(name)
        if units is None:
            choices = [
                Choice(
                    s.label, json.dumps([{"id": s.unit_id, "label": s.label}], ensure_ascii=False)
                )
                for s in registry.closest(name)
            ]
            unknown.append(Unknown(name, choices))
            continue
        for unit in units:
            if unit.pk not in {pk for pk, _ in picked}:
                picked.append((unit.pk, unit.label))
    return picked, unknown


def _due(task: DraftTask) -> str:
    if task.deadline is not None:
        return task.deadline.isoformat()
    if task.deadline_raw:
        try:
            parse_due_input(task.deadline_raw)
        except ValueError:
            return ""  # 长期坚持, 6小时内 …: left to the office default, visible in the text
        return task.deadline_raw
    return ""


def draft_forms(tasks: list[DraftTask], registry: Registry) -> list[DraftTaskForm]:
    forms = []
    for i, task in enumerate(tasks):
        lead, lead_unknown = _units_for(task.lead, registry)
        co, co_unknown = _units_for(task.co, registry)
        lead_ids = {pk for pk, _ in lead}
        co = [(pk, label) for pk, label in co if pk not in lead_ids]
        kind, _, day = (task.cycle or "").partition(":")
        cycle = _CYCLES.get(kind, Cycle.NONE)
        requirement = ""
        if task.cycle_raw and cycle == Cycle.NONE:
            requirement = f"报送要求：{task.cycle_raw}"
        initial = {
            "content": task.text,
            "due": _due(task),
            "cycle": cycle,
            "cycle_day": int(day) if day and cycle != Cycle.QUARTERLY else None,
            "requirement": requirement,
        }
        forms.append(
            DraftTaskForm(
                prefix=f"tasks-{i}",
                initial=initial,
                picked={"lead": lead, "co": co},
                unknown={"lead": lead_unknown, "co": co_unknown},
                source=task,
            )
        )
    return forms
