"""The plumbing every local platform server shares: a threaded HTTP server on 127.0.0.1,
the platform's order book (orders that change between pulls), throttling once, a request log."""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        """Query and form-encoded body parameters together, as the Chinese gateways accept both."""
        return self.query | dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, **headers: str) -> Reply:
        data = json.dumps(payload, ensure_ascii=False).encode()
        return cls(status, data, {"Content-Type": "application/json;charset=UTF-8", **headers})


class Platform:
    """One platform's state: its orders, stock levels, throttling and every request seen."""

    def __init__(self, modified_of: Callable[[dict], datetime], key_of: Callable[[dict], str]):
        self.modified_of, self.key_of = modified_of, key_of
        self.orders: dict[str, dict] = {}
        self._index: list[tuple[datetime, str]] | None = []  # (modified, key), sorted; None when stale
        self.stock: dict[str, int] = {}
        self.throttle_next = 0  # how many coming calls to refuse as throttled
        self.delay = 0.0  # seconds every answer takes (a slow platform, for the lock tests)
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    def put(self, *orders: dict) -> None:
        """Add orders, or replace them with a changed copy (a status change on the platform)."""
        with self.lock:
            self.orders.update({self.key_of(order): order for order in orders})
            self._index = None

    def modified_in(self, start: datetime, end: datetime) -> list[dict]:
        """Orders modified in [start, end], oldest change first (the documented order)."""
        with self.lock:
            if self._index is None:
                self._index = sorted((self.modified_of(o), key) for key, o in self.orders.items())
            first = bisect.bisect_left(self._index, (start, ""))
            last = bisect.bisect_right(self._index, (end, "\uffff"))
            return [self.orders[key] for _, key in self._index[first:last]]

    def take_throttle(self) -> bool:
        with self.lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return True
            return False

    def calls(self, name: str) -> list[Request]:
        """Requests for one API method (the Chinese gateways name it in a parameter)."""
        return [r for r in self.requests if name in (r.form().get("method"), r.form().get("type"), r.path)]

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError


def unsigned(params: dict[str, str]) -> dict[str, str]:
    """The parameters a gateway signs again to check `sign`: all it received except `sign` itself."""
    return {key: value for key, value in params.items() if key != "sign"}


def page_of(items: list, page: int, size: int) -> tuple[list, bool]:
    """One 1-based page and whether another follows."""
    start = (page - 1) * size
    return items[start : start + size], start + size < len(items)


@contextmanager
def serving(platform: Platform) -> Iterator[str]:
    """Run the platform on a free port of 127.0.0.1; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes; do not stall the second

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command,
                parts.path,
                dict(parse_qsl(parts.query, keep_blank_values=True)),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            platform.requests.append(request)
            time.sleep(platform.delay)
            reply = platform.handle(request)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            try:
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):  # a client killed mid-call (a worker-crash test)
                self.close_connection = True

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
