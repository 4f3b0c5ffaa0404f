"""A webhook receiver on 127.0.0.1 that checks each request as docs/api.md documents it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Collects verified deliveries; `fail_next` answers that many requests with 503."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.fail_next = 0
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.delay:
                    time.sleep(receiver.delay)
                problem = receiver.check(self.headers, body)
                if problem:
                    receiver.rejected.append(problem)
                    self.send_response(401)
                elif receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(503)
                else:
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": json.loads(body)}
                    )
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/duban-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def check(self, headers: Any, body: bytes) -> str:
        if headers.get("Content-Type") != "application/json; charset=utf-8":
            return "content type"
        stamp = headers.get("X-Duban-Timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return "stale or missing timestamp"
        expected = hmac.new(
            self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(headers.get("X-Duban-Signature", ""), f"sha256={expected}"):
            return "bad signature"
        event = json.loads(body)["event"]
        if headers.get("X-Duban-Event") != event["kind"]:
            return "event header"
        return ""

    def kinds(self) -> list[str]:
        return [r["body"]["event"]["kind"] for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
