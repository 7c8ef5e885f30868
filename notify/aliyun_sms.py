"""SMS through Aliyun's SendSms and SendBatchSms RPC APIs, signed as Aliyun documents
(SignatureVersion 1.0, HMAC-SHA1).

Signing: sort every parameter except Signature by name, percent-encode names and values
(RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are, so a space is %20, never +), join as
name=value with &, then StringToSign = METHOD & %2F & percent-encode(that query), and
Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). Every attempt gets a fresh
SignatureNonce and Timestamp (the gateway rejects a replayed nonce); the idempotency key
travels as OutId so a gateway that honours it sends a retried message only once.

At volume (ORDERHUB_SMS_BATCH_SIZE > 1, at most 100) messages of one template go out as one
SendBatchSms POST each: one request, one signature and one settle for up to 100 payment SMS
instead of one of each per message. Its OutId is a digest of the batch's idempotency keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from urllib.parse import quote

import httpx

from core.errors import InvalidInput
from core.messages.outbox import DeliveryFailure, Envelope, PermanentFailure, outcome_of
from core.phones import mainland_mobile

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
BATCH_LIMIT = 100  # numbers per SendBatchSms call, as Aliyun documents
# Codes that no retry can fix: the number, template, signature name or credentials are wrong.
PERMANENT_CODES = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL", "isv.INVALID_PARAMETERS", "isv.INVALID_JSON_PARAM", "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT", "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound", "MissingParameter",
})  # fmt: skip


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(secret: str, method: str, params: Mapping[str, str]) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class SmsSettings:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_codes: Mapping[str, str] = field(default_factory=dict)  # our template -> SMS_xxxxxxx
    endpoint: str = ENDPOINT
    region: str = "cn-hangzhou"
    timeout: float = 10.0
    batch_size: int = 1  # > 1: SendBatchSms with up to this many numbers per call

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= BATCH_LIMIT:
            raise InvalidInput(f"ORDERHUB_SMS_BATCH_SIZE must be between 1 and {BATCH_LIMIT}, not {self.batch_size}.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmsSettings | None:
        """ORDERHUB_SMS_ACCESS_KEY_ID/SECRET/SIGN_NAME/TEMPLATES ("order_paid=SMS_1,...")/ENDPOINT/BATCH_SIZE."""
        if not env.get("ORDERHUB_SMS_ACCESS_KEY_ID"):
            return None
        pairs = [item.split("=", 1) for item in env.get("ORDERHUB_SMS_TEMPLATES", "").split(",") if "=" in item]
        return cls(
            access_key_id=env["ORDERHUB_SMS_ACCESS_KEY_ID"],
            access_key_secret=env.get("ORDERHUB_SMS_ACCESS_KEY_SECRET", ""),
            sign_name=env.get("ORDERHUB_SMS_SIGN_NAME", ""),
            template_codes={name.strip(): code.strip() for name, code in pairs},
            endpoint=env.get("ORDERHUB_SMS_ENDPOINT", ENDPOINT),
            batch_size=_whole_number(env.get("ORDERHUB_SMS_BATCH_SIZE", "1"), "ORDERHUB_SMS_BATCH_SIZE"),
        )


def _whole_number(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {text!r}.") from None


def signed_query(
    settings: SmsSettings, action: str, params: Mapping[str, str], now: datetime, nonce: str, method: str = "GET"
) -> str:
    """The full query string of a request (GET: the URL's; POST: the form body): common
    parameters, the call's own, the signature."""
    full = {
        "AccessKeyId": settings.access_key_id,
        "Action": action,
        "Format": "JSON",
        "RegionId": settings.region,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        **params,
    }
    return f"Signature={percent_encode(sign(settings.access_key_secret, method, full))}&{canonical_query(full)}"


class SmsTransport:
    """Sends an envelope as one SendSms call, or many as SendBatchSms calls (send_batch); the
    provider renders its registered template."""

    def __init__(self, settings: SmsSettings, client: httpx.Client | None = None):
        self.settings = settings
        self.batch_size = settings.batch_size
        self._client = client or httpx.Client(timeout=settings.timeout)

    def __call__(self, envelope: Envelope) -> None:
        phone, code, values = self._addressed(envelope)
        params = {
            "PhoneNumbers": phone,
            "SignName": self.settings.sign_name,
            "TemplateCode": code,
            "TemplateParam": json.dumps(values, ensure_ascii=False),
            "OutId": envelope.key,
        }
        self._request("GET", "SendSms", params)

    def send_batch(self, envelopes: list[Envelope]) -> list[DeliveryFailure | None]:
        """Each envelope's outcome, in order. One SendBatchSms per template and BATCH_LIMIT
        numbers; the gateway answers for a batch as a whole, so when it refuses one for good
        (a number it will not take, say) each message is sent alone to find which."""
        outcomes: dict[int, DeliveryFailure | None] = {}
        by_template: dict[str, list[tuple[Envelope, str, dict[str, str]]]] = {}
        for envelope in envelopes:
            try:
                phone, code, values = self._addressed(envelope)
            except PermanentFailure as bad:
                outcomes[envelope.id] = bad
                continue
            by_template.setdefault(code, []).append((envelope, phone, values))
        for code, addressed in by_template.items():
            for start in range(0, len(addressed), BATCH_LIMIT):
                chunk = addressed[start : start + BATCH_LIMIT]
                failure = outcome_of(partial(self._send_chunk, code, chunk))
                if isinstance(failure, PermanentFailure) and len(chunk) > 1:
                    outcomes.update({envelope.id: outcome_of(partial(self, envelope)) for envelope, *_ in chunk})
                else:
                    outcomes.update({envelope.id: failure for envelope, *_ in chunk})
        return [outcomes[envelope.id] for envelope in envelopes]

    def close(self) -> None:
        self._client.close()

    def _addressed(self, envelope: Envelope) -> tuple[str, str, dict[str, str]]:
        """The mainland number, the Aliyun template code and the template's values."""
        try:
            phone = mainland_mobile(envelope.recipient)
        except InvalidInput as bad:
            raise PermanentFailure(str(bad)) from None
        code = self.settings.template_codes.get(envelope.template)
        if not code:
            raise PermanentFailure(f"No Aliyun template code is configured for {envelope.template!r}.")
        return phone, code, _template_values(envelope.payload)

    def _send_chunk(self, code: str, chunk: list[tuple[Envelope, str, dict[str, str]]]) -> None:
        keys = sorted(envelope.key for envelope, *_ in chunk)
        params = {
            "PhoneNumberJson": json.dumps([phone for _, phone, _ in chunk]),
            "SignNameJson": json.dumps([self.settings.sign_name] * len(chunk), ensure_ascii=False),
            "TemplateCode": code,
            "TemplateParamJson": json.dumps([values for *_, values in chunk], ensure_ascii=False),
            "OutId": "batch-" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32],
        }
        self._request("POST", "SendBatchSms", params)

    def _request(self, method: str, action: str, params: Mapping[str, str]) -> None:
        query = signed_query(self.settings, action, params, datetime.now(UTC), uuid.uuid4().hex, method)
        url = self.settings.endpoint.rstrip("/") + "/"
        try:
            if method == "GET":
                response = self._client.get(f"{url}?{query}")
            else:
                form = {"Content-Type": "application/x-www-form-urlencoded"}
                response = self._client.post(url, content=query.encode(), headers=form)
        except httpx.HTTPError as broken:
            raise DeliveryFailure(f"SMS gateway unreachable: {broken}") from None
        _check(response)


def _template_values(payload: Mapping[str, object]) -> dict[str, str]:
    # Aliyun template variables are strings; the language is ours, not the template's.
    return {name: str(value) for name, value in payload.items() if name != "lang"}


def _check(response: httpx.Response) -> None:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("Code", "") if isinstance(body, dict) else ""
    if response.status_code == 200 and code == "OK":
        return
    detail = f"SMS gateway answered HTTP {response.status_code} {code or response.text[:200]}"
    if code in PERMANENT_CODES:
        raise PermanentFailure(f"{detail}: {body.get('Message', '')}")
    raise DeliveryFailure(detail)  # throttling, 5xx and anything unknown: try again later
