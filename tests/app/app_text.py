"""What a page shows as text, piece by piece, and which pieces are not in the page's language."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
from streamlit.testing.v1 import AppTest

# Words that stay as they are in Chinese: brand and format names, and the units clerks use.
ALLOWED_WORDS = frozenset(
    {"SKU", "CSV", "XLSX", "Excel", "OrderHub", "Shopify", "PDF", "ID", "Parquet", "SLA", "API", "URL", "SMTP"}
)
RAW_KEY = re.compile(r"^[a-z_]+\.[a-z_.]+$")
SNAKE_CODE = re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z]+)+(?![\w./@-])")
ENGLISH_RUN = re.compile(r"(?<![\w./@-])[A-Za-z][a-z]+(?: [A-Za-z][a-z]+)+(?![\w@-])")
ENGLISH_WORD = re.compile(r"(?<![\w./@-])[A-Za-z][a-z]{2,}(?![\w@-])")
EMPTY_WORDS = re.compile(r"(?<![\w])(None|nan|NaN|NaT|null)(?![\w])")
CJK = re.compile(r"[\u4e00-\u9fff]")
# The string fields of a widget or element a person reads (not its data: cells come from DataFrames).
READ_FIELDS = ("label", "body", "placeholder", "options", "help", "text", "caption")
STATUS_HEADERS = re.compile(r"状态|类型|动作|渠道|原因|规则|角色|status|type|action|channel|reason|rule|role", re.I)


def shown_pieces(at: AppTest) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the page shows: titles, labels, options, messages, table headers and cells."""
    for node in at._tree:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "?")
        if kind in ("dataframe", "arrow_data_frame", "table"):
            yield from _table_pieces(kind, node.value)
            continue
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        for field, value in proto.ListFields():
            if field.name not in READ_FIELDS:
                continue
            for text in value if isinstance(value, (list, tuple)) or hasattr(value, "extend") else [value]:
                if isinstance(text, str) and text.strip():
                    yield f"{kind}.{field.name}", text


def _table_pieces(kind: str, table: pd.DataFrame) -> Iterator[tuple[str, str]]:
    for column in table.columns:
        yield f"{kind}.header", str(column)
        if _is_text(table[column]) or STATUS_HEADERS.search(str(column)):
            for cell in table[column].head(60):
                where = f"{kind}.cell:{column}"
                yield where, "None" if cell is None or (not isinstance(cell, str) and pd.isna(cell)) else str(cell)


def faults(at: AppTest, lang: str) -> list[str]:
    """Every piece of text that is not in the page's language: raw keys and codes, empty values shown
    as None/nan, English on a Chinese page (Chinese labels on an English page)."""
    found = []
    for where, text in shown_pieces(at):
        if fault := fault_of(where, text, lang):
            found.append(f"{where}: {text[:90]!r} ({fault})")
    return sorted(set(found))


def fault_of(where: str, text: str, lang: str) -> str | None:
    if RAW_KEY.match(text.strip()):
        return "raw key"
    if EMPTY_WORDS.search(text):
        return "empty shown as a word"
    if SNAKE_CODE.search(_without_allowed(text)):
        return "code"
    if lang == "zh":
        return _english_on_chinese(where, text)
    if where.endswith(("header", ".label", ".placeholder")) and CJK.search(text):
        return "Chinese on an English page"
    return None


def _english_on_chinese(where: str, text: str) -> str | None:
    text = _without_allowed(text)
    if ENGLISH_RUN.search(text):
        return "English"
    is_free_cell = ".cell:" in where and not STATUS_HEADERS.search(where.split(".cell:")[1])
    if not is_free_cell and ENGLISH_WORD.search(text):
        return "English word"
    return None


def _without_allowed(text: str) -> str:
    text = re.sub(r"https?://\S+|\S+@\S+|:material/\w+:|`[^`]*`", " ", text)
    return re.sub(r"[A-Za-z]+", lambda word: " " if word.group() in ALLOWED_WORDS else word.group(), text)


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column)
