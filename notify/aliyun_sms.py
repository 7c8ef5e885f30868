"""SMS through Aliyun's SendSms RPC API, signed as Aliyun documents (SignatureVersion 1.0, HMAC-SHA1).

Signing: sort every parameter except Signature by name, percent-encode names and values
(RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are, so a space is %20, never +), join as
name=value with &, then StringToSign = METHOD & %2F & percent-encode(that query), and
Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). Every attempt gets a fresh
SignatureNonce and Timestamp (the gateway rejects a replayed nonce); the idempotency key
travels as OutId so a gateway that honours it sends a retried message only once.
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
from urllib.parse import quote

import httpx

from core.errors import InvalidInput
from core.outbox import DeliveryFailure, Envelope, PermanentFailure
from core.phones import mainland_mobile

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmsSettings | None:
        """ORDERHUB_SMS_ACCESS_KEY_ID/SECRET/SIGN_NAME/TEMPLATES ("order_paid=SMS_1,...")/ENDPOINT."""
        if not env.get("ORDERHUB_SMS_ACCESS_KEY_ID"):
            return None
        pairs = [item.split("=", 1) for item in env.get("ORDERHUB_SMS_TEMPLATES", "").split(",") if "=" in item]
        return cls(
            access_key_id=env["ORDERHUB_SMS_ACCESS_KEY_ID"],
            access_key_secret=env.get("ORDERHUB_SMS_ACCESS_KEY_SECRET", ""),
            sign_name=env.get("ORDERHUB_SMS_SIGN_NAME", ""),
            template_codes={name.strip(): code.strip() for name, code in pairs},
            endpoint=env.get("ORDERHUB_SMS_ENDPOINT", ENDPOINT),
        )


def signed_query(settings: SmsSettings, params: Mapping[str, str], now: datetime, nonce: str) -> str:
    """The full query string of a GET request: common parameters, the call's own, the signature."""
    full = {
        "AccessKeyId": settings.access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": settings.region,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        **params,
    }
    return f"Signature={percent_encode(sign(settings.access_key_secret, 'GET', full))}&{canonical_query(full)}"


class SmsTransport:
    """Sends an envelope as one SendSms call; the provider renders its registered template."""

    def __init__(self, settings: SmsSettings, client: httpx.Client | None = None):
        self.settings = settings
        self._client = client or httpx.Client(timeout=settings.timeout)

    def __call__(self, envelope: Envelope) -> None:
        try:
            phone = mainland_mobile(envelope.recipient)
        except InvalidInput as bad:
            raise PermanentFailure(str(bad)) from None
        code = self.settings.template_codes.get(envelope.template)
        if not code:
            raise PermanentFailure(f"No Aliyun template code is configured for {envelope.template!r}.")
        params = {
            "PhoneNumbers": phone,
            "SignName": self.settings.sign_name,
            "TemplateCode": code,
            "TemplateParam": json.dumps(_template_values(envelope.payload), ensure_ascii=False),
            "OutId": envelope.key,
        }
        query = signed_query(self.settings, params, datetime.now(UTC), uuid.uuid4().hex)
        try:
            response = self._client.get(f"{self.settings.endpoint.rstrip('/')}/?{query}")
        except httpx.HTTPError as broken:
            raise DeliveryFailure(f"SMS gateway unreachable: {broken}") from None
        _check(response)

    def close(self) -> None:
        self._client.close()


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
