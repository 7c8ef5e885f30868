"""Local providers speaking the real protocols: an Aliyun SMS gateway (SendSms by GET,
SendBatchSms by POST) and an SMTP server.

The gateway checks requests the way Aliyun documents (its own implementation of the signing,
independent of notify/), rejects replayed nonces and stale timestamps, fails requests on a
plan so retries are exercised, and honours OutId as an idempotency key. The SMTP server is
aiosmtpd with optional STARTTLS / implicit TLS and AUTH; it honours Message-ID the same way.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ACCESS_KEY_ID, ACCESS_KEY_SECRET = "LTAI5tOrderHubTest", "s3cr3t+/Key=="
TEMPLATE_CODES = {"order_paid": "SMS_480001", "order_shipped": "SMS_480002"}


def _pop_encode(value: str) -> str:
    # Aliyun's documented recipe: URL-encode, then + -> %20, * -> %2A, %7E -> ~.
    return quote_plus(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    query = "&".join(f"{_pop_encode(k)}={_pop_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"{method}&%2F&" + _pop_encode(query)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunGateway:
    """SendSms and SendBatchSms on 127.0.0.1; `fail_every=n` answers every n-th request with a
    transient error; a number in `refused` makes its whole request fail for good, as Aliyun
    answers isv.MOBILE_NUMBER_ILLEGAL for a batch without saying which number it was."""

    def __init__(self, fail_every: int = 0, delay: float = 0.0):
        self.fail_every, self.delay = fail_every, delay
        self.accepted: dict[str, dict[str, str]] = {}  # OutId -> the request's parameters
        self.duplicates: list[str] = []
        self.texts: list[tuple[str, str, dict]] = []  # each SMS sent: number, template code, values
        self.refused: set[str] = set()
        self.requests = 0
        self.rejected: list[str] = []
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def env(self, secret: str = ACCESS_KEY_SECRET) -> dict[str, str]:
        return {
            "ORDERHUB_SMS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "ORDERHUB_SMS_ACCESS_KEY_SECRET": secret,
            "ORDERHUB_SMS_SIGN_NAME": "宠物生活",
            "ORDERHUB_SMS_TEMPLATES": ",".join(f"{k}={v}" for k, v in TEMPLATE_CODES.items()),
            "ORDERHUB_SMS_ENDPOINT": self.endpoint,
        }

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, params: dict[str, str], method: str = "GET") -> tuple[int, dict]:
        with self._lock:
            self.requests += 1
            problem = self._problem(params, method)
            if problem:
                self.rejected.append(problem[1]["Code"])
                return problem
            if self.fail_every and self.requests % self.fail_every == 0:
                return 503, {"Code": "ServiceUnavailable", "Message": "The request has failed due to overload."}
            key = params.get("OutId", "")
            if key in self.accepted:
                self.duplicates.append(key)  # already sent: acknowledge, do not send again
            else:
                self.accepted[key] = params
                self.texts += _texts(params)
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"{self.requests:06d}^0", "RequestId": key}

    def _problem(self, params: dict[str, str], method: str) -> tuple[int, dict] | None:
        fixed = {"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "Version": "2017-05-25"}
        if (
            any(params.get(k) != v for k, v in fixed.items())
            or params.get("AccessKeyId") != ACCESS_KEY_ID
            or params.get("Action") not in ("SendSms", "SendBatchSms")
        ):
            return 400, {"Code": "MissingParameter", "Message": "A common parameter is missing or wrong."}
        if not hmac.compare_digest(params.get("Signature", ""), aliyun_signature(params, ACCESS_KEY_SECRET, method)):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        stamp = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
            return 400, {"Code": "InvalidTimeStamp.Expired", "Message": "Timestamp is out of range."}
        if params["SignatureNonce"] in self._nonces:
            return 400, {"Code": "SignatureNonceUsed", "Message": "The nonce has been used."}
        self._nonces.add(params["SignatureNonce"])
        if params.get("TemplateCode") not in TEMPLATE_CODES.values():
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "Unknown template."}
        try:
            numbers = [number for number, *_ in _texts(params)]
        except (KeyError, ValueError, TypeError):
            return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "The JSON parameters do not match."}
        if not 1 <= len(numbers) <= 100:
            return 200, {"Code": "isv.INVALID_PARAMETERS", "Message": "1 to 100 numbers per batch."}
        if self.refused & set(numbers):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "Illegal mobile number."}
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive like the real gateway, so a client's connection reuse is exercised; without
            # Nagle, the body does not wait behind the headers for the client's delayed ACK (40 ms).
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                self._reply(urlsplit(self.path).query, "GET")

            def do_POST(self) -> None:
                self._reply(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode(), "POST")

            def _reply(self, query: str, method: str) -> None:
                time.sleep(gateway.delay)
                status, body = gateway.answer(dict(parse_qsl(query, keep_blank_values=True)), method)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler


def _texts(params: dict[str, str]) -> list[tuple[str, str, dict]]:
    """The SMS a request asks for: SendSms names one number, SendBatchSms a JSON list of them,
    with a sign name and template values for each."""
    code = params["TemplateCode"]
    if params["Action"] == "SendSms":
        return [(params["PhoneNumbers"], code, json.loads(params.get("TemplateParam") or "{}"))]
    numbers, signs = json.loads(params["PhoneNumberJson"]), json.loads(params["SignNameJson"])
    values = json.loads(params["TemplateParamJson"])
    if not len(numbers) == len(signs) == len(values) or not all(isinstance(v, dict) for v in values):
        raise ValueError("the JSON lists differ")
    return [(number, code, value) for number, value in zip(numbers, values)]


class SmtpSink:
    """An aiosmtpd server that keeps what it receives, once per Message-ID."""

    def __init__(self, *, tls=None, implicit_tls=None, credentials: tuple[str, str] | None = None, delay=0.0):
        self.messages: dict[str, email.message.EmailMessage] = {}
        self.duplicates: list[str] = []
        self.delay = delay
        self.port = _free_port()
        options: dict = {"hostname": "127.0.0.1", "port": self.port}
        if tls:
            options |= {"tls_context": tls, "require_starttls": True}
        if implicit_tls:
            options["ssl_context"] = implicit_tls
        if credentials:
            options |= {"authenticator": self._authenticator(credentials), "auth_required": True}
        self._controller = Controller(self, **options)
        self._controller.start()

    def env(self, security: str = "none", user: str = "", password: str = "", cafile: str = "") -> dict[str, str]:
        return {
            "ORDERHUB_SMTP_HOST": "127.0.0.1",
            "ORDERHUB_SMTP_PORT": str(self.port),
            "ORDERHUB_SMTP_SECURITY": security,
            "ORDERHUB_SMTP_USER": user,
            "ORDERHUB_SMTP_PASSWORD": password,
            "ORDERHUB_SMTP_FROM": "宠物生活 <service@shop.example>",
            "ORDERHUB_SMTP_CAFILE": cafile,
        }

    def close(self) -> None:
        self._controller.stop()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("bounce"):
            return "550 5.1.1 Mailbox unavailable"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        time.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        key = message["Message-ID"]
        if key in self.messages:
            self.duplicates.append(key)
        else:
            self.messages[key] = message
        return "250 OK queued"

    @staticmethod
    def _authenticator(credentials: tuple[str, str]):
        def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
                credentials
            )
            return AuthResult(success=ok, handled=False)

        return check


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
