"""Error pages: Chinese, in the site's style, with a way back (issue 12, point 9)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import County

# Words of Django's own English error pages; none may reach a user.
ENGLISH = re.compile(
    r"Not Found|Forbidden|Server Error|Bad Request|CSRF verification|Method Not Allowed"
    r"|No \w+ matches"
)


def assert_chinese_page(body: str, title: str) -> None:
    assert f'<h1 id="h-error">{title}</h1>' in body, body[:800]
    assert "返回首页" in body and "返回上一页" in body
    assert "duban/app.css" in body  # the site's own stylesheet
    assert not ENGLISH.search(body), ENGLISH.search(body)


def test_an_unknown_address_is_a_chinese_404(county: County, client_for: Any) -> None:
    r = client_for(county.amy).get("/no/such/page/")
    assert r.status_code == 404
    body = r.content.decode()
    assert_chinese_page(body, "页面不存在")
    assert "安梅" in body  # the header with the user menu is there


def test_a_missing_task_does_not_show_djangos_english_message(
    county: County, client_for: Any
) -> None:
    r = client_for(county.alice).get("/tasks/999999/")
    assert r.status_code == 404
    assert_chinese_page(r.content.decode(), "页面不存在")


def test_a_page_of_another_role_is_a_chinese_403_with_the_reason(
    county: County, client_for: Any
) -> None:
    r = client_for(county.amy).get("/workbench/")
    assert r.status_code == 403
    body = r.content.decode()
    assert_chinese_page(body, "无权访问")
    assert "您无权访问此页面。" in body


def test_opening_a_post_only_address_is_a_chinese_405(county: County, client_for: Any) -> None:
    r = client_for(county.alice).get("/notifications/read-all/")
    assert r.status_code == 405
    assert r["Allow"] == "POST"
    assert_chinese_page(r.content.decode(), "操作方式有误")


def test_a_stale_form_is_a_chinese_csrf_page(county: County) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(county.alice)
    r = c.post("/notifications/read-all/")
    assert r.status_code == 403
    body = r.content.decode()
    assert_chinese_page(body, "页面已过期")
    assert "内容未保存" in body


def test_a_bad_host_is_a_chinese_400(county: County) -> None:
    r = Client().get("/login/", HTTP_HOST="evil.example")
    assert r.status_code == 400
    assert_chinese_page(r.content.decode(), "请求有误")


@pytest.mark.urls("tests.web.error_urls")
def test_a_bug_is_a_chinese_500_that_needs_no_database(county: County) -> None:
    c = Client(raise_request_exception=False)
    c.force_login(county.alice)
    r = c.get("/boom/")
    assert r.status_code == 500
    body = r.content.decode()
    assert_chinese_page(body, "系统出错")
    # A 500 may come after the commit, so the page never claims nothing was saved.
    assert "查看操作是否已经生效" in body and "错误编号" in body


def test_the_lockout_page_is_chinese_with_a_way_back(county: County) -> None:
    from django.test import override_settings

    c = Client()
    with override_settings(AXES_FAILURE_LIMIT=1):
        c.post("/login/", {"username": "amy", "password": "wrong"})
        r = c.post("/login/", {"username": "amy", "password": "wrong"})
    body = r.content.decode()
    assert "账号已锁定" in body and "返回登录" in body
    assert not ENGLISH.search(body)
