"""登记序号 are allocated from a locked counter row: gapless, and no race (issue 18 defect 1)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from duban.work import serials
from duban.work.errors import Invalid
from duban.work.models import Directive, SerialCounter
from tests.conftest import County, at
from tests.work.flow import directive

NOW = at("2026-03-10 09:00")


def test_serials_count_up_per_year_and_the_code_shows_them(county: County) -> None:
    first = directive(county, NOW)
    second = directive(county, NOW)
    next_year = directive(county, at("2027-01-04 09:00"))
    assert (first.code, second.code, next_year.code) == ("2026-0001", "2026-0002", "2027-0001")
    assert SerialCounter.objects.get(year=2026).last == 2


def test_a_refused_registration_leaves_no_gap(county: County) -> None:
    directive(county, NOW)
    with pytest.raises(Invalid):
        directive(county, NOW, received_at=at("2026-03-11 09:00"))  # received in the future
    assert directive(county, NOW).serial == 2


def test_a_rolled_back_transaction_gives_its_number_back(county: County) -> None:
    directive(county, NOW)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert serials.allocate(2026) == 2
        raise RuntimeError("the registration failed after taking its number")
    assert directive(county, NOW).serial == 2


def test_a_database_from_before_the_counter_continues_its_numbering(county: County) -> None:
    directive(county, NOW)
    directive(county, NOW)
    SerialCounter.objects.all().delete()  # as after the upgrade that adds the counter
    assert directive(county, NOW).serial == 3


@pytest.mark.django_db(transaction=True)
def test_allocating_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the registering transaction"):
        serials.allocate(2026)


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_registrars_get_distinct_gapless_numbers() -> None:
    """Eight threads, each with its own connection, register 10 directives each.

    PostgreSQL only: pytest-django's SQLite test database is in shared-cache memory, where
    a second writer fails at once with "table is locked" instead of waiting. The SQLite
    case runs against a file database, over HTTP, in tests/serve/test_concurrency.py.
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); SQLite is covered over HTTP")
    from duban.org.loader import load
    from tests.conftest import SMALL_COUNTY

    load(SMALL_COUNTY)
    county = County()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def registrar() -> None:
        try:
            start.wait()
            for _ in range(10):
                directive(county, NOW)
        except BaseException as e:  # reported below; a thread's exception is otherwise lost
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=registrar) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = sorted(Directive.objects.filter(year=2026).values_list("serial", flat=True))
    assert got == list(range(1, 81))
