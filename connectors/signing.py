"""Request signatures as the Chinese platforms document them (TOP, PDD and JD share one scheme).

All three sort the parameters by key, concatenate key and value without separators and hash
the result with the app secret; the digest is sent as upper-case hex in `sign`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def concatenated(params: Mapping[str, object]) -> str:
    """k1v1k2v2… over every parameter except `sign`, keys in ASCII order."""
    return "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")


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
