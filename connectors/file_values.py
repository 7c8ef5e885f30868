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
from core.errors import AmbiguousDates, InvalidInput

# Full-width ASCII (１２３, ＳＫＵ, ￥) and the ideographic space. The characters themselves, not
# \u escapes: Arrow's regex engine (RE2) takes them natively, escapes send pandas to a Python loop.
_WIDE = "[\uff01-\uff5e\u3000]"
_CURRENCY = re.compile(r"^(?:RMB|CNY|USD|[¥$€£])|(?:元|RMB|CNY)$", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"([+-]?\d+)(?:\.0*)?")
_OFFSET = r"(?:[+-][0-9]{2}:?[0-9]{2}|Z)$"
_EXCEL_SERIAL = r"[0-9]{5}(?:\.[0-9]+)?"
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
# Dates written with day and month first (11/8/2018, 20.02.2011, 2/20/11 11:39 PM) are read in
# the one order their whole column fits; see _day_month. Two-digit years: 00–69 → 2000–2069,
# 70–99 → 1970–1999 (pandas, like Python, would read 69 as 1969; see _read_day_month).
DATE_ORDERS = ("m/d/Y", "d/m/Y")
_DAY_MONTH_START = "^[0-9]{1,2}[/.-][0-9]{1,2}[/.-]"
# Such a value with its digits written as 9: separator, year, then an optional time of day.
_DAY_MONTH_SHAPE = re.compile(r"9{1,2}([/.-])9{1,2}\1(9{4}|9{2})(?: (9{1,2}:99)(:99)?( ?[AaPp][Mm])?)?")
DATE_SAMPLE = 20_000  # values whose shapes give a column's day-and-month-first formats
CENT = Decimal("0.01")

# Status of a parsed value.
OK, EMPTY, BAD = 0, 1, 2
# Spelled out, not \s or \d: pandas runs those through Python's re, not Arrow's RE2.
_SPACE = "[ \t\r\n\u00a0\u3000]"
# The quote core.spreadsheet puts before a formula-like cell of a file for people (a fix-up file
# corrected in Excel): read back, the cell is the text it was.
_INERT_FORMULA = "^'[=+@-]"
_NEEDS_TEXT_CLEANING = f'^{_SPACE}|{_SPACE}$|^="|' + _INERT_FORMULA
_NEEDS_CODE_CLEANING = _NEEDS_TEXT_CLEANING + "|^'|" + _WIDE


def clean_code(series: pd.Series) -> pd.Series:
    """Codes and numbers as typed: trimmed, `="2026…"`/`'2026…` protection removed, full-width folded."""
    return _only_where(series, _NEEDS_CODE_CLEANING, _clean_code)


def clean_text(series: pd.Series) -> pd.Series:
    """Free text (names, addresses): trimmed and protection removed, Chinese punctuation kept."""
    return _only_where(series, _NEEDS_TEXT_CLEANING, _clean_text)


def _only_where(series: pd.Series, pattern: str, clean: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Most cells need nothing: one regex pass finds those that do, and only they are cleaned."""
    todo = series.str.contains(pattern, regex=True).to_numpy()
    if not todo.any():
        return series
    cleaned = series.copy()
    cleaned[todo] = clean(series[todo])
    return cleaned


def _clean_code(s: pd.Series) -> pd.Series:
    s = _clean_text(s)
    s = s.where(~s.str.startswith("'"), s.str.slice(1))
    s = s.where(~s.str.contains(_WIDE, regex=True), s.str.normalize("NFKC"))
    return s.str.strip()


def _clean_text(s: pd.Series) -> pd.Series:
    s = s.str.strip()
    wrapped = s.str.startswith('="') & s.str.endswith('"')
    s = s.where(~wrapped, s.str.slice(2, -1))
    return s.where(~s.str.contains(_INERT_FORMULA, regex=True), s.str.slice(1))


_INT64 = np.iinfo(np.int64)


def _per_value(series: pd.Series, parse: Callable[[str], int | None]) -> tuple[np.ndarray, np.ndarray]:
    """(values, state) arrays: parse each distinct text once, then spread to all rows. A number
    beyond int64 (a 20-digit quantity) is kept at int64's bound, far over any limit the checks
    apply (file_checks), so it is rejected as too large rather than overflowing."""
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
            values[i] = min(max(parsed, -_INT64.max), _INT64.max)  # symmetric: abs() stays in range
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


def to_time(series: pd.Series, date_format: str | None = None, column: str = "") -> tuple[pd.Series, np.ndarray]:
    """Naive business-time datetimes; offsets (Shopify's -0500) are converted to Asia/Shanghai.

    `date_format` ("m/d/Y" or "d/m/Y") says how to read the column's day-and-month-first dates
    when they fit both orders; without it such a column raises AmbiguousDates naming `column`."""
    if date_format not in (None, *DATE_ORDERS):
        raise InvalidInput(f"Unknown date format {date_format!r}; choose one of {', '.join(DATE_ORDERS)}.")
    s = series.reset_index(drop=True)
    empty = (s == "").to_numpy()
    zoned = s.str.contains(_OFFSET, regex=True).to_numpy() & ~empty
    out = _parse_times(s, format="ISO8601") if not zoned.any() else np.full(len(s), np.datetime64("NaT", "us"))
    if zoned.any():
        out[zoned] = _zoned(s[zoned])
        plain = np.flatnonzero(~zoned & ~empty)
        out[plain] = _parse_times(s.iloc[plain], format="ISO8601")
    todo = np.flatnonzero(np.isnat(out) & ~empty & ~zoned)
    todo = todo[s.iloc[todo].str.contains(_DAY_MONTH_START, regex=True).to_numpy()] if len(todo) else todo
    if len(todo):
        out[todo] = _day_month(s.iloc[todo], date_format, column)
    for fmt in TIME_FORMATS:  # the other ways exports write times, tried only on what is still unparsed
        todo = np.flatnonzero(np.isnat(out) & ~empty & ~zoned)
        if not len(todo):
            break
        out[todo] = _parse_times(s.iloc[todo], format=fmt)
    serial = np.isnat(out) & ~empty & s.str.fullmatch(_EXCEL_SERIAL).to_numpy()
    if serial.any():
        days = s[serial].astype("float64").to_numpy()  # a day count, not money: float is exact to the second
        out[serial] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).round("s").to_numpy()
    times = pd.Series(out).dt.floor("s")
    state = np.where(empty, EMPTY, np.where(times.isna().to_numpy(), BAD, OK)).astype(np.int8)
    return times, state


def _day_month(texts: pd.Series, date_format: str | None, column: str) -> np.ndarray:
    """Texts that start like a date written day and month first, read in the order the whole
    column fits (NaT where they are no such date). A column that fits both orders is the user's
    to decide (`date_format`), unless its dates read the same either way (1/1/2026); one that
    fits neither is read in the order most of it fits, the rest being bad dates.

    The formats and the order to try first come from a sample; the column is then read in one
    pass of pandas' C parser per format. Whether it also fits the other order follows from the
    days read (all ≤ 12), so a second pass is needed only for the dates the first one failed."""
    sample = texts.iloc[np.linspace(0, len(texts) - 1, min(len(texts), DATE_SAMPLE)).astype(int)]
    formats = _day_month_formats_in(sample)
    first = date_format or max(DATE_ORDERS, key=lambda o: (~np.isnat(_read_day_month(sample, o, formats))).sum())
    reading = _read_day_month(texts, first, formats)
    unread = np.flatnonzero(np.isnat(reading))
    shapes = texts.iloc[unread].str.replace("[0-9]", "9", regex=True)
    others = _day_month_formats_in(shapes, shaped=True)  # shapes the sample missed
    reading[unread] = _read_day_month(texts.iloc[unread], first, others)
    formats |= others
    if date_format:
        return reading
    failed = unread[shapes.str.fullmatch(_DAY_MONTH_SHAPE.pattern).to_numpy() & np.isnat(reading[unread])]
    (second,) = set(DATE_ORDERS) - {first}
    days = pd.DatetimeIndex(reading[~np.isnat(reading)])
    failed_read_second = _read_day_month(texts.iloc[failed], second, formats)
    fit_second = int((days.day <= 12).sum()) + int((~np.isnat(failed_read_second)).sum())
    if not len(failed) and fit_second == len(days) and (days.day != days.month).any():
        raise AmbiguousDates({column: DATE_ORDERS})
    return _read_day_month(texts, second, formats) if fit_second > len(days) else reading


def _day_month_formats_in(texts: pd.Series, shaped: bool = False) -> dict[str, dict[str, str]]:
    """The formats of the texts (or of their shapes) that are dates day and month first, keyed by
    the month-first one, most common first."""
    shapes = (texts if shaped else texts.str.replace("[0-9]", "9", regex=True)).value_counts().index
    found = [formats for shape in shapes if (formats := _day_month_formats(shape))]
    return {formats[DATE_ORDERS[0]]: formats for formats in found}


def _day_month_formats(shape: str) -> dict[str, str] | None:
    """The strptime formats of a day-and-month-first shape ("99/9/99 99:99"), per order."""
    match = _DAY_MONTH_SHAPE.fullmatch(shape)
    if not match:
        return None
    sep, year, hours, seconds, noon = match.groups()
    time = ""
    if hours:
        time = (" %I:%M" if noon else " %H:%M") + (":%S" if seconds else "") + (noon[:-2] + "%p" if noon else "")
    tail = f"{sep}{'%Y' if len(year) == 4 else '%y'}{time}"
    return {"m/d/Y": f"%m{sep}%d{tail}", "d/m/Y": f"%d{sep}%m{tail}"}


def _read_day_month(texts: pd.Series, order: str, formats: dict[str, dict[str, str]]) -> np.ndarray:
    out = np.full(len(texts), np.datetime64("NaT", "us"))
    for by_order in formats.values():
        todo = np.flatnonzero(np.isnat(out))
        if not len(todo):
            break
        out[todo] = _parse_times(texts.iloc[todo], format=by_order[order], cache=True)
        if "%y" in by_order[order]:
            out[todo] = _two_digit_pivot(out[todo])
    return out


def _two_digit_pivot(times: np.ndarray) -> np.ndarray:
    """%y reads 69 as 1969; the documented pivot reads it as 2069."""
    in_1969 = times.astype("datetime64[Y]") == np.datetime64("1969", "Y")
    if in_1969.any():
        times[in_1969] = (pd.DatetimeIndex(times[in_1969]) + pd.DateOffset(years=100)).to_numpy()
    return times


def _parse_times(texts: pd.Series, format: str, cache: bool = False) -> np.ndarray:
    # No cache for ISO times: its unique-value lookup costs more than parsing them again; times in
    # other formats cost more to parse than to look up.
    parsed = pd.to_datetime(texts, format=format, errors="coerce", cache=cache)
    return parsed.to_numpy(dtype="datetime64[us]", copy=True)


def _zoned(texts: pd.Series) -> np.ndarray:
    parsed = pd.to_datetime(texts, format="ISO8601", utc=True, errors="coerce")
    missing = parsed.isna().to_numpy()
    if missing.any():  # Shopify's "2025-12-06 10:37:33 -0500" has a space before the offset
        parsed[missing] = pd.to_datetime(texts[missing], format="%Y-%m-%d %H:%M:%S %z", utc=True, errors="coerce")
    return parsed.dt.tz_convert(BUSINESS_TZ).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
