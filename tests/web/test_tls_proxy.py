"""Duban behind a real nginx terminating TLS (issue 17 points 8 and 9).

nginx is Debian's, started with a temporary prefix and a certificate made here; Duban is a
real `duban serve` process with the README's production settings. A real browser signs
in with a POST through the proxy: before DUBAN_BEHIND_PROXY existed, Django saw http,
and every POST failed "Origin checking failed".
"""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

from tests.deploy.servers import PASSWORD, free_port, site, start_server
from tests.deploy.tls import nginx

PRODUCTION = {"DUBAN_HTTPS": "1", "DUBAN_BEHIND_PROXY": "1", "DUBAN_ALLOWED_HOSTS": "localhost"}


def test_a_user_signs_in_through_nginx_over_tls(tmp_path: Path, browser: Any) -> None:
    with site(tmp_path, "tls", **PRODUCTION) as s:
        app = free_port()
        start_server(s, app)
        http_port = free_port(app + 1)
        https_port = free_port(http_port + 1)
        with nginx(tmp_path / "nginx", app_port=app, http_port=http_port, https_port=https_port):
            context = browser.new_context(ignore_https_errors=True, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(15_000)
            blocked: list[str] = []
            page.on(
                "console",
                lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
            )
            # Typed as plain http: nginx sends the browser to https first.
            page.goto(f"http://localhost:{http_port}/login/")
            assert page.url == f"https://localhost:{https_port}/login/"
            page.get_by_label("用户名").fill("alice")
            page.get_by_label("密码").fill(PASSWORD)
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.get_by_role("button", name="登录").click()
            assert posted.value.status == 302, posted.value.text()
            page.wait_for_load_state()
            assert "/login/" not in page.url
            assert page.get_by_text("艾丽").first.is_visible()
            headers = posted.value.all_headers()
            cookies = {c["name"]: c for c in context.cookies()}
            context.close()
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
    assert cookies["csrftoken"]["secure"]
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert blocked == []  # the signed-in page loads its scripts and styles under the CSP


def test_plain_http_to_the_app_is_redirected_to_https(tmp_path: Path) -> None:
    """Someone reaching the app port directly (no proxy header) is sent to https."""
    with site(tmp_path, "redir", **PRODUCTION) as s:
        app = free_port()
        start_server(s, app)
        conn = http.client.HTTPConnection("127.0.0.1", app, timeout=10)
        conn.request("GET", "/login/", headers={"Host": "localhost"})
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status == 301
        assert response.getheader("Location") == "https://localhost/login/"
