"""A small HTTP client for deploy tests: a browser's cookies and CSRF token, no redirects."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class WebClient:
    def __init__(self, base: str, timeout: float = 15) -> None:
        self.base, self.timeout = base, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=self.timeout) as r:
                self.last_body = r.read().decode("utf-8", "replace")
                return int(r.status)
        except urllib.error.HTTPError as e:
            self.last_body = e.read().decode("utf-8", "replace")
            return int(e.code)

    def csrf(self) -> str:
        for c in self.jar:
            if c.name == "csrftoken":
                return str(c.value)
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last_body)
        assert m, "no CSRF token"
        return m[1]

    def sign_in(self, username: str, password: str) -> None:
        self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last_body)
        assert token, self.last_body[:500]
        status = self.request(
            "POST",
            "/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        )
        assert status == 302, self.last_body[:500]

    def post(self, path: str, data: dict[str, str]) -> int:
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": self.csrf()})
