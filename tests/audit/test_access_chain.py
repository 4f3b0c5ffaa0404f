"""The access log is hash-chained like the record (security.md AU-2, DI-1)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from duban.audit.access import record, verify_access_chain
from duban.audit.chain import GENESIS
from duban.audit.models import AccessHead, AccessKind, AccessLog, AccessLogImmutable


def _rows(n: int) -> list[AccessLog]:
    return [record(AccessKind.VIEW, username=f"u{i}", target=f"task:{i}") for i in range(n)]


@pytest.mark.django_db
def test_rows_are_chained_in_sequence() -> None:
    rows = _rows(3)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].hash
    head = AccessHead.objects.get()
    assert (head.seq, head.hash) == (3, rows[2].hash)
    report = verify_access_chain()
    assert report.ok and report.rows == 3


@pytest.mark.django_db
def test_a_row_created_the_old_way_is_chained_too() -> None:
    from django.utils import timezone

    AccessLog.objects.create(at=timezone.now(), kind=AccessKind.EXPORT, username="x")
    assert AccessLog.objects.get().seq == 1 and verify_access_chain().ok


@pytest.mark.django_db
def test_a_changed_row_is_found_by_its_number() -> None:
    _rows(4)
    with connection.cursor() as c:
        c.execute("UPDATE audit_accesslog SET detail = 'nothing to see' WHERE seq = 2")
    report = verify_access_chain()
    assert not report.ok and report.first_bad_seq == 2
    assert "第2条访问日志的内容被改动" in report.problems[0]


@pytest.mark.django_db
def test_a_deleted_row_in_the_middle_is_found() -> None:
    _rows(4)
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_accesslog WHERE seq = 3")
    report = verify_access_chain()
    assert report.first_bad_seq == 4 and "第3条访问日志缺失" in report.problems[0]


@pytest.mark.django_db
def test_a_removed_tail_is_found_through_the_head() -> None:
    _rows(4)
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_accesslog WHERE seq = 4")
    report = verify_access_chain()
    assert not report.ok and "应有4条，实际3条" in report.problems[0]


@pytest.mark.django_db
def test_rows_cannot_be_changed_or_deleted_through_the_orm() -> None:
    [row] = _rows(1)
    row.detail = "changed"
    with pytest.raises(AccessLogImmutable):
        row.save()
    with pytest.raises(AccessLogImmutable):
        row.delete()
    with pytest.raises(AccessLogImmutable):
        AccessLog.objects.all().delete()
    with pytest.raises(AccessLogImmutable):
        AccessLog.objects.filter(pk=row.pk).update(detail="x")
    assert verify_access_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_no_gap_and_no_duplicate() -> None:
    """Eight threads, each its own connection, append 25 rows at once (PostgreSQL: the
    head row's lock orders them). SQLite's test database is in memory with a shared cache,
    which raises table locks instead of waiting; SQLite writers are serialised by its
    IMMEDIATE transactions in production, so this runs on PostgreSQL only."""
    if connection.vendor == "sqlite":
        pytest.skip("needs a database server; the SQLite test database is in memory")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                record(AccessKind.VIEW, username=f"w{n}", target=f"task:{i}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(AccessLog.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 201))
    assert verify_access_chain().ok


@pytest.mark.django_db
def test_the_page_check_covers_the_newest_rows_and_the_full_check_all() -> None:
    _rows(6)
    with connection.cursor() as c:
        c.execute("UPDATE audit_accesslog SET detail = 'x' WHERE seq = 2")
    recent = verify_access_chain(last=3)
    assert recent.ok and recent.partial_from == 4 and recent.rows == 3
    assert verify_access_chain().first_bad_seq == 2
    with connection.cursor() as c:
        c.execute("UPDATE audit_accesslog SET detail = 'x' WHERE seq = 5")
    assert verify_access_chain(last=3).first_bad_seq == 5


@pytest.mark.django_db
def test_duban_audit_verify_covers_the_access_log() -> None:
    from django.core.management import CommandError, call_command

    _rows(2)
    call_command("audit", "verify")
    with connection.cursor() as c:
        c.execute("UPDATE audit_accesslog SET username = 'y' WHERE seq = 1")
    with pytest.raises(CommandError):
        call_command("audit", "verify")
