"""Vectorised parsing of export-file text: codes, money to exact cents, quantities, times.

Columns are parsed once per distinct value (pd.factorize), which keeps exact Decimal arithmetic
affordable on a million rows; times go through pandas' C parsers format by format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd

from core.clock import BUSINESS_TZ

# Full-width ASCII (１２３, ＳＫＵ, ￥) and the ideographic space.
_WIDE = r"[\uff01-\uff5e\u3000]"
_CURRENCY = re.compile(r"^(?:RMB|CNY|USD|[¥$€£])|(?:元|RMB|CNY)$", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"([+-]?\d+)(?:\.0*)?")
_OFFSET = r"(?:[+-]\d{2}:?\d{2}|Z)$"
_EXCEL_SERIAL = r"\d{5}(?:\.\d+)?"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
CENT = Decimal("0.01")

# Status of a parsed value.
OK, EMPTY, BAD = 0, 1, 2


def clean_code(series: pd.Series) -> pd.Series:
    """Codes and numbers as typed: trimmed, `="2026…"`/`'2026…` protection removed, full-width folded."""
    s = series.str.strip()
    wrapped = s.str.startswith('="') & s.str.endswith('"')
    if wrapped.any():
        s = s.where(~wrapped, s.str.slice(2, -1))
    quoted = s.str.startswith("'")
    if quoted.any():
        s = s.where(~quoted, s.str.slice(1))
    wide = s.str.contains(_WIDE, regex=True)
    if wide.any():
        s = s.where(~wide, s.str.normalize("NFKC"))
    return s.str.strip()


def clean_text(series: pd.Series) -> pd.Series:
    """Free text (names, addresses): trimmed and protection removed, Chinese punctuation kept."""
    s = series.str.strip()
    wrapped = s.str.startswith('="') & s.str.endswith('"')
    return s.where(~wrapped, s.str.slice(2, -1)) if wrapped.any() else s


def _per_value(series: pd.Series, parse: Callable[[str], int | None]) -> tuple[np.ndarray, np.ndarray]:
    """(values, state) arrays: parse each distinct text once, then spread to all rows."""
    codes, uniques = pd.factorize(series)
    values = np.zeros(len(uniques), dtype=np.int64)
    state = np.full(len(uniques), OK, dtype=np.int8)
    for i, text in enumerate(uniques):
        if text == "":
            state[i] = EMPTY
            continue
        parsed = parse(text)
        if parsed is None:
            state[i] = BAD
        else:
            values[i] = parsed
    return values[codes], state[codes]


def cents(text: str) -> int | None:
    """'¥1,234.50' → 123450; exact (Decimal, half-up to the cent); None if not an amount."""
    plain = _CURRENCY.sub("", unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", ""))
    if not _NUMBER.fullmatch(plain):
        return None
    try:
        return int(Decimal(plain).quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    except InvalidOperation:
        return None


def whole_number(text: str) -> int | None:
    """'３' → 3, '2.0' → 2 (Excel writes numbers that way); None for anything else."""
    match = _INTEGER.fullmatch(unicodedata.normalize("NFKC", text).strip())
    return int(match.group(1)) if match else None


def to_cents(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return _per_value(series, cents)


def to_whole(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return _per_value(series, whole_number)


def to_time(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Naive business-time datetimes; offsets (Shopify's -0500) are converted to Asia/Shanghai."""
    s = series.reset_index(drop=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    empty = (s == "").to_numpy()
    zoned = s.str.contains(_OFFSET, regex=True).to_numpy() & ~empty
    if zoned.any():
        parsed = pd.to_datetime(s[zoned], format="ISO8601", utc=True, errors="coerce")
        missing = parsed.isna()
        if missing.any():
            parsed[missing] = pd.to_datetime(
                s[zoned][missing], format="%Y-%m-%d %H:%M:%S %z", utc=True, errors="coerce"
            )
        out[zoned] = parsed.dt.tz_convert(BUSINESS_TZ).dt.tz_localize(None)
    plain = ~zoned & ~empty
    if plain.any():
        out[plain] = pd.to_datetime(s[plain], format="ISO8601", errors="coerce")
    for fmt in TIME_FORMATS:
        todo = out.isna().to_numpy() & plain
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    serial = out.isna().to_numpy() & plain & s.str.fullmatch(_EXCEL_SERIAL).to_numpy()
    if serial.any():
        days = s[serial].astype("float64")  # a day count, not money: float is exact enough to the second
        out[serial] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("s")
    out = out.dt.floor("s")
    state = np.where(empty, EMPTY, np.where(out.isna().to_numpy(), BAD, OK)).astype(np.int8)
    return out, state
