"""Mainland China mobile numbers: the one rule for what an SMS may be sent to."""

from __future__ import annotations

import re

from core.errors import InvalidInput

_MOBILE = re.compile(r"1[3-9]\d{9}")
_NOISE = re.compile(r"[\s\-()]")
_COUNTRY_PREFIXES = ("+86", "0086", "86")


def mainland_mobile(raw: str) -> str:
    """The 11-digit number (1[3-9]xxxxxxxxx), with spaces, dashes and a +86 prefix removed."""
    digits = _NOISE.sub("", raw or "")
    for prefix in _COUNTRY_PREFIXES:
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise InvalidInput(f"{raw!r} is not a mainland China mobile number (11 digits starting 13-19).")
    return digits


def last_four(raw: str) -> str:
    """The last four digits of a phone number as the buyer would read them off their phone."""
    return re.sub(r"\D", "", raw or "")[-4:]
