"""A real HTTP receiver of webhooks for the tests: it listens on a free localhost port, can be
down (port closed), failing (answering 503) or up, and remembers every request it got."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    delivery: str
    event: str
    signature: str
    body: bytes
    status: int


class Receiver:
    """``down()`` closes the port; ``answer(503)`` or ``answer(200)`` opens it and answers so."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.status = 200
        self.requests: list[Received] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]

    def delivered_per_path(self) -> dict[str, Counter[str]]:
        """Per receiver path, how many times each delivery id was accepted."""
        counts: dict[str, Counter[str]] = {}
        for item in self.accepted:
            counts.setdefault(item.path, Counter())[item.delivery] += 1
        return counts

    def answer(self, status: int) -> None:
        self.status = status
        if self._server is None:
            self._start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.status
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            path=self.path,
                            delivery=self.headers.get("X-Fregues-Delivery", ""),
                            event=self.headers.get("X-Fregues-Event", ""),
                            signature=self.headers.get("X-Fregues-Signature", ""),
                            body=body,
                            status=status,
                        )
                    )
                answer = b"ok" if status < 300 else b"unavailable, try later"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
