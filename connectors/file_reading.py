"""Reading export files (CSV in any encoding sellers meet, XLSX) into frames of text."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd

from connectors.file_mapping import header_key
from core.errors import InvalidInput

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# Chinese exports are UTF-8 or GBK; GB18030 decodes every GBK file and more. Big5 is what
# Taiwanese tools write; UTF-16 is Excel's "Unicode text".
CANDIDATE_ENCODINGS = ["utf_8", "gb18030", "big5", "utf_16"]
_GB_FAMILY = {"gbk", "gb2312", "gb18030", "hz", "cp936"}
_BLANK_LINE = re.compile(rb"\n[ \t,\r]*\r?\n")


@dataclass(frozen=True)
class Table:
    """One file's rows as text ("" when empty); rows[i] is frame row i's spreadsheet row number."""

    name: str
    sha256: str
    frame: pd.DataFrame
    rows: np.ndarray


def read_table(path: str | Path, name: str | None = None) -> Table:
    """Read a CSV or XLSX export; the header is row 1, as Excel numbers rows."""
    path = Path(path)
    data = path.read_bytes()
    name = name or path.name
    if not data or data.isspace():
        raise InvalidInput(f"{name} is empty.")
    sha256 = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in EXCEL_SUFFIXES or data[:4] == b"PK\x03\x04":
        frame = _read_excel(data, name)
    else:
        frame = _read_csv(_utf8(data, name), name)
    del data  # a large export is read once; its bytes need not outlive the frame
    frame.columns = [header_key(c) for c in frame.columns]
    # Copies of a big frame are what an import's memory is made of: only when there is a reason.
    if any(dtype != "str" for dtype in frame.dtypes) or frame.isna().any(axis=None):
        frame = frame.fillna("").astype("str")
    rows = np.arange(2, len(frame) + 2)
    # Blank rows (often trailing, or a row of bare commas) are no data; the numbering keeps them.
    filled = (frame != "").any(axis=1).to_numpy()
    if not filled.all():
        frame, rows = frame[filled].reset_index(drop=True), rows[filled]
    return Table(name, sha256, frame, rows)


def _utf8(data: bytes, name: str) -> bytes:
    """The bytes as UTF-8 without BOM, whatever encoding they came in."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _recode(data, "utf_16", name)
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    # Detection on a sample: whole-file detection costs seconds on large exports.
    best = charset_normalizer.from_bytes(data[:262_144], cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        raise InvalidInput(f"{name} is not text in UTF-8, GBK/GB18030 or Big5; save it as CSV UTF-8 and retry.")
    encoding = "gb18030" if best.encoding.replace("_", "") in _GB_FAMILY else best.encoding
    return _recode(data, encoding, name)


def _recode(data: bytes, encoding: str, name: str) -> bytes:
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{name} looks like {encoding} text but byte {exc.start} is not; save it as CSV UTF-8 and retry."
        ) from None


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    first_line = data[: data.find(b"\n") if b"\n" in data else len(data)]
    sep = "\t" if first_line.count(b"\t") > first_line.count(b",") else ","
    header = next(csv.reader(io.StringIO(first_line.decode("utf-8")), delimiter=sep))
    options = {"sep": sep, "dtype": str, "keep_default_na": False, "na_filter": False}
    try:
        if not _BLANK_LINE.search(data):
            # Arrow's reader is ~3x faster but drops blank lines, which would shift row numbers.
            try:
                return pd.read_csv(io.BytesIO(data), engine="pyarrow", **_without_na_filter(options))
            except Exception:  # noqa: BLE001 - anything Arrow cannot parse gets the strict reader's message
                pass
        return pd.read_csv(io.BytesIO(data), skip_blank_lines=False, **options)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InvalidInput(f"{name} is not a readable CSV file ({header[:3]}…): {_first_line(exc)}") from None


def _without_na_filter(options: dict) -> dict:
    return {k: v for k, v in options.items() if k != "na_filter"}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_excel(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_excel(io.BytesIO(data), engine="openpyxl", dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; all mean "not a workbook we can read"
        raise InvalidInput(f"{name} is not a readable XLSX workbook: {_first_line(exc)}") from None
