"""Mainland China phone numbers: the one rule for what an SMS may be sent to, and for finding
(and masking) numbers that buyers write into free text."""

from __future__ import annotations

import re

import pandas as pd

from core.errors import InvalidInput

_MOBILE = re.compile(r"1[3-9]\d{9}")
_NOISE = re.compile(r"[\s\-()]")
_COUNTRY_PREFIXES = ("+86", "0086", "86")
# Inside free text ("上海市… 联系电话 139-1234-5678"): a mobile, optionally +86 and split by spaces
# or dashes, or a landline with its area code (021-12345678, 0755 1234567). Not part of a longer
# digit run, so a 19-digit order number in a remark is left alone.
_MOBILE_IN_TEXT = r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?(1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9])"
_LANDLINE_IN_TEXT = r"(?<![0-9])(0[1-9][0-9]{1,2})[ -]?[0-9]{3,4}[ -]?([0-9]{4})(?![0-9])"
_MOBILE_MASK = (re.compile(_MOBILE_IN_TEXT), r"\1****\2")
_LANDLINE_MASK = (re.compile(_LANDLINE_IN_TEXT), r"\1-****\2")


def mainland_mobile(raw: str) -> str:
    """The 11-digit number (1[3-9]xxxxxxxxx), with spaces, dashes and a +86 prefix removed."""
    digits = _NOISE.sub("", raw or "")
    for prefix in _COUNTRY_PREFIXES:
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise InvalidInput(key="error.not_a_mobile")  # the number itself stays out of messages and logs
    return digits


def as_mobile(raw: str) -> str | None:
    """The 11-digit mobile number the text is, however written; None if it is none."""
    try:
        return mainland_mobile(raw)
    except InvalidInput:
        return None


def last_four(raw: str) -> str:
    """The last four digits of a phone number as the buyer would read them off their phone."""
    return re.sub(r"\D", "", raw or "")[-4:]


def mask_in_text(text: str) -> str:
    """Every phone number written inside free text masked as mask_phone would: 139****5678."""
    for pattern, replacement in (_MOBILE_MASK, _LANDLINE_MASK):
        text = pattern.sub(replacement, text)
    return text


def mask_in_texts(values: pd.Series) -> pd.Series:
    """mask_in_text over a column of text (missing values stay missing)."""
    text = values.astype("object")
    filled = text.notna()
    for pattern, replacement in (_MOBILE_MASK, _LANDLINE_MASK):
        text = text.where(~filled, text[filled].astype("str").str.replace(pattern, replacement, regex=True))
    return text
