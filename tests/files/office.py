"""A small office driven through the actions, with a task in every state documents show.

Dates: work starts Monday 2026-03-02; "today" is 2026-04-15.

key        县发改局 leads, 县财政局 co; key item, in progress with one report (03-20); due
           2026-04-30. Key items report weekly (the county's default key cycle), so by
           04-15 it has missed three Fridays: red, like the overdue task
meeting    县财政局 leads, 城关镇 co; closed on time (2026-03-16, due 2026-03-18)
late       城关镇 leads; closed late (2026-04-02, due 2026-03-20)
overdue    新华乡 leads; open, due 2026-03-10: overdue and red
fresh      县发改局 leads; assigned, not yet received; due 2026-05-31
draft      decomposed, never assigned
withdrawn  assigned to 县财政局, then withdrawn
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duban.coordination.tick import tick
from duban.org.models import Leader, Unit
from duban.work import actions
from duban.work.models import Task
from tests.conftest import County, at

TODAY = at("2026-04-15 18:00")


def make(
    county: County,
    now: datetime,
    *,
    kind: str = "instruction",
    content: str,
    lead: list[Unit],
    co: list[Unit] | None = None,
    due: str = "2026-06-30",
    leader: Leader | None = None,
    doc_no: str = "",
    assign: bool = True,
    **kw: Any,
) -> Task:
    d = actions.register(
        by=county.alice,
        now=now,
        kind=kind,
        title="关于" + content[:20] + "的批示",
        urgency="normal",
        received_at=now,
        doc_no=doc_no,
        issuer="县长",
        issuer_leader=(leader or county.leader_lily) if kind == "instruction" else None,
    )
    draft = actions.TaskDraft(
        content=content, lead=lead, co=co or [], due={"date": due}, leader=leader, **kw
    )
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=now)
    if assign:
        actions.assign(task=t, by=county.alice, now=now)
    t.refresh_from_db()
    return t


def close(county: County, task: Task, liaison: Any, when: str) -> None:
    now = at(when)
    actions.receive(task=task, by=liaison, now=now)
    actions.submit_done(task=task, text="已全部完成，资料已归档。", by=liaison, now=now)
    actions.verify(confirm_silent_co=True, task=task, accept=True, by=county.alice, now=now)
    actions.close(task=task, by=county.alice, now=now)


class Office:
    def __init__(self, county: County) -> None:
        c, monday = county, at("2026-03-02 09:00")
        self.key = make(
            c, monday, content="城东污水处理厂建设", lead=[c.a], co=[c.b], due="2026-04-30",
            leader=c.leader_lily, is_key=True, doc_no="云政阅〔2026〕3号",
        )  # fmt: skip
        actions.receive(task=self.key, by=c.amy, now=at("2026-03-03 09:00"))
        actions.report_progress(
            task=self.key, text="主体工程完成60%", by=c.amy, now=at("2026-03-20 10:00")
        )
        self.meeting = make(
            c, monday, kind="meeting", content="老旧小区改造", lead=[c.b], co=[c.c],
            due="2026-03-18", leader=c.leader_wang, doc_no="县政府常务会议纪要〔2026〕2号",
        )  # fmt: skip
        close(c, self.meeting, c.bob, "2026-03-16 10:00")
        self.late = make(
            c, monday, kind="superior", content="农村道路硬化", lead=[c.c], due="2026-03-20"
        )
        close(c, self.late, c.carl, "2026-04-02 10:00")
        self.overdue = make(
            c, monday, kind="key_work", content="乡镇卫生院改造", lead=[c.d], due="2026-03-10",
            leader=c.leader_lily,
        )  # fmt: skip
        self.fresh = make(
            c, at("2026-04-10 09:00"), content="编制年度计划", lead=[c.a], due="2026-05-31"
        )
        self.draft = make(c, monday, content="起草实施方案", lead=[c.a], assign=False)
        self.withdrawn = make(c, monday, content="临时调研", lead=[c.b])
        actions.withdraw(
            task=self.withdrawn, reason="工作调整", by=c.alice, now=at("2026-03-05 09:00")
        )
        tick(now=TODAY)
        for t in (self.key, self.meeting, self.late, self.overdue, self.fresh, self.withdrawn):
            t.refresh_from_db()
