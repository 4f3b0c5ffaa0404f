"""The generic chain (records/): what `audit verify` and `audit rekey` find in it.

A holder model is made for the test only, in its own app registry, with its table created
and dropped around each test, so no other test sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import isolate_apps

from duban.records import chain
from duban.records.models import ChainedRecord, RecordEvent
from duban.work.actions.core import action
from duban.work.models import writing
from tests.conftest import County, at


@pytest.fixture
def holder_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[ChainedRecord]]:
    with isolate_apps("duban.records"):

        class Note(ChainedRecord):
            STREAM_PREFIX = "tn"
            RECORD_LABEL = "测试记录"
            title = models.CharField(max_length=50)

            class Meta:
                app_label = "records"

            def __str__(self) -> str:
                return self.title

        with connection.schema_editor() as editor:
            editor.create_model(Note)
        monkeypatch.setattr(chain, "holder_models", lambda: [Note])
        try:
            yield Note
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Note)


@action
def _write(*, model: type[ChainedRecord], title: str, steps: int, by: Any) -> Any:
    note = model(title=title)  # type: ignore[misc]
    note.save()
    for i in range(steps):
        chain.append(note, kind=f"step{i}", at=at("2026-03-02 09:00"), by=by, payload={"i": i})
    return note


pytestmark = pytest.mark.django_db(transaction=True)


def test_appended_events_chain_and_verify(
    county: County, holder_model: type[ChainedRecord]
) -> None:
    note = _write(model=holder_model, title="甲", steps=3, by=county.alice)
    events = chain.events_of(note)
    assert [e.kind for e in events] == ["step0", "step1", "step2"]
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[0].actor_unit_id == county.alice.unit_id
    note.refresh_from_db()
    assert (note.event_seq, note.head_hash) == (3, events[-1].hash)
    report = chain.verify()
    assert (report.streams, report.events, report.problems) == (1, 3, [])


def test_a_changed_payload_is_named(county: County, holder_model: type[ChainedRecord]) -> None:
    note = _write(model=holder_model, title="乙", steps=2, by=county.alice)
    RecordEvent.objects.filter(stream=note.stream, seq=2).update(payload={"i": 9})
    assert chain.verify().problems == [
        f"测试记录“乙”（id {note.pk}）：第2条记录（step1）的内容被改动。"
    ]


def test_a_removed_last_event_is_found(county: County, holder_model: type[ChainedRecord]) -> None:
    note = _write(model=holder_model, title="丙", steps=2, by=county.alice)
    models.QuerySet.delete(RecordEvent.objects.filter(stream=note.stream, seq=2))
    (problem,) = chain.verify().problems
    assert "记录应有2条，实际1条" in problem


def test_audit_verify_fails_on_a_broken_record_chain(
    county: County, holder_model: type[ChainedRecord]
) -> None:
    note = _write(model=holder_model, title="丁", steps=1, by=county.alice)
    call_command("audit", "verify")
    RecordEvent.objects.filter(stream=note.stream).update(kind="forged")
    with pytest.raises(CommandError, match="流转记录校验未通过"):
        call_command("audit", "verify")


def test_events_are_append_only(county: County, holder_model: type[ChainedRecord]) -> None:
    note = _write(model=holder_model, title="戊", steps=1, by=county.alice)
    (event,) = chain.events_of(note)
    with writing(), pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    with pytest.raises(RuntimeError, match="only by duban actions"):
        RecordEvent(stream="tn:99", seq=1, kind="x", at=at("2026-03-02 09:00")).save()


def test_rekey_rewrites_record_chains(
    county: County, holder_model: type[ChainedRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    from duban.management import rekey

    old_key, new_key = bytes(32), bytes(range(32))
    # The chains were written under old_key; the site now holds new_key.
    monkeypatch.setattr("duban.audit.chain.chain_key", lambda: old_key)
    note = _write(model=holder_model, title="己", steps=2, by=county.alice)
    _write(model=holder_model, title="庚", steps=1, by=county.alice)
    monkeypatch.setattr("duban.audit.chain.chain_key", lambda: new_key)
    assert chain.verify().problems  # the old-key chain does not verify under the new key
    report = rekey.rekey(old_key, new_key, username="sec")
    assert (report.problems, report.rekeyed) == ([], 3)
    assert chain.verify().problems == []
    note.refresh_from_db()
    assert note.head_hash == chain.events_of(note)[-1].hash
