"""Request signatures as the Chinese platforms' own SDKs compute them (TOP, PDD and JD share one scheme).

All three sort the parameters by key, concatenate key and value without separators and hash
the result with the app secret; the digest is sent as upper-case hex in `sign`. The signature
must cover exactly what is sent, so `wire()` decides both: values written as the SDKs write them
(booleans as true/false) and no parameter whose value is empty or blank, which TOP's and JD's
SDKs neither sign nor send (docs/platform-signing.md). Callers send what `top_request()` or
`md5_request()` return, never their own dict.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# java.lang.Character.isWhitespace: the SDKs' StringUtils.isEmpty treats a value made only of
# these as empty. The no-break spaces (U+00A0, U+2007, U+202F) are not among them.
JAVA_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2008\u2009\u200a\u2028\u2029\u205f\u3000"
)


def blank(value: str) -> bool:
    """Empty, or only whitespace as Java sees it (full-width U+3000 included)."""
    return all(char in JAVA_WHITESPACE for char in value)


def wire_value(value: object) -> str:
    """A value as it goes on the wire: booleans as Java's and httpx's true/false, the rest as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def wire(params: Mapping[str, object]) -> dict[str, str]:
    """The parameters that are both sent and signed: none, blank or empty values left out."""
    written = {key: wire_value(value) for key, value in params.items() if value is not None}
    return {key: value for key, value in written.items() if not blank(value)}


def concatenated(params: Mapping[str, object]) -> str:
    """k1v1k2v2… over the wire parameters except `sign`, keys in ASCII order."""
    sent = wire(params)
    return "".join(f"{key}{sent[key]}" for key in sorted(sent) if key != "sign")


def md5_sign(params: Mapping[str, object], secret: str) -> str:
    """UPPER(MD5(secret + k1v1… + secret)): TOP's `md5`, PDD's and JD's only method."""
    return hashlib.md5(f"{secret}{concatenated(params)}{secret}".encode()).hexdigest().upper()


def hmac_sign(params: Mapping[str, object], secret: str, digest: str = "md5") -> str:
    """UPPER(HMAC(secret, k1v1…)): TOP's `hmac` (MD5) and `hmac-sha256`."""
    return hmac.new(secret.encode(), concatenated(params).encode(), digest).hexdigest().upper()


def top_sign(params: Mapping[str, object], secret: str) -> str:
    """The TOP signature for the params' own `sign_method`."""
    method = str(params.get("sign_method", "md5"))
    if method == "md5":
        return md5_sign(params, secret)
    if method == "hmac":
        return hmac_sign(params, secret, "md5")
    if method == "hmac-sha256":
        return hmac_sign(params, secret, "sha256")
    raise ValueError(f"TOP has no sign_method {method!r}.")


def top_request(params: Mapping[str, object], secret: str) -> dict[str, str]:
    """What a TOP call sends: the wire parameters and their signature."""
    return wire(params) | {"sign": top_sign(params, secret)}


def md5_request(params: Mapping[str, object], secret: str) -> dict[str, str]:
    """What a PDD or JD call sends: the wire parameters and their md5 signature."""
    return wire(params) | {"sign": md5_sign(params, secret)}
