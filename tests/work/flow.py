"""Helpers that drive tasks through the actions (tests only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duban.org.models import Unit
from duban.work import actions
from duban.work.models import Directive, Task


def directive(county: Any, now: datetime, **kw: Any) -> Directive:
    fields: dict[str, Any] = {
        "kind": "instruction",
        "title": "关于加快推进城东污水处理厂建设的批示",
        "urgency": "normal",
        "received_at": now,
        "issuer": "县长",
        "doc_no": "云政阅〔2026〕3号",
        "issuer_leader": county.leader_lily,
    }
    fields.update(kw)
    return actions.register(by=county.alice, now=now, **fields)


def task(
    county: Any,
    now: datetime,
    *,
    lead: list[Unit] | None = None,
    co: list[Unit] | None = None,
    due: dict[str, Any] | None = None,
    assign: bool = True,
    **kw: Any,
) -> Task:
    d = directive(county, now)
    draft = actions.TaskDraft(
        content=kw.pop("content", "加快推进城东污水处理厂建设，6月底前完成主体工程"),
        lead=lead if lead is not None else [county.a],
        co=co if co is not None else [county.b],
        due=due if due is not None else {"date": "2026-06-30"},
        leader=kw.pop("leader", county.leader_lily),
        **kw,
    )
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=now)
    if assign:
        actions.assign(task=t, by=county.alice, now=now)
    t.refresh_from_db()
    return t
