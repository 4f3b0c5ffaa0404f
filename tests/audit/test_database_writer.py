"""The record against someone who can write to the database (issue 17 point 10).

Each test changes rows with SQL-level updates (queryset.update, which skips the models'
guards as raw SQL would) and runs `duban audit verify` as an operator would.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from duban.audit import anchor
from duban.audit.chain import GENESIS, canonical, event_hash
from duban.crypto import chain_key
from duban.work import actions
from duban.work.models import (
    Directive,
    Event,
    ExtensionRequest,
    LoopConfig,
    ProgressReport,
    Task,
    UnitReview,
)
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


@pytest.fixture
def task(county: County) -> Task:
    t = flow.task(county, NOW, due={"date": "2026-06-30"})
    actions.receive(task=t, by=county.amy, now=NOW + timedelta(hours=1))
    actions.report_progress(
        task=t, text="已完成立项批复", by=county.amy, now=NOW + timedelta(days=1)
    )
    actions.request_extension(
        task=t,
        new_due=at("2026-09-30 00:00").date(),
        reason="汛期停工",
        by=county.amy,
        now=NOW + timedelta(days=2),
    )
    t.refresh_from_db()
    return t


def verify(*args: str) -> str:
    err = io.StringIO()
    try:
        call_command("audit", "verify", *args, stderr=err, stdout=io.StringIO())
    except CommandError:
        return err.getvalue()
    return ""


def test_an_untouched_record_passes(task: Task) -> None:
    assert verify() == ""


def test_a_rewritten_progress_report_is_found(task: Task) -> None:
    ProgressReport.objects.update(text="已全面完成")  # the row the pages and exports show
    assert "进展报告" in verify() and "被改动" in verify()


def test_a_rewritten_directive_title_or_text_is_found(task: Task) -> None:
    d = task.directive
    Directive.objects.filter(pk=d.pk).update(title="关于表扬的批示")
    assert f"来文 {d.code}" in verify() and "title" in verify()
    Directive.objects.filter(pk=d.pk).update(title=d.title, text="另一段正文")
    assert "text 与登记记录不一致" in verify()


def test_a_rewritten_extension_reason_is_found(task: Task) -> None:
    ExtensionRequest.objects.update(reason="资金未到位")
    assert "延期申请" in verify()


def test_a_rewritten_submission_waiting_at_the_unit_head_is_found(
    task: Task, county: County
) -> None:
    """单位审核: the head approves what the row says; it must be what the liaison sent."""
    LoopConfig.objects.create(pk=1, unit_review=True, unit_review_progress=True)
    actions.send_for_unit_review(
        task=task, what="progress", text="拆迁完成六成", by=county.amy, now=NOW + timedelta(days=3)
    )
    assert verify() == ""
    UnitReview.objects.update(text="拆迁全部完成")
    assert "单位审核" in verify() and "被改动" in verify()


def _recompute(task: Task, event_hash_fn: object) -> None:
    """What a database writer does: change an event and rebuild the chain after it."""
    prev = GENESIS
    for ev in Event.objects.filter(task=task).order_by("seq"):
        body = canonical(
            stream=ev.stream,
            seq=ev.seq,
            kind=ev.kind,
            at=ev.at,
            actor_id=ev.actor_id,
            actor_unit_id=ev.actor_unit_id,
            directive_id=ev.directive_id,
            task_id=ev.task_id,
            payload=ev.payload,
        )
        digest = event_hash_fn(prev, body)  # type: ignore[operator]
        Event.objects.filter(pk=ev.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    Task.objects.filter(pk=task.pk).update(head_hash=prev)


def _tamper_report(task: Task) -> None:
    ev = Event.objects.get(task=task, kind="progress")
    Event.objects.filter(pk=ev.pk).update(payload={**ev.payload, "text": "已全面完成"})
    ProgressReport.objects.update(text="已全面完成")


def test_a_chain_recomputed_without_the_key_is_found(task: Task) -> None:
    """Before: SM3 without a key, so anyone could recompute the chain after an edit."""

    def plain_sm3(prev: str, body: bytes) -> str:
        h = hashes.Hash(hashes.SM3())
        h.update(prev.encode())
        h.update(body)
        return h.finalize().hex()

    _tamper_report(task)
    _recompute(task, plain_sm3)
    assert "的内容被改动" in verify()


def test_a_chain_recomputed_with_the_key_is_caught_by_an_anchor(task: Task, tmp_path: Path) -> None:
    path, made = anchor.make(tmp_path, now=NOW + timedelta(days=3))
    assert len(made.root) == 64 and verify("--anchor", str(path)) == ""
    _tamper_report(task)
    _recompute(task, event_hash)  # someone who also holds the chain key
    assert verify() == ""  # the key alone cannot tell: this is what the anchor is for
    problems = verify("--anchor", str(path))
    assert "与 2026-03-05 的锚定值不一致" in problems


def test_events_after_the_anchor_are_allowed_and_truncation_is_not(
    task: Task, county: County, tmp_path: Path
) -> None:
    path, _ = anchor.make(tmp_path, now=NOW + timedelta(days=3))
    actions.urge(task=task, message="请加快", by=county.alice, now=NOW + timedelta(days=4))
    assert verify("--anchor", str(path)) == ""
    last = Event.objects.filter(task=task).order_by("-seq")[:2]
    Event.objects.filter(pk__in=[e.pk for e in last]).delete()
    Task.objects.filter(pk=task.pk).update(event_seq=F("event_seq") - 2)
    assert "锚定值不一致" in verify("--anchor", str(path))


def test_a_forged_anchor_file_is_refused(task: Task, tmp_path: Path) -> None:
    import gzip
    import json

    path, _ = anchor.make(tmp_path, now=NOW)
    with gzip.open(path, "rt") as f:
        raw = json.load(f)
    raw["heads"] = raw["heads"][:-1]
    with gzip.open(path, "wt") as f:
        json.dump(raw, f)
    assert "锚定文件" in verify("--anchor", str(path))


def test_the_key_lives_outside_the_database(task: Task, settings: object) -> None:
    key_file = Path(settings.DATA_DIR) / "chain_key"  # type: ignore[attr-defined]
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    assert bytes.fromhex(key_file.read_text()) == chain_key()
