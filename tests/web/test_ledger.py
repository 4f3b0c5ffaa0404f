"""The ledger (台账): filters, text search, sorting, pages, saved filters, roles, query counts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.coordination.tick import tick
from duban.org.models import Leader, Unit
from duban.web.models import SavedFilter
from duban.work import actions, ledger
from duban.work.ledger import LedgerFilters, ledger_page
from duban.work.models import Task
from tests.conftest import County, at


def make(
    county: County,
    now: datetime,
    *,
    kind: str = "instruction",
    content: str = "加快推进城东污水处理厂建设",
    lead: list[Unit] | None = None,
    co: list[Unit] | None = None,
    due: str | None = "2026-06-30",
    leader: Leader | None = None,
    assign: bool = True,
    **kw: Any,
) -> Task:
    """One task of a directive of the given kind, through the actions."""
    d = actions.register(
        by=county.alice,
        now=now,
        kind=kind,
        title="关于" + content[:20] + "的批示",
        urgency="normal",
        received_at=now,
        issuer_leader=(leader or county.leader_lily) if kind == "instruction" else None,
    )
    draft = actions.TaskDraft(
        content=content,
        lead=lead if lead is not None else [county.a],
        co=co or [],
        due={"date": due} if due else {},
        leader=leader,
        **kw,
    )
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=now)
    if assign:
        actions.assign(task=t, by=county.alice, now=now)
    t.refresh_from_db()
    return t


class Office:
    """Five tasks, each picked out by at least one filter (see the test names)."""

    def __init__(self, county: County) -> None:
        c, monday = county, at("2026-03-02 09:00")
        self.key = make(
            c, monday, content="城东污水处理厂建设", lead=[c.a], co=[c.b],
            due="2026-04-30", leader=c.leader_lily, is_key=True,
        )  # fmt: skip
        self.meeting = make(
            c, monday, kind="meeting", content="老旧小区改造", lead=[c.b], co=[c.c],
            due="2026-03-18", leader=c.leader_wang,
        )  # fmt: skip
        self.roads = make(
            c, monday, kind="superior", content="农村道路硬化", lead=[c.c], due="2026-05-31"
        )
        self.overdue = make(
            c, monday, kind="key_work", content="乡镇卫生院改造", lead=[c.d],
            due="2026-03-10", leader=c.leader_lily,
        )  # fmt: skip
        self.closed = make(c, monday, content="编制年度计划", lead=[c.a], due="2026-03-31")
        actions.receive(task=self.key, by=c.amy, now=at("2026-03-03 09:00"))
        # A key task reports weekly (the county's key cycle): on time, it stays green.
        for day in ("2026-03-05", "2026-03-12"):
            actions.report_progress(
                task=self.key, text="按计划推进", by=c.amy, now=at(f"{day} 16:00")
            )
        actions.receive(task=self.roads, by=c.carl, now=at("2026-03-03 10:00"))
        actions.report_progress(
            task=self.roads, text="已完成路基施工，正在铺设面层", by=c.carl,
            now=at("2026-03-05 10:00"),
        )  # fmt: skip
        actions.receive(task=self.closed, by=c.amy, now=at("2026-03-03 09:00"))
        actions.submit_done(task=self.closed, text="已印发", by=c.amy, now=at("2026-03-09 09:00"))
        actions.verify(
            confirm_silent_co=True,
            task=self.closed,
            accept=True,
            by=c.alice,
            now=at("2026-03-10 09:00"),
        )
        actions.close(task=self.closed, by=c.alice, now=at("2026-03-10 10:00"))
        tick(now=at("2026-03-16 09:00"))
        for t in self.all:
            t.refresh_from_db()

    @property
    def all(self) -> list[Task]:
        return [self.key, self.meeting, self.roads, self.overdue, self.closed]


@pytest.fixture
def office(county: County) -> Office:
    return Office(county)


def codes(response: Any) -> list[str]:
    """The task codes in the ledger table, in order."""
    assert response.status_code == 200
    return re.findall(r"<td[^>]*>(\d{4}-\d{4}-\d+)</td>", response.content.decode())


def ids(tasks: list[Task]) -> set[str]:
    return {t.code for t in tasks}


def test_it_lists_every_task_a_supervisor_may_see(
    county: County, office: Office, client_for: Any
) -> None:
    response = client_for(county.alice).get("/ledger/")
    assert set(codes(response)) == ids(office.all)
    page = response.content.decode()
    assert "共 5 项" in page
    for column in ["编号", "事项来源", "事项内容", "牵头领导", "牵头单位", "配合单位", "完成时限"]:
        assert f'<th scope="col">{column}</th>' in page or f'class="hide-sm">{column}</th>' in page
    assert f'href="/tasks/{office.key.pk}/"' in page
    assert "已完成路基施工" in page  # the latest progress


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=meeting", ["meeting"]),
        ("kind=superior", ["roads"]),
        ("leader={wang}", ["meeting"]),
        ("leader={lily}", ["key", "overdue"]),
        # A line: tasks the leader leads plus tasks led by a unit in their portfolio.
        ("line={lily}", ["key", "meeting", "overdue", "closed"]),
        ("line={wang}", ["meeting", "roads"]),
        ("unit={b}", ["key", "meeting"]),
        ("unit={b}&unit_role=lead", ["meeting"]),
        ("unit={b}&unit_role=co", ["key"]),
        ("status=in_progress", ["key", "roads"]),
        ("status=closed", ["closed"]),
        ("status=open", ["key", "meeting", "roads", "overdue"]),
        ("light=red", ["overdue"]),
        ("light=yellow", ["meeting"]),
        ("light=on_time", ["closed"]),
        ("is_key=1", ["key"]),
        ("is_key=0", ["meeting", "roads", "overdue", "closed"]),
        ("due_from=2026-04-01", ["key", "roads"]),
        ("due_to=2026-03-18", ["meeting", "overdue"]),
        ("due_from=2026-03-15&due_to=2026-04-30", ["meeting", "closed", "key"]),
        ("q=污水处理厂", ["key"]),
        ("q=路基", ["roads"]),  # found in a progress report, not in the content
        ("light=red&unit={d}&sort=due", ["overdue"]),
        ("light=red&unit={a}", []),
    ],
)
def test_each_filter_narrows_the_ledger(
    county: County, office: Office, client_for: Any, query: str, expected: list[str]
) -> None:
    url = "/ledger/?" + query.format(
        lily=county.leader_lily.pk,
        wang=county.leader_wang.pk,
        b=county.b.pk,
        d=county.d.pk,
        a=county.a.pk,
    )
    found = codes(client_for(county.alice).get(url))
    assert set(found) == {getattr(office, name).code for name in expected}
    assert len(found) == len(expected)


def test_a_code_finds_its_task(county: County, office: Office, client_for: Any) -> None:
    code = office.meeting.code
    assert codes(client_for(county.alice).get(f"/ledger/?q={code}")) == [code]


def test_a_liaison_sees_only_the_tasks_of_their_unit(
    county: County, office: Office, client_for: Any
) -> None:
    bob = client_for(county.bob)
    assert set(codes(bob.get("/ledger/"))) == ids([office.key, office.meeting])
    # Filtering never widens the scope: unit C's own task stays hidden from unit B.
    assert codes(bob.get(f"/ledger/?unit={county.c.pk}")) == [office.meeting.code]
    assert codes(bob.get("/ledger/?q=路基")) == []


def test_it_sorts_by_due_date_both_ways(county: County, office: Office, client_for: Any) -> None:
    client = client_for(county.alice)
    by_due = sorted(office.all, key=lambda t: (t.due, t.pk))
    assert codes(client.get("/ledger/?sort=due")) == [t.code for t in by_due]
    assert codes(client.get("/ledger/?sort=-due")) == [t.code for t in reversed(by_due)]
    newest_first = sorted(office.all, key=lambda t: (t.directive_id, t.number), reverse=True)
    assert codes(client.get("/ledger/")) == [t.code for t in newest_first]


def test_a_bad_due_range_is_reported_next_to_the_field(
    county: County, office: Office, client_for: Any
) -> None:
    response = client_for(county.alice).get("/ledger/?due_from=2026-05-01&due_to=2026-04-01")
    page = response.content.decode()
    error = re.search(r'<div id="err-due_to">(.*?)</div>', page, re.S)
    assert error and "截止日期不能早于起始日期" in error.group(1)
    assert set(codes(response)) == ids([office.roads])  # the valid bound still applies


def test_a_bad_choice_is_an_error_not_a_500(county: County, client_for: Any) -> None:
    response = client_for(county.alice).get("/ledger/?light=purple&unit=abc&page=x&after=zz")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<div id="err-light">\s*<p class="error"', page)
    assert re.search(r'<div id="err-unit">\s*<p class="error"', page)


def test_htmx_gets_only_the_rows_and_the_field_errors(
    county: County, office: Office, client_for: Any
) -> None:
    response = client_for(county.alice).get(
        "/ledger/?light=red&due_from=2026-05-01&due_to=2026-04-01", HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "<html" not in page and 'id="ledger-filters"' not in page
    assert 'id="err-due_to" hx-swap-oob="true"' in page and "截止日期不能早于起始日期" in page
    assert codes(response) == []
    assert "HX-Request" in response["Vary"]
    whole = client_for(county.alice).get(
        "/ledger/?light=red", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in whole.content.decode()


def test_the_form_has_a_label_for_every_field(county: County, client_for: Any) -> None:
    page = client_for(county.alice).get("/ledger/").content.decode()
    start = page.index('<form id="ledger-filters"')
    form = page[start : page.index("</form>", start)]
    assert 'hx-get="/ledger/"' in form and 'hx-target="#ledger-rows"' in form
    assert 'hx-push-url="true"' in form and 'method="get"' in form
    for name in ledger.FILTER_PARAMS:
        field_id = re.search(
            rf'name="{name}"[^>]*id="([^"]+)"|id="([^"]+)"[^>]*name="{name}"', form
        )
        assert field_id, name
        assert f'<label for="{field_id.group(1) or field_id.group(2)}">' in form


# ------------------------------------------------------------------ pages


def test_pages_walk_forward_and_back_by_keyset(county: County, monkeypatch: Any) -> None:
    now = at("2026-03-02 09:00")
    dues = ["2026-04-01", "2026-04-01", "2026-03-20", None, "2026-05-01", "2026-04-01", None]
    tasks = [make(county, now, due=d, assign=d is not None) for d in dues]  # None: a draft
    for sort in ledger.SORTS:
        f = LedgerFilters(sort=sort)
        everything = ledger_page(county.alice, f, size=100)
        expected = [r.task.pk for r in everything.rows]
        assert sorted(expected) == sorted(t.pk for t in tasks)
        # Forward by cursor.
        seen, p = [], ledger_page(county.alice, f, size=2)
        while True:
            seen += [r.task.pk for r in p.rows]
            if not p.has_next:
                break
            p = ledger_page(county.alice, f, size=2, page=p.number + 1, after=p.last_cursor)
        assert seen == expected, sort
        assert p.number == p.pages == 4 and len(p.rows) == 1
        # Backward by cursor, from the last page asked by number (counted from the end).
        back, p = [], ledger_page(county.alice, f, size=2, page=4)
        while True:
            back = [r.task.pk for r in p.rows] + back
            if not p.has_previous:
                break
            p = ledger_page(county.alice, f, size=2, page=p.number - 1, before=p.first_cursor)
        assert back == expected, sort
        # Any page by number, from either end.
        for n in range(1, 5):
            p = ledger_page(county.alice, f, size=2, page=n)
            assert [r.task.pk for r in p.rows] == expected[(n - 1) * 2 : n * 2], (sort, n)


def test_a_page_links_to_the_next_by_cursor(
    county: County, client_for: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(ledger, "PAGE_SIZE", 2)
    now = at("2026-03-02 09:00")
    tasks = [make(county, now, due=f"2026-04-0{i}") for i in range(1, 6)]
    client = client_for(county.alice)
    response = client.get("/ledger/?sort=due")
    assert codes(response) == [t.code for t in tasks[:2]]
    page = response.content.decode()
    assert "第 1 / 3 页" in page
    next_url = re.search(r'href="([^"]+)"[^>]*rel="next"', page)
    assert next_url
    url = next_url.group(1).replace("&amp;", "&")
    assert "after=" in url and "page=2" in url and "sort=due" in url
    second = client.get(url)
    assert codes(second) == [t.code for t in tasks[2:4]]
    assert "第 2 / 3 页" in second.content.decode()
    assert codes(client.get("/ledger/?sort=due&page=3")) == [tasks[4].code]
    assert codes(client.get("/ledger/?sort=due&page=99")) == [tasks[4].code]  # clamped


def test_the_query_count_does_not_grow_with_the_rows(county: County, client_for: Any) -> None:
    client = client_for(county.alice)
    now = at("2026-03-02 09:00")

    def add(n: int) -> None:
        for _ in range(n):
            t = make(
                county, now, lead=[county.a], co=[county.b, county.c], leader=county.leader_lily
            )
            actions.receive(task=t, by=county.amy, now=now)
            actions.report_progress(task=t, text="第一次进展", by=county.amy, now=now)
            actions.report_progress(task=t, text="最新进展", by=county.amy, now=now)

    def count(url: str, **headers: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **headers)
        assert response.status_code == 200
        return len(ctx)

    add(5)
    few = [count("/ledger/"), count("/ledger/?q=污水", HTTP_HX_REQUEST="true")]
    assert len(codes(client.get("/ledger/"))) == 5
    add(25)
    many = [count("/ledger/"), count("/ledger/?q=污水", HTTP_HX_REQUEST="true")]
    assert len(codes(client.get("/ledger/"))) == 30
    assert few == many
    # session, user, the user's unit and unread count (header), units and leaders (the form),
    # COUNT, the page's ids, its tasks, its units, its latest reports, saved filters, the
    # session update (3), and the security policy read by the sign-in gate (web/gate.py).
    assert many[0] <= 16
    page = client.get("/ledger/").content.decode()
    assert "最新进展" in page and "第一次进展" not in page
    assert "县财政局、城关镇" in page


# ------------------------------------------------------------------ saved filters


def test_saving_a_filter_lists_it_and_opens_it(county: County, client_for: Any) -> None:
    client = client_for(county.alice)
    query = f"light=red&unit={county.a.pk}&page=3&after=1.2&junk=1"
    response = client.post("/ledger/filters/", {"name": "发改局红灯", "query": query})
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=county.alice)
    assert saved.name == "发改局红灯"
    assert saved.query == f"unit={county.a.pk}&light=red"  # filters only, no paging
    assert response["Location"] == f"/ledger/?{saved.query}"
    page = client.get("/ledger/").content.decode()
    assert f'href="/ledger/?unit={county.a.pk}&amp;light=red">发改局红灯</a>' in page
    # The same name again replaces the filter.
    client.post("/ledger/filters/", {"name": "发改局红灯", "query": "light=yellow"})
    assert SavedFilter.objects.get(user=county.alice).query == "light=yellow"


def test_a_saved_filter_needs_a_name(county: County, client_for: Any) -> None:
    response = client_for(county.alice).post("/ledger/filters/", {"name": " ", "query": "a=1"})
    assert response.status_code == 400
    assert "请填写名称" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_only_the_owner_deletes_a_saved_filter(county: County, client_for: Any) -> None:
    client_for(county.alice).post("/ledger/filters/", {"name": "红灯", "query": "light=red"})
    saved = SavedFilter.objects.get()
    assert client_for(county.bob).post(f"/ledger/filters/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.exists()
    response = client_for(county.alice).post(f"/ledger/filters/{saved.pk}/delete/")
    assert response.status_code == 302
    assert not SavedFilter.objects.exists()


def test_people_see_only_their_own_saved_filters(county: County, client_for: Any) -> None:
    client_for(county.alice).post("/ledger/filters/", {"name": "艾丽的筛选", "query": ""})
    assert "艾丽的筛选" in client_for(county.alice).get("/ledger/").content.decode()
    assert "艾丽的筛选" not in client_for(county.bob).get("/ledger/").content.decode()


# ------------------------------------------------------------------ roles and methods


@pytest.mark.parametrize("who", ["alice", "lily", "amy", "adam"])
def test_the_office_units_and_leaders_may_read_it(
    county: County, client_for: Any, who: str
) -> None:
    assert client_for(getattr(county, who)).get("/ledger/").status_code == 200


def test_it_requires_a_work_role(county: County, client_for: Any) -> None:
    sam = client_for(county.sam)
    assert sam.get("/ledger/").status_code == 403
    assert client_for(county.aud).get("/ledger/").status_code == 403  # 三员: not the auditor
    assert sam.post("/ledger/filters/", {"name": "x", "query": ""}).status_code == 403
    assert not SavedFilter.objects.exists()


def test_it_requires_sign_in(county: County, client: Any) -> None:
    response = client.get("/ledger/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_filter_urls_take_post_only(county: County, client_for: Any) -> None:
    client_for(county.alice).post("/ledger/filters/", {"name": "红灯", "query": "light=red"})
    saved = SavedFilter.objects.get()
    alice = client_for(county.alice)
    assert alice.get("/ledger/filters/").status_code == 405
    assert alice.get(f"/ledger/filters/{saved.pk}/delete/").status_code == 405
    assert SavedFilter.objects.exists()
