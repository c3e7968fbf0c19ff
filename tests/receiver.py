"""A webhook receiver on loopback, written the way an agency's system would: it verifies the
signature with the documented recipe and de-duplicates on the event id."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from requests_service.domain.events import verify


@dataclass
class Receiver:
    secret: str
    # Status codes to answer before accepting (e.g. [500, 500] = fail twice, then succeed).
    failures: list[int] = field(default_factory=list)
    # Answer 307 with this Location on every path except the Location's own.
    redirect_to: str | None = None
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.requests.append({"path": path, "headers": dict(headers), "body": body})
            if self.redirect_to and not self.redirect_to.endswith(path):
                return 307, {"Location": self.redirect_to}
            ok = verify(
                self.secret,
                int(headers["Webhook-Timestamp"]),
                body,
                headers["Webhook-Signature"],
                now=int(time.time()),
            )
            if not ok:
                self.bad_signatures += 1
                return 401, {}
            if self.failures:
                return self.failures.pop(0), {}
            event = json.loads(body)
            if headers["Webhook-Id"] in self.accepted:
                self.duplicates += 1
            else:
                self.accepted[headers["Webhook-Id"]] = event
            return 200, {}


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, extra = receiver.handle(self.path, self.headers, body)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 drops concurrent connects (1 s SYN retry)

    server = Server(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
