"""`duban audit rekey` (密评 key rotation, or a database made before the chains were keyed):
every chain checked under the old key first, a broken one refused by name with nothing
changed, then everything recomputed under the new key, the rekey itself logged, and
`audit verify` clean."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban import crypto
from duban.audit.access import record, verify_access_chain
from duban.audit.models import AccessKind, AccessLog
from duban.audit.verify import verify_chain
from duban.management import rekey
from duban.supervise import actions as sv
from duban.supervise import record as sv_record
from duban.supervise.models import SupervisionEvent
from duban.work import actions
from duban.work.models import Event, Task
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")
OLD, NEW = secrets.token_hex(32), secrets.token_hex(32)


@pytest.fixture
def use_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def use(hex_key: str) -> None:
        monkeypatch.setenv("DUBAN_CHAIN_KEY", hex_key)
        crypto.chain_key.cache_clear()

    yield use
    crypto.chain_key.cache_clear()


@pytest.fixture
def office(county: County, use_key) -> Task:  # type: ignore[no-untyped-def]
    """A record written under the OLD key: a task with its steps, a campaign, sign-ins."""
    use_key(OLD)
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.amy, now=NOW)
    actions.report_progress(task=t, text="已完成招标", by=county.amy, now=NOW)
    sv.create_campaign(
        title="防汛专项督查",
        theme="汛前准备",
        checklist=["物资储备"],
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 31),
        by=county.alice,
        units=[county.a],
        now=NOW,
    )
    for who in ("alice", "amy", "mallory"):
        record(AccessKind.LOGIN_OK, username=who)
    return t


def verify_out() -> str:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    return out.getvalue()


def rekey_cmd(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "rekey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def old_key_file(tmp_path: Path) -> str:
    path = tmp_path / "old_chain_key"
    path.write_text(OLD)
    return str(path)


def hashes() -> list[str]:
    return [
        *Event.objects.order_by("id").values_list("hash", flat=True),
        *SupervisionEvent.objects.order_by("id").values_list("hash", flat=True),
        *AccessLog.objects.order_by("seq").values_list("hash", flat=True),
    ]


def test_a_rotated_key_is_applied_to_every_chain(
    county: County,
    office: Task,
    use_key,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    assert "流转记录校验通过" in verify_out()
    use_key(NEW)  # the key file replaced: the old record no longer verifies
    assert not verify_chain().ok and sv_record.verify().problems != []
    assert not verify_access_chain().ok

    out, err = rekey_cmd("--old-key", old_key_file(tmp_path))
    assert err == ""
    assert f"原密钥 {rekey.fingerprint(bytes.fromhex(OLD))}" in out and "已更换密钥" in out
    assert "请立即运行 duban audit anchor" in out
    assert "流转记录校验通过" in verify_out()
    assert sv_record.verify().problems == []

    # The rekey is in the administrators' log, under the new key, naming no key.
    row = AccessLog.objects.order_by("-seq").first()
    assert row is not None and row.kind == "admin" and row.target == "chain_key"
    assert row.detail.startswith("chain rekey from sm3:")
    assert OLD not in row.detail and NEW not in row.detail
    assert verify_access_chain().ok

    # And the record goes on under the new key.
    actions.submit_done(task=office, text="已完工", by=county.amy, now=NOW)
    assert verify_chain().ok


def test_a_database_from_before_the_keyed_chains_is_keyed(
    office: Task,
    use_key,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Make it as the code before keying did: plain SM3 throughout (and no log row of that,
    # which would be chained with the key).
    with monkeypatch.context() as m:
        m.setattr(rekey.access, "record", lambda *args, **kwargs: None)
        assert rekey.rekey(bytes.fromhex(OLD), None, username="test").ok
    use_key(NEW)
    assert not verify_chain().ok

    out, _ = rekey_cmd("--unkeyed")
    assert "原密钥 unkeyed" in out and "已更换密钥" in out
    assert "流转记录校验通过" in verify_out()


def test_a_broken_chain_is_refused_by_name_and_nothing_changes(
    office: Task,
    use_key,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    ev = Event.objects.get(task=office, kind="progress")
    Event.objects.filter(pk=ev.pk).update(payload={**ev.payload, "text": "已全面完成"})
    use_key(NEW)
    before = hashes()
    logged = AccessLog.objects.count()

    with pytest.raises(CommandError, match=r"未更换密钥：.*数据库未作任何改动"):
        out, err = StringIO(), StringIO()
        try:
            call_command(
                "audit", "rekey", "--old-key", old_key_file(tmp_path), stdout=out, stderr=err
            )
        finally:
            problems = err.getvalue()
    name = f"任务 {office.code}（task id {office.pk}）"
    assert f"{name}：第{ev.seq}条记录在原密钥下校验不通过" in problems
    assert hashes() == before and AccessLog.objects.count() == logged


def test_the_wrong_old_key_is_refused(
    office: Task,
    use_key,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    use_key(NEW)
    wrong = tmp_path / "wrong"
    wrong.write_text(secrets.token_hex(32))
    with pytest.raises(CommandError, match="未更换密钥"):
        rekey_cmd("--old-key", str(wrong))
    with pytest.raises(CommandError, match="未更换密钥"):
        rekey_cmd("--unkeyed")


def test_an_interrupted_rekey_is_finished_by_running_it_again(
    office: Task,
    use_key,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_key(NEW)
    monkeypatch.setattr(rekey, "BATCH_ROWS", 2)
    real, calls = rekey._write, []

    def dies_on_the_third(kind: str, todo: list[tuple[int, str, str]]) -> None:
        calls.append(kind)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the operator's ^C, or the machine going down
        real(kind, todo)

    monkeypatch.setattr(rekey, "_write", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        rekey.rekey(bytes.fromhex(OLD), crypto.chain_key(), username="test")
    assert not verify_chain().ok or not verify_access_chain().ok  # half done
    monkeypatch.setattr(rekey, "_write", real)

    out, _ = rekey_cmd("--old-key", old_key_file(tmp_path))
    assert "已更换密钥" in out
    assert "流转记录校验通过" in verify_out()
