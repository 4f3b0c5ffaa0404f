"""建议提案 pages through the test client: who sees what, who may post, bad input named."""

from __future__ import annotations

from typing import Any

import pytest

from duban.proposals import actions
from duban.proposals.models import Proposal, State
from tests.conftest import County, at
from tests.proposals.conftest import Year


@pytest.fixture
def item(county: County) -> Proposal:
    y = Year(county)
    return y.register()


def test_the_office_lists_the_sessions_items(
    county: County, item: Proposal, client_for: Any
) -> None:
    r = client_for(county.alice).get("/proposals/")
    body = r.content.decode()
    assert (
        r.status_code == 200 and "第2号建议" in body and "关于加快城关镇污水管网改造的建议" in body
    )
    assert 'href="/proposals/"' in body  # the navigation links the page


def test_a_unit_sees_only_its_items(county: County, item: Proposal, client_for: Any) -> None:
    assert "第2号建议" not in client_for(county.amy).get("/proposals/").content.decode()
    assert client_for(county.amy).get(f"/proposals/{item.pk}/").status_code == 404
    actions.assign(proposal=item, lead=[county.a], by=county.alice, now=at("2026-02-10 15:00"))
    assert "第2号建议" in client_for(county.amy).get("/proposals/").content.decode()
    assert client_for(county.bob).get(f"/proposals/{item.pk}/").status_code == 404


def test_admin_roles_may_not_see_the_pages(county: County, client_for: Any) -> None:
    assert client_for(county.sam).get("/proposals/").status_code == 403


def test_writes_are_post_only(county: County, item: Proposal, client_for: Any) -> None:
    assert client_for(county.alice).get(f"/proposals/{item.pk}/assign/").status_code == 405


def test_a_liaison_may_not_assign(county: County, item: Proposal, client_for: Any) -> None:
    r = client_for(county.amy).post(f"/proposals/{item.pk}/assign/", {"lead": [county.a.pk]})
    assert r.status_code == 403


def test_assign_through_the_page_and_a_bad_unit_is_named(
    county: County, item: Proposal, client_for: Any
) -> None:
    c = client_for(county.alice)
    r = c.post(f"/proposals/{item.pk}/assign/", {"lead": ["999999"]}, follow=True)
    assert "主办单位中有不存在或已停用的单位。" in r.content.decode()
    r = c.post(f"/proposals/{item.pk}/assign/", {"lead": [], "due": "2026-13-01"}, follow=True)
    assert "答复时限“2026-13-01”不是有效日期。" in r.content.decode()
    r = c.post(
        f"/proposals/{item.pk}/assign/", {"lead": [county.a.pk], "co": [county.b.pk]}, follow=True
    )
    assert "已交办。" in r.content.decode()
    item.refresh_from_db()
    assert item.state == State.HANDLING


def test_the_lead_unit_records_contact_and_drafts_the_reply_on_its_page(
    county: County, item: Proposal, client_for: Any
) -> None:
    actions.assign(proposal=item, lead=[county.a], co=[county.b], by=county.alice)
    amy = client_for(county.amy)
    page = amy.get(f"/proposals/{item.pk}/").content.decode()
    assert "登记沟通情况" in page and "13800001111" in page  # the lead unit sees the phone
    r = amy.post(f"/proposals/{item.pk}/reply/", {"category": "A", "text": "已解决。"}, follow=True)
    assert "答复前须与代表委员沟通，请先登记沟通情况。" in r.content.decode()
    r = amy.post(
        f"/proposals/{item.pk}/contact/",
        {"on": "2099-01-01", "way": "phone", "with_whom": "张伟", "by_whom": "安梅"},
        follow=True,
    )
    assert "沟通日期不能晚于今天。" in r.content.decode()
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    amy.post(
        f"/proposals/{item.pk}/contact/",
        {"on": today, "way": "phone", "with_whom": "张伟", "by_whom": "安梅"},
    )
    r = amy.post(f"/proposals/{item.pk}/reply/", {"category": "A", "text": "已解决。"}, follow=True)
    assert "已保存答复函，请单位负责人签发。" in r.content.decode()
    page = client_for(county.adam).get(f"/proposals/{item.pk}/").content.decode()
    assert "签发并报送督查室" in page
    # The co-unit gets the opinion form, not the reply's.
    page = client_for(county.bob).get(f"/proposals/{item.pk}/").content.decode()
    assert "提出协办意见" in page and 'aria-label="起草答复函"' not in page


def test_the_year_files_download(county: County, item: Proposal, client_for: Any) -> None:
    c = client_for(county.alice)
    r = c.get("/proposals/report/?year=2026")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert c.get("/proposals/ledger/?year=2026").status_code == 200
    assert c.get("/proposals/public/?year=2026").status_code == 200
    assert c.get("/proposals/report/?year=abc").status_code == 404
    assert client_for(county.amy).get("/proposals/report/?year=2026").status_code == 403
