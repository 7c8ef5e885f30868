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
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 65_536  # what the delimiter and the header row are decided on
SAMPLE_RECORDS = 50
_DECIMAL_COMMA_SEEN = "[0-9],[0-9]{1,2}$"
# Empty, or a European number: thousands by dots, decimals by comma, maybe a currency sign.
_EUROPEAN_NUMBER = "|[-+]?[€$£¥]? ?(?:[0-9]{1,3}(?:[.][0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})? ?[€$£¥]?"
_NUMERIC_CELL = re.compile(r"[-+¥$€£]?[0-9][0-9.,:/ -]*")


@dataclass(frozen=True)
class Table:
    """One file's rows as text ("" when empty); rows[i] is frame row i's spreadsheet row number."""

    name: str
    sha256: str
    frame: pd.DataFrame
    rows: np.ndarray


def read_table(path: str | Path, name: str | None = None) -> Table:
    """Read a CSV or XLSX export whose header is its first header-like row (title lines above it
    are skipped); rows are numbered as Excel numbers them."""
    path = Path(path)
    data = path.read_bytes()
    name = name or path.name
    if not data or data.isspace():
        raise InvalidInput(f"{name} is empty.")
    sha256 = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in EXCEL_SUFFIXES or data[:4] == b"PK\x03\x04":
        frame, header_row = _read_excel(data, name)
    else:
        frame, header_row = _read_csv(_utf8(data, name), name)
    del data  # a large export is read once; its bytes need not outlive the frame
    frame.columns = [header_key(c) for c in frame.columns]
    # Copies of a big frame are what an import's memory is made of: only when there is a reason.
    if any(dtype != "str" for dtype in frame.dtypes) or frame.isna().any(axis=None):
        frame = frame.fillna("").astype("str")
    rows = np.arange(header_row + 1, len(frame) + header_row + 1)
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


@dataclass(frozen=True)
class _Layout:
    """How a CSV file is laid out: its delimiter and where its header is."""

    sep: str
    header_row: int  # as Excel numbers rows (1 = the first line)
    header_offset: int  # the byte where the header line starts


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, int]:
    layout = _csv_layout(data)
    frame = _parse_csv(data, name, layout)
    return (_decimal_points(frame) if layout.sep == ";" else frame), layout.header_row


def _parse_csv(data: bytes, name: str, layout: _Layout) -> pd.DataFrame:
    if layout.header_offset:
        data = data[layout.header_offset :]
    first_line = data[: data.find(b"\n") if b"\n" in data else len(data)]
    header = next(csv.reader(io.StringIO(first_line.decode("utf-8")), delimiter=layout.sep), [])
    options = {"sep": layout.sep, "dtype": str, "keep_default_na": False, "na_filter": False}
    try:
        if not _blank_line(layout.sep).search(data):
            # Arrow's reader is ~3x faster but drops blank lines, which would shift row numbers.
            try:
                return pd.read_csv(io.BytesIO(data), engine="pyarrow", **_without_na_filter(options))
            except Exception:  # noqa: BLE001 - anything Arrow cannot parse gets the strict reader's message
                pass
        return pd.read_csv(io.BytesIO(data), skip_blank_lines=False, **options)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InvalidInput(f"{name} is not a readable CSV file ({header[:3]}…): {_first_line(exc)}") from None


def _decimal_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers written the European way (`1.234,50`, what `;`-separated files hold) in the
    notation the value parsers read (`1234.50`): only in a column whose every value is such a
    number and one at least has a decimal comma; other columns are left as they are."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != "str" or not values.str.contains(_DECIMAL_COMMA_SEEN, regex=True).any():
            continue
        if values.str.fullmatch(_EUROPEAN_NUMBER).all():
            frame[column] = values.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return frame


def _blank_line(sep: str) -> re.Pattern:
    """A line of nothing but spaces and delimiters (Excel writes `,,,,` for an empty row)."""
    return re.compile(rb"\n[ \t\r" + re.escape(sep.encode()) + rb"]*\r?\n")


def _csv_layout(data: bytes) -> _Layout:
    """The delimiter whose split of the first records gives the most cells in rows of one width
    (rows × width: a delimiter that only occurs inside quoted cells splits fewer, narrower rows),
    and the header row (see _header_index)."""
    sample = data[:SAMPLE_BYTES]
    if len(data) > SAMPLE_BYTES:  # a record cut in half is no evidence
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    text = sample.decode("utf-8", errors="replace")
    best: tuple[tuple[int, int], str, list] | None = None
    for sep in DELIMITERS:
        records = _records(text, sep)
        widths = [len(cells) for _, cells in records if any(c.strip() for c in cells)]
        width = max(set(widths), key=lambda w: (widths.count(w), w), default=0)
        score = (widths.count(width) * width if width > 1 else 0, width)
        if best is None or score > best[0]:
            best = (score, sep, records)
    (_, width), sep, records = best
    at = _header_index([cells for _, cells in records], width)
    line = records[at][0] if records else 0
    return _Layout(sep, at + 1, _nth_line_start(sample, line) if line else 0)


def _records(text: str, sep: str) -> list[tuple[int, list[str]]]:
    """The sample's first records with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    records, line = [], 0
    try:
        for cells in reader:
            records.append((line, cells))
            line = reader.line_num
            if len(records) == SAMPLE_RECORDS:
                break
    except csv.Error:  # an unterminated quote: the reader proper says so with the file's name
        pass
    return records


def _header_index(rows: list[list[str]], width: int) -> int:
    """The header's index: the first row with half its `width` or more filled, if it is mostly
    words; the rows above it (titles, export times, blank lines) fill less. A first full row
    of numbers and dates is data: the file then starts with its header, whatever it looks like."""
    for index, cells in enumerate(rows):
        named = [c for c in (c.strip() for c in cells) if c]
        if len(named) < max(2, (width + 1) // 2):
            continue
        words = [c for c in named if not _NUMERIC_CELL.fullmatch(c)]
        return index if len(words) * 2 > len(named) else 0
    return 0


def _nth_line_start(data: bytes, line: int) -> int:
    offset = 0
    for _ in range(line):
        offset = data.index(b"\n", offset) + 1
    return offset


def _without_na_filter(options: dict) -> dict:
    return {k: v for k, v in options.items() if k != "na_filter"}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_excel(data: bytes, name: str) -> tuple[pd.DataFrame, int]:
    try:
        sheet = pd.read_excel(io.BytesIO(data), engine="openpyxl", dtype=str, keep_default_na=False, header=None)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; all mean "not a workbook we can read"
        raise InvalidInput(f"{name} is not a readable XLSX workbook: {_first_line(exc)}") from None
    if sheet.empty:
        return sheet, 1
    sheet = sheet.fillna("").astype("str")
    top = sheet.head(SAMPLE_RECORDS).to_numpy().tolist()
    at = _header_index(top, sheet.shape[1])
    frame = sheet.iloc[at + 1 :].reset_index(drop=True)
    frame.columns = sheet.iloc[at].tolist()
    return frame, at + 1
