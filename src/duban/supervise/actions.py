"""Supervision actions: the only way to change supervision records (STYLE.md rule 1).

Same discipline as `work/actions.py`: each function takes the actor as `by` and the time
as `now`, checks role and state, and in one transaction (the `@action` decorator) appends
the event, writes the record and queues notifications. A finding, a reopening and an
appeal go on the task's own chain through `record`; a spot check's draw and a campaign go
on their own chains (`supervise/record.py`). A rectification (整改) is a new directive
registered, decomposed and assigned through the work actions themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.utils import timezone

from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import Role, Unit, User
from duban.supervise import record as chain
from duban.supervise import sampling, scores
from duban.supervise.keys import CYCLE_RANK
from duban.supervise.models import (
    AppealStatus,
    Campaign,
    CampaignStatus,
    CampaignVisit,
    Check,
    ScoreAppeal,
    SpotCheck,
    SpotCheckItem,
    SpotCheckStatus,
    Verdict,
    config,
)
from duban.supervise.spotchecks import Filters, population
from duban.work import actions as work
from duban.work.actions.core import (
    _check_attachments,
    _lock,
    _now,
    _require_role,
    _require_state,
    _require_supervisor,
    _store_attachments,
    _supervisors,
    _units_on,
    action,
)
from duban.work.context import rule_context
from duban.work.errors import Invalid, Refused
from duban.work.models import (
    Cycle,
    DirectiveKind,
    EventKind,
    Task,
    TaskStatus,
    Urgency,
)

MAX_SEED = 2**63 - 1


# ---------------------------------------------------------------- key items


@action
def mark_key(
    *, task: Task, is_key: bool, reason: str, by: User, now: datetime | None = None
) -> Task:
    """重点督办: flag a task as key (or no longer key). A key task reports at least as
    often as the county's key cycle; the shorter cycle counts from today."""
    now = _now(now)
    _require_supervisor(by, "调整重点督办")
    task = _lock(task)
    _require_state(task, EventKind.KEY_CHANGED, "调整重点督办")
    reason = work.require_text(reason, "reason", "理由")
    if task.is_key == is_key:
        raise Invalid(
            "该事项已是重点督办事项。" if is_key else "该事项不是重点督办事项。",
            log=f"task {task.pk} is_key already {is_key}",
        )
    payload: dict[str, Any] = {"is_key": is_key, "reason": reason}
    conf = config()
    if is_key and CYCLE_RANK[Cycle(task.cycle)] > CYCLE_RANK[Cycle(conf.key_cycle)]:
        payload["cycle"] = conf.key_cycle
        payload["cycle_day"] = None if conf.key_cycle == Cycle.QUARTERLY else conf.key_cycle_day
        payload["previous_cycle"] = task.cycle
    work.record(task, kind=EventKind.KEY_CHANGED, at=now, by=by, unit=by.unit, payload=payload)
    if task.status != TaskStatus.DRAFT:
        enqueue_for_units(
            _units_on(task),
            kind="key_changed",
            title=("列为重点督办：" if is_key else "取消重点督办：") + task.content[:40],
            body=reason
            + (f"\n请按{task.get_cycle_display()}报送进展。" if "cycle" in payload else ""),
            task=task,
            now=now,
        )
    return task


# ---------------------------------------------------------------- spot checks


@action
def draw_spot_check(
    *,
    title: str,
    by: User,
    filters: Filters,
    size: int | None = None,
    rate: Decimal | None = None,
    stratify: bool = False,
    seed: int | None = None,
    now: datetime | None = None,
) -> SpotCheck:
    """随机抽查: draw a sample of closed tasks with a recorded seed (supervise/sampling.py).

    Without a seed, one is chosen at random and recorded; the draw event keeps the seed,
    the filters, the whole population and the sample, so anyone can draw it again.
    """
    now = _now(now)
    _require_supervisor(by, "组织随机抽查")
    title = work.require_text(title, "title", "抽查名称")
    if (size is None) == (rate is None):
        raise Invalid("请填写样本量或抽查比例（二选一）。", log="size xor rate", field="size")
    if seed is None:
        seed = secrets.randbelow(10**12)
    if not 0 <= seed <= MAX_SEED:
        raise Invalid("随机种子须为非负整数。", log=f"bad seed {seed}", field="seed")
    members = population(filters)
    if not members:
        raise Invalid("符合条件的已办结事项为0项，无法抽查。", log="empty population")
    try:
        n = sampling.sample_size(len(members), size=size, rate=rate)
    except ValueError as e:
        raise Invalid(
            "样本量须至少为1，抽查比例须在0至100之间。", log=str(e), field="size"
        ) from None
    sample = sampling.draw(members, seed=seed, n=n, stratify=stratify)
    ids = [m.task_id for m in members]
    check = SpotCheck(
        title=title,
        seed=seed,
        size=n,
        rate=rate,
        stratify=stratify,
        filters=filters.as_json(),
        population=len(members),
        population_digest=sampling.population_digest(ids),
        created_at=now,
        created_by=by,
    )
    check.save()
    for position, task_id in enumerate(sample, start=1):
        SpotCheckItem(spot_check=check, task_id=task_id, position=position).save()
    chain.append(
        check,
        kind="drawn",
        at=now,
        by=by,
        payload={
            "title": title,
            "seed": seed,
            "size": size,
            "rate": str(rate) if rate is not None else None,
            "stratify": stratify,
            "filters": filters.as_json(),
            # (task, lead unit) pairs: with strata, the draw needs the units of the day.
            "population": [[m.task_id, m.unit_id] for m in members],
            "population_digest": check.population_digest,
            "sample": sample,
        },
    )
    return check


def _rectification(
    *, by: User, now: datetime, unit: Unit, title: str, content: str, source: str, task: Task | None
) -> Task:
    """整改: a new directive (kind rectification) with one task for `unit`, assigned now."""
    directive = work.register(
        kind=DirectiveKind.RECTIFICATION,
        title=title[:200],
        urgency=Urgency.NORMAL,
        received_at=now,
        issuer="县政府督查室",
        text=source,
        by=by,
        now=now,
    )
    [created] = work.decompose(
        directive=directive,
        tasks=[
            work.TaskDraft(
                content=content,
                lead=[unit],
                requirement="整改到位，报送整改报告及佐证材料。",
                leader=task.leader if task else None,
                due={"workdays": config().rectify_workdays},
            )
        ],
        by=by,
        now=now,
    )
    work.assign(task=created, by=by, now=now)
    created.refresh_from_db()
    return created


@action
def record_finding(
    *,
    item: SpotCheckItem,
    verdict: str,
    notes: str,
    by: User,
    rectify: bool = False,
    attachments: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> SpotCheckItem:
    """On-site finding for one sampled task: 属实 / 基本属实 / 不属实.

    不属实 reopens the task (重新办理) with the rectification deadline, and with `rectify`
    also opens a rectification directive (整改) for its lead unit.
    """
    now = _now(now)
    _require_supervisor(by, "录入抽查核实结果")
    item = SpotCheckItem.objects.select_for_update().select_related("spot_check").get(pk=item.pk)
    if item.spot_check.status != SpotCheckStatus.OPEN:
        raise Invalid("该抽查已完成，不能再录入核实结果。", log="spot check closed")
    if item.verdict:
        raise Invalid(
            f"该事项已录入核实结果“{item.get_verdict_display()}”。", log=f"item {item.pk} found"
        )
    if verdict not in Verdict.values:
        raise Invalid("请选择核实结果。", log=f"bad verdict {verdict}", field="verdict")
    notes = (notes or "").strip()
    if verdict != Verdict.TRUE:
        notes = work.require_text(notes, "notes", "核查发现的问题")
    if rectify and verdict != Verdict.FALSE:
        raise Invalid("只有核实不属实的事项才需另行交办整改。", log="rectify needs false")
    task = _lock(item.task)
    _require_state(task, EventKind.SPOT_CHECKED, "录入抽查核实结果")
    assert task.lead_unit is not None
    checked = _check_attachments(attachments, task=task)
    fix: Task | None = None
    if rectify:
        fix = _rectification(
            by=by,
            now=now,
            unit=task.lead_unit,
            title=f"整改：{task.content[:60]}",
            content=f"针对事项{task.code}随机抽查发现的问题进行整改：{notes}",
            source=f"随机抽查“{item.spot_check.title}”核实不属实。{notes}",
            task=task,
        )
    label = Verdict(verdict).label
    payload: dict[str, Any] = {
        "spot_check": item.spot_check_id,
        "item": item.pk,
        "verdict": verdict,
        "unit": task.lead_unit_id,
        "note": f"随机抽查“{item.spot_check.title}”核实：{label}。" + notes,
        "attachments": work.attachment_payload(checked),
    }
    if fix is not None:
        payload["rectification"] = fix.pk
        payload["note"] += f"（另行交办整改事项{fix.code}）"
    event = work.record(
        task, kind=EventKind.SPOT_CHECKED, at=now, by=by, unit=by.unit, payload=payload
    )
    _store_attachments(checked, by=by, now=now, event=event, task=task)
    if verdict == Verdict.FALSE and task.status == TaskStatus.CLOSED:
        ctx = rule_context()
        spec = {"workdays": config().rectify_workdays}
        resolved = work.resolve_due_from(spec, timezone.localdate(now), ctx)
        work.record(
            task,
            kind=EventKind.REOPENED,
            at=now,
            by=by,
            unit=by.unit,
            ctx=ctx,
            payload={
                **work.due_payload(spec, resolved),
                "reason": f"随机抽查核实不属实：{notes}",
                "spot_check": item.spot_check_id,
            },
        )
        enqueue_for_units(
            _units_on(task),
            kind="reopened",
            title=f"抽查不属实，重新办理：{task.content[:40]}",
            body=f"核查发现：{notes}\n请于{resolved.due:%Y年%m月%d日}前整改到位并重新报送办结。",
            task=task,
            now=now,
        )
    item.verdict, item.notes, item.found_at, item.found_by = verdict, notes, now, by
    item.event, item.rectification = event, fix
    item.save(update_fields=["verdict", "notes", "found_at", "found_by", "event", "rectification"])
    return item


@action
def close_spot_check(
    *, spot_check: SpotCheck, summary: str, by: User, now: datetime | None = None
) -> SpotCheck:
    """抽查完成: every sampled task has its finding; the summary closes the check."""
    now = _now(now)
    _require_supervisor(by, "完成随机抽查")
    check = SpotCheck.objects.select_for_update().get(pk=spot_check.pk)
    if check.status != SpotCheckStatus.OPEN:
        raise Invalid("该抽查已完成。", log=f"spot check {check.pk} closed")
    waiting = check.items.filter(verdict="").count()
    if waiting:
        raise Invalid(f"尚有{waiting}项未录入核实结果。", log=f"{waiting} items without finding")
    summary = work.require_text(summary, "summary", "抽查情况")
    counts = {v: check.items.filter(verdict=v).count() for v in Verdict.values}
    check.status, check.closed_at, check.summary = SpotCheckStatus.CLOSED, now, summary
    check.save(update_fields=["status", "closed_at", "summary"])
    chain.append(check, kind="closed", at=now, by=by, payload={"summary": summary, **counts})
    return check


# ---------------------------------------------------------------- score appeals


@action
def appeal_score(
    *, item_key: str, reason: str, by: User, now: datetime | None = None
) -> ScoreAppeal:
    """考评申诉: the head of the unit contests one deduction, with a reason."""
    now = _now(now)
    _require_role(by, {Role.UNIT_HEAD}, "提出考评申诉")
    item = scores.find_item(item_key, now=now)
    if item is None or item.unit_id != by.unit_id:
        raise Refused("只能对本单位的考评扣分提出申诉。", log=f"item {item_key} not of unit")
    if item.points >= 0:
        raise Invalid("加分项无需申诉。", log=f"item {item_key} is not a deduction")
    if ScoreAppeal.objects.filter(item_key=item_key).exists():
        raise Invalid("该扣分已提出过申诉。", log=f"item {item_key} appealed")
    reason = work.require_text(reason, "reason", "申诉理由")
    task = _lock(item.task)
    _require_state(task, EventKind.SCORE_APPEALED, "提出考评申诉")
    assert by.unit is not None
    event = work.record(
        task,
        kind=EventKind.SCORE_APPEALED,
        at=now,
        by=by,
        unit=by.unit,
        payload={
            "item": item_key,
            "rule": item.rule.pk,
            "rule_name": item.rule.name,
            "points": str(item.points),
            "reason": reason,
        },
    )
    appeal = ScoreAppeal(
        item_key=item_key,
        unit=by.unit,
        task=task,
        rule=item.rule,
        points=item.points,
        reason=reason,
        filed_at=now,
        filed_by=by,
        filed_event=event,
    )
    appeal.save()
    enqueue_for_users(
        _supervisors(),
        kind="score_appealed",
        title=f"{by.unit.label}考评申诉：{item.rule.name}",
        body=f"事项{task.code}，{item.points}分。理由：{reason}",
        task=task,
        now=now,
    )
    return appeal


@action
def decide_appeal(
    *, appeal: ScoreAppeal, uphold: bool, reason: str, by: User, now: datetime | None = None
) -> ScoreAppeal:
    """申诉裁定: the office upholds the appeal (the item counts zero) or keeps the points."""
    now = _now(now)
    _require_supervisor(by, "裁定考评申诉")
    appeal = ScoreAppeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.PENDING:
        raise Invalid("该申诉已裁定。", log=f"appeal {appeal.pk} decided")
    reason = work.require_text(reason, "reason", "裁定意见")
    task = _lock(appeal.task)
    _require_state(task, EventKind.APPEAL_DECIDED, "裁定考评申诉")
    event = work.record(
        task,
        kind=EventKind.APPEAL_DECIDED,
        at=now,
        by=by,
        unit=by.unit,
        payload={
            "appeal": appeal.pk,
            "item": appeal.item_key,
            "upheld": uphold,
            "note": "申诉成立，该项不计分。" if uphold else "维持原分。",
            "reason": reason,
        },
    )
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    appeal.decided_at, appeal.decided_by, appeal.decision_reason = now, by, reason
    appeal.decided_event = event
    appeal.save(
        update_fields=["status", "decided_at", "decided_by", "decision_reason", "decided_event"]
    )
    enqueue_for_units(
        [appeal.unit],
        kind="appeal_decided",
        title=("考评申诉成立：" if uphold else "考评申诉未成立：") + appeal.rule.name,
        body=f"事项{task.code}。意见：{reason}",
        task=task,
        now=now,
    )
    return appeal


# ---------------------------------------------------------------- campaigns


def _scope_units(campaign: Campaign) -> list[Unit]:
    ids = set(campaign.units.values_list("id", flat=True))
    ids |= {u for u in campaign.tasks.values_list("lead_unit_id", flat=True) if u is not None}
    return list(Unit.objects.filter(id__in=ids).order_by("order", "id"))


@action
def create_campaign(
    *,
    title: str,
    theme: str,
    checklist: Sequence[str],
    starts_on: date,
    ends_on: date,
    by: User,
    units: Sequence[Unit] = (),
    tasks: Sequence[Task] = (),
    now: datetime | None = None,
) -> Campaign:
    """专项督查: a themed inspection of some units and/or tasks, with a checklist."""
    now = _now(now)
    _require_supervisor(by, "组织专项督查")
    title = work.require_text(title, "title", "专项督查名称")
    items = [line.strip() for line in checklist if line.strip()]
    if not items:
        raise Invalid("请至少列出一项检查内容。", log="empty checklist", field="checklist")
    if not units and not tasks:
        raise Invalid("请指定督查的单位或事项。", log="empty scope", field="units")
    if ends_on < starts_on:
        raise Invalid("结束日期不能早于开始日期。", log="ends before start", field="ends_on")
    drafts = [t.code for t in tasks if t.status in (TaskStatus.DRAFT, TaskStatus.WITHDRAWN)]
    if drafts:
        raise Invalid(
            f"事项{'、'.join(drafts)}未交办或已撤销，不能列入督查范围。",
            log="draft in scope",
            field="tasks",
        )
    campaign = Campaign(
        title=title,
        theme=theme.strip(),
        checklist=items,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=now,
        created_by=by,
    )
    campaign.save()
    campaign.units.set(units)
    campaign.tasks.set(tasks)
    chain.append(
        campaign,
        kind="created",
        at=now,
        by=by,
        payload={
            "title": title,
            "theme": campaign.theme,
            "checklist": items,
            "units": [u.pk for u in units],
            "tasks": [t.pk for t in tasks],
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    enqueue_for_units(
        _scope_units(campaign),
        kind="campaign",
        title=f"专项督查通知：{title}",
        body=f"{starts_on:%m月%d日}至{ends_on:%m月%d日}开展专项督查。检查内容：\n"
        + "\n".join(f"{i}. {line}" for i, line in enumerate(items, start=1)),
        now=now,
    )
    return campaign


@action
def record_visit(
    *,
    campaign: Campaign,
    unit: Unit,
    visited_on: date,
    inspectors: str,
    results: Sequence[tuple[str, str]],
    by: User,
    notes: str = "",
    rectify: bool = False,
    now: datetime | None = None,
) -> CampaignVisit:
    """督查走访: what a visit to one unit found, per checklist item (check, note).

    With `rectify` and any item 未落实, a rectification directive (整改) goes to the unit.
    """
    now = _now(now)
    _require_supervisor(by, "录入督查情况")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise Invalid("该专项督查已结束。", log=f"campaign {campaign.pk} closed")
    if unit.pk not in {u.pk for u in _scope_units(campaign)}:
        raise Invalid(f"{unit.label}不在本次督查范围内。", log="unit out of scope", field="unit")
    if visited_on > timezone.localdate(now):
        raise Invalid("督查日期不能晚于今天。", log="visit in future", field="visited_on")
    inspectors = work.require_text(inspectors, "inspectors", "督查人员")
    if len(results) != len(campaign.checklist):
        raise Invalid("请逐项填写检查结果。", log="results do not match checklist")
    rows = []
    for text, (check, note) in zip(campaign.checklist, results, strict=True):
        if check not in Check.values:
            raise Invalid(f"请选择“{text}”的检查结果。", log=f"bad check {check}")
        if check != Check.DONE and not note.strip():
            raise Invalid(f"请说明“{text}”未落实的情况。", log="note missing")
        rows.append({"item": text, "check": check, "note": note.strip()})
    problems = [r for r in rows if r["check"] == Check.NOT_DONE]
    if rectify and not problems:
        raise Invalid("没有未落实的检查项，无需交办整改。", log="rectify needs not_done")
    fix: Task | None = None
    if rectify:
        listed = "；".join(f"{r['item']}：{r['note']}" for r in problems)
        fix = _rectification(
            by=by,
            now=now,
            unit=unit,
            title=f"整改：{campaign.title}发现问题（{unit.label}）",
            content=f"专项督查“{campaign.title}”发现问题整改：{listed}",
            source=f"专项督查“{campaign.title}”{visited_on:%Y年%m月%d日}督查发现：{listed}",
            task=None,
        )
    event = chain.append(
        campaign,
        kind="visited",
        at=now,
        by=by,
        payload={
            "unit": unit.pk,
            "visited_on": visited_on.isoformat(),
            "inspectors": inspectors,
            "results": rows,
            "notes": notes.strip(),
            "rectification": fix.pk if fix else None,
        },
    )
    visit = CampaignVisit(
        campaign=campaign,
        unit=unit,
        visited_on=visited_on,
        inspectors=inspectors,
        results=rows,
        notes=notes.strip(),
        recorded_at=now,
        recorded_by=by,
        event=event,
        rectification=fix,
    )
    visit.save()
    return visit


@action
def close_campaign(
    *, campaign: Campaign, report: str, by: User, now: datetime | None = None
) -> Campaign:
    """专项督查结束: the closing report (督查报告) with the figures of every visit."""
    now = _now(now)
    _require_supervisor(by, "结束专项督查")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise Invalid("该专项督查已结束。", log=f"campaign {campaign.pk} closed")
    report = work.require_text(report, "report", "督查报告")
    visits = list(campaign.visits.all())
    if not visits:
        raise Invalid("尚未录入任何督查情况，不能结束。", log="no visits")
    tally = {c: 0 for c in Check.values}
    for v in visits:
        for r in v.results:
            tally[r["check"]] += 1
    campaign.status, campaign.closed_at, campaign.report = CampaignStatus.CLOSED, now, report
    campaign.save(update_fields=["status", "closed_at", "report"])
    chain.append(
        campaign,
        kind="closed",
        at=now,
        by=by,
        payload={
            "report": report,
            "visits": len(visits),
            "units": len({v.unit_id for v in visits}),
            **tally,
            "rectifications": [v.rectification_id for v in visits if v.rectification_id],
        },
    )
    return campaign
