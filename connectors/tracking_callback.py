"""The endpoint the aggregator pushes tracking to (订阅推送's callbackurl): a small HTTP server the
worker runs (ORDERHUB_CALLBACK_PORT), POST /kuaidi100/callback.

A push is a form with `param` (JSON text) and `sign` = MD5(param + salt), the salt being the random
one this waybill was subscribed with; a push whose signature does not match is refused and
changes nothing. A push we could not store is answered as a failure, so the aggregator pushes again.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import Engine

from connectors.kuaidi100 import push_sign, tracking_of
from core.aftersales import tracking
from core.shipping import waybills

log = logging.getLogger(__name__)
PATH = "/kuaidi100/callback"
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}
MAX_BODY = 1_000_000


def refused(message: str) -> dict:
    return {"result": False, "returnCode": "500", "message": message}


def handle_push(engine: Engine, form: dict[str, str]) -> tuple[int, dict]:
    """Check and apply one push; returns the HTTP status and the answer's body."""
    param, sign = form.get("param", ""), form.get("sign", "")
    try:
        result = json.loads(param)["lastResult"]
        number = str(result["nu"])
        found = tracking_of(result)
    except (ValueError, KeyError, TypeError):
        return 400, refused("参数错误")
    with engine.connect() as conn:
        row = waybills.by_number(conn, number)
    if row is None or not row.salt or not hmac.compare_digest(push_sign(param, row.salt), sign.upper()):
        return 403, refused("签名错误")
    scans = [tracking.Scan(event.at, event.state, event.context) for event in found.events]
    tracking.apply_in(engine, row, found.state, scans)
    return 200, ACCEPTED


def serve(engine: Engine, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    """Start the callback server in a daemon thread; returns it (server_address has the port)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
            if urlsplit(self.path).path != PATH:
                return self._answer(404, refused("not found"))
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True))
            try:
                status, body = handle_push(engine, form)
            except Exception:  # noqa: BLE001 - answered as a failure: the aggregator pushes again later
                log.exception("tracking push not stored")
                status, body = 500, refused("稍后重试")
            self._answer(status, body)

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="tracking-callback").start()
    return server
