"""The platforms' own request signing, ported step by step from their official SDKs: the local
gateways check requests with it and the vector tests compute their expected values with it.

It never imports connectors/, so a difference between OrderHub and a platform can show. Each
function names the SDK source it follows; docs/platform-signing.md has the paths and commits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from collections.abc import Mapping


def java_is_whitespace(char: str) -> bool:
    """java.lang.Character.isWhitespace: space/line/paragraph separators except the no-break
    ones (U+00A0, U+2007, U+202F), plus \\t \\n \\u000B \\f \\r and U+001C..U+001F."""
    if char in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":
        return True
    return unicodedata.category(char) in ("Zs", "Zl", "Zp") and char not in "\u00a0\u2007\u202f"


def java_is_empty(value: str | None) -> bool:
    """StringUtils.isEmpty of the TOP SDK and StringUtil.isEmpty of the JD SDK (same code)."""
    return value is None or all(java_is_whitespace(char) for char in value)


def java_sorted(keys) -> list[str]:
    """Arrays.sort / TreeMap order: String.compareTo compares UTF-16 code units."""
    return sorted(keys, key=lambda key: key.encode("utf-16-be"))


def byte2hex(digest: bytes) -> str:
    """The SDKs' byte2hex: two upper-case hex digits per byte."""
    return "".join(f"{byte:02x}".upper() for byte in digest)


def top_sign(params: Mapping[str, str], secret: str, sign_method: str) -> str:
    """TaobaoUtils.signTopRequest(Map params, String body=null, secret, signMethod) of the TOP Java
    SDK: keys sorted; a pair is appended only if StringUtils.areNotEmpty(key, value); md5 wraps
    the string in the secret, hmac (HmacMD5) and hmac-sha256 key it with the secret; UTF-8."""
    query = secret if sign_method == "md5" else ""
    for key in java_sorted(params):
        if not java_is_empty(key) and not java_is_empty(params[key]):
            query += key + params[key]
    data, key_bytes = query.encode("utf-8"), secret.encode("utf-8")
    if sign_method == "hmac":
        return byte2hex(hmac.new(key_bytes, data, hashlib.md5).digest())
    if sign_method == "hmac-sha256":
        return byte2hex(hmac.new(key_bytes, data, hashlib.sha256).digest())
    return byte2hex(hashlib.md5((query + secret).encode("utf-8")).digest())


def pdd_sign(params: Mapping[str, str], client_secret: str) -> str:
    """SignUtils.buildSignSource + sign(…, "md5") of PDD's pop-sdk: a TreeMap of every parameter
    (empty strings included: the Java SDK skips only nulls, in setUserParam), client_secret on
    both ends, MD5 of the UTF-8 bytes in lower-case hex, then toUpperCase()."""
    source = client_secret + "".join(key + params[key] for key in java_sorted(params)) + client_secret
    return hashlib.md5(source.encode("utf-8")).hexdigest().upper()


def jd_sign(params: Mapping[str, str], app_secret: str) -> str:
    """AbstractSign.signature4Jos with Md5SignImpl of JD's jd-sdk (and DefaultJdClient.sign of the
    older SDK): a TreeMap of the system parameters and 360buy_param_json, pairs with an empty or
    blank value skipped, app_secret on both ends, MD5 of the UTF-8 bytes, upper-case hex."""
    source = app_secret
    for key in java_sorted(params):
        if not java_is_empty(key) and not java_is_empty(params[key]):
            source += key + params[key]
    return byte2hex(hashlib.md5((source + app_secret).encode("utf-8")).digest())


JACKSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def jackson_string(text: str) -> str:
    """A JSON string as Jackson's default ObjectMapper writes it: non-ASCII as is, the other
    control characters as \\u00XX with upper-case hex digits."""
    escaped = (JACKSON_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20 else c) for c in text)
    return '"' + "".join(escaped) + '"'


def jd_param_json(business: Mapping[str, str | int | bool | None]) -> str:
    """A JD request class's getAppJsonParams(): its fields in a TreeMap, written by JsonUtil.toJson
    (Jackson, Include.NON_NULL): sorted keys, no whitespace, null fields left out."""
    members = []
    for key in java_sorted(business):
        value = business[key]
        if value is None:
            continue
        if isinstance(value, bool):
            written = "true" if value else "false"
        else:
            written = jackson_string(value) if isinstance(value, str) else str(value)
        members.append(f"{jackson_string(key)}:{written}")
    return "{" + ",".join(members) + "}"


def shopify_webhook_hmac(raw_body: bytes, secret: str) -> str:
    """checkWebhookHmac of shopify-api-js (lib/webhooks/validate.ts): createSHA256HMAC(secret,
    rawBody, HashFormat.Base64) over the body exactly as received."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()).decode("ascii")


# The TOP reference vectors of shared/reference/channels.md: these parameters (sign_method=md5
# among them) with the secret "helloworld", digested each way.
TOP_REFERENCE_PARAMS = {
    "method": "taobao.trades.sold.get",
    "app_key": "12345678",
    "session": "test",
    "timestamp": "2016-01-01 12:00:00",
    "format": "json",
    "v": "2.0",
    "fields": "tid,type,status,payment,orders",
    "page_no": "1",
    "page_size": "40",
    "sign_method": "md5",
}
TOP_REFERENCE_DIGESTS = {
    "md5": "06150EC939A88FD72E57C71076B8314B",
    "hmac": "6296F62599D12CF5EE452F2472C99921",
    "hmac-sha256": "0BA33B66B0763B21D5B05E05876D4EB721E1D3385497EACCB78088E5094099DE",
}
