"""The ledger import writes through the bulk writer (issue 11 point 20) exactly what the
actions write: the same ledger imported the slow way (every row through the actions) and
the fast way gives the same directives, tasks, assignments, events (kind, actor, time,
payload, in chain order), progress reports and notifications, and `audit verify` and
`rebuild` pass; a ledger the actions refuse is refused with the same messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from duban.audit.verify import rebuild, verify_chain
from duban.documents import ledger_import
from duban.documents.models import ImportState, LedgerImport
from duban.notify.models import Outbox
from duban.work.models import Directive, Event, LoopConfig, ProgressReport, SilentCoUnits, Task
from tests.conftest import County
from tests.files.office import TODAY
from tests.files.test_ledger_import import write

HEADER = [
    "序号", "事项来源", "来文文号", "交办日期", "事项内容", "牵头领导", "牵头单位", "配合单位",
    "完成时限", "办理状态", "最新进展", "办结日期", "备注",
]  # fmt: skip
ROWS: list[list[Any]] = [
    ["一、城乡建设"],
    [1, "领导批示件", "云政阅〔2026〕3号", "2026-01-05", "老旧小区改造", "李丽", "县发改局",
     "县财政局、城关镇", "2026-06-30", "办理中", "已完成摸底", None, "重点"],
    [2, "领导批示件", "云政阅〔2026〕3号", "2026-01-05", "污水管网建设", "李丽", "县财政局",
     None, "30个工作日", "待签收", None, None, None],
    [3, "县政府常务会议", "云政常纪〔2026〕2号", "2026-02-10", "农村公路提档", "王刚", "城关镇",
     "县发改局", "2026-03-31", "已办结", "已按要求完成", "2026-03-20", None],
    ["二、民生保障"],
    [4, "县政府常务会议", "云政常纪〔2026〕2号", "2026-02-10", "养老中心建设", None, "发改局",
     None, "年底前", "待审核", "主体已完工", None, None],
    [5, "上级交办", None, "2026-03-01", "河道清淤", None, "县财政局", None, "每季度末",
     "办理中", None, None, None],
    [6, "上级交办", "市督字〔2026〕9号", "2026-03-02", "森林防火巡查", None, "城关镇",
     "县财政局", "2026-05-30", "已撤销", None, None, "撤销原因：机构调整"],
    [7, "督查整改", "云督改〔2026〕1号", "2026-01-20", "营商环境整改", None, "县发改局",
     "县财政局", "2026-02-28", "已审核", "已整改到位", "2026-02-27", None],
    [8, "重点项目", None, None, "招商项目落地", None, "县发改局", None, "长期坚持", "待交办",
     None, None, None],
    [9, "民生实事", "云民实〔2026〕4号", "2026-01-08", "饮水安全巩固", None, "县财政局", None,
     "2026-02-15", "办理中", "正在推进", None, None],
]  # fmt: skip


def snapshot() -> dict[str, Any]:
    """Everything an import wrote, without database ids (the two runs' ids differ)."""
    tasks = {}
    for t in Task.objects.select_related("directive").prefetch_related("assignments"):
        d = t.directive
        events = [
            (e.seq, e.kind, e.at, e.actor_id, e.actor_unit_id, e.payload)
            for e in t.events.order_by("seq")
        ]
        tasks[t.content] = {
            "directive": (d.kind, d.title, d.doc_no, d.issuer, d.issuer_leader_id, d.status),
            "directive_times": (d.received_at, d.registered_at, d.first_assigned_at, d.year),
            "directive_events": [
                (e.seq, e.kind, e.at, e.actor_id, e.payload)
                for e in d.events.filter(task=None).order_by("seq")
            ],
            "siblings": sorted(d.tasks.values_list("number", "content")),
            "fields": {
                name: getattr(t, name)
                for name in (
                    "number",
                    "status",
                    "light",
                    "due",
                    "lead_unit_id",
                    "leader_id",
                    "cycle",
                    "cycle_day",
                    "assigned_at",
                    "received_at",
                    "submitted_at",
                    "verified_at",
                    "closed_at",
                    "closed_on_time",
                    "reported_slots",
                    "missing_reports",
                    "event_seq",
                    "updated_at",
                    "is_key",
                )
            },
            "assignments": sorted(
                (a.unit_id, a.role, a.position, a.status, a.assigned_at, a.received_at)
                for a in t.assignments.all()
            ),
            "events": events,
            "reports": [
                (r.unit_id, r.author_id, r.at, r.slot, r.late, r.text, r.event.seq)
                for r in ProgressReport.objects.filter(task=t).select_related("event")
            ],
            "outbox": sorted(
                (o.recipient_id, o.kind, o.title, o.body, o.created_at, o.directive_id == d.pk)
                for o in Outbox.objects.filter(task=t)
            ),
        }
    return tasks


def import_both(county: County, path: Path) -> tuple[Any, Any, Any, Any]:
    with transaction.atomic():
        slow = ledger_import.import_file(path, by=county.alice, now=TODAY, through_actions=True)
        slow_rows = snapshot()
        transaction.set_rollback(True)  # gone again: the fast way starts from the same county
    assert not Task.objects.exists() and not Directive.objects.exists()
    fast = ledger_import.import_file(path, by=county.alice, now=TODAY)
    return slow, slow_rows, fast, snapshot()


def test_the_bulk_import_writes_what_the_actions_write(county: County, tmp_path: Path) -> None:
    path = write(tmp_path / "台账.xlsx", [HEADER, *ROWS])
    slow, slow_rows, fast, fast_rows = import_both(county, path)
    assert slow.ok and fast.ok, (slow.lines(), fast.lines())
    assert fast.lines() == slow.lines() and fast.verdict() == slow.verdict()
    assert fast.verdict() == "已导入9项，已存在而跳过0项。"
    assert set(fast_rows) == set(slow_rows)
    for content, row in slow_rows.items():
        for part, value in row.items():
            assert fast_rows[content][part] == value, (content, part)
    # What the comparison covers: every step a ledger row can take, notices and reports.
    kinds = {e[1] for row in fast_rows.values() for e in row["events"]}
    assert kinds >= {"created", "assigned", "received", "progress", "submitted", "verified",
                     "closed", "withdrawn", "light_changed"}  # fmt: skip
    assert any(row["outbox"] for row in fast_rows.values())
    assert any(row["reports"] for row in fast_rows.values())
    assert fast_rows["老旧小区改造"]["directive"][4] is not None  # the 批示领导
    assert Event.objects.filter(kind="light_changed").exists()
    assert verify_chain().ok and rebuild().differing == []
    call_command("audit", "verify")  # exits non-zero (SystemExit) on a broken chain


@pytest.mark.parametrize("setting", ["block_silent", "unit_review"])
def test_rows_the_actions_refuse_are_refused_alike(
    county: County, tmp_path: Path, setting: str
) -> None:
    config = LoopConfig.objects.filter(pk=1).first() or LoopConfig(pk=1)
    if setting == "block_silent":
        config.silent_co_units = SilentCoUnits.BLOCK
    else:
        config.unit_review = config.unit_review_progress = True
    config.save()
    rows = [
        HEADER,
        *ROWS,
        [10, None, None, "2026-03-01", "卫生院改造", None, "新华乡", None, "2026-05-01",
         "已办结", None, "2026-03-20", None],  # no liaison to record the 签收
        [11, None, None, "2026-03-01", "补办手续", None, "县发改局", None, "2026-02-01",
         "待签收", None, None, None],  # a deadline before the assignment
    ]  # fmt: skip
    path = write(tmp_path / "台账.xlsx", rows)
    slow, _, fast, _ = import_both(county, path)
    assert not fast.ok and not Task.objects.exists()
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    messages = " ".join(str(p) for p in fast.problems)
    assert "第13行" in messages and "新华乡没有联络员账号" in messages
    if setting == "block_silent":
        assert (
            "第10行：配合单位县财政局尚未签收或未报送办理情况，按本县设置不能审核通过。" in messages
        )
    else:  # 县发改局 has a unit head: its liaison's reports wait for the head
        assert "本县要求联络员的报送经单位负责人审核" in messages


def test_progress_is_reported_for_both_phases(county: County, tmp_path: Path) -> None:
    path = write(tmp_path / "台账.xlsx", [HEADER, *ROWS])
    seen: list[tuple[str, int, int]] = []
    report = ledger_import.import_file(
        path, by=county.alice, now=TODAY, progress=lambda *p: seen.append(p)
    )
    assert report.imported
    assert seen[0][0] == "check" and ("check", 9, 9) in seen
    assert seen[-1] == ("apply", 9, 9)


def test_the_import_page_shows_a_running_import_and_polls_its_progress(
    county: County, tmp_path: Path, client_for: Any
) -> None:
    # An import the command line is running: claimed, 200 of 1,000 rows written.
    claimed = ledger_import._claim("0" * 64, name="台账.xlsx", by=county.alice, total=1000, done=0)
    assert not isinstance(claimed, str)
    record, _ = claimed
    LedgerImport.objects.filter(pk=record.pk).update(rows_done=200)
    client = client_for(county.alice)
    page = client.get(reverse("ledger_import")).content.decode()
    assert "台账.xlsx" in page and "正在导入，已处理200/1000行" in page and "20%" in page
    assert 'hx-trigger="every 2s"' in page
    fragment = client.get(reverse("ledger_import_progress"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "已处理200/1000行" in text and '<progress max="1000" value="200"' in text
    assert "<html" not in text  # the fragment alone
    # Once it stops (here: refused), the page stops polling and says how far it got.
    LedgerImport.objects.filter(pk=record.pk).update(state=ImportState.STOPPED, error="测试。")
    text = client.get(reverse("ledger_import_progress")).content.decode()
    assert "已处理200/1000行，导入尚未完成" in text and "every 2s" not in text
