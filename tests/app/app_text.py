"""What a page shows as text, piece by piece, and which pieces are not in the page's language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

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
READ_FIELDS = ("label", "body", "placeholder", "options", "help", "text", "caption", "default")
STATUS_HEADERS = re.compile(r"状态|类型|动作|渠道|原因|规则|角色|status|type|action|channel|reason|rule|role", re.I)


def shown_pieces(at: AppTest) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the page shows: titles, labels, options, messages, table headers and cells."""
    for node in at._tree:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "?")
        if kind in ("dataframe", "arrow_data_frame", "table"):
            yield from _table_pieces(kind, node.value, _headers(proto))
            continue
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        if chrome := _streamlit_words(node):
            yield f"{kind}.placeholder", chrome
        for name, text in _read_fields(proto):
            yield f"{kind}.{name}", text


def _read_fields(proto, depth: int = 0) -> Iterator[tuple[str, str]]:
    """The readable strings of a proto, and of the message inside a block (a tab's or expander's label)."""
    for field, value in proto.ListFields():
        if hasattr(value, "ListFields") and depth < 2:
            yield from _read_fields(value, depth + 1)
        elif field.name in READ_FIELDS:
            for text in value if hasattr(value, "extend") else [value]:
                if isinstance(text, str) and text.strip():
                    yield field.name, text


def _streamlit_words(node) -> str | None:
    """What Streamlit itself writes into an empty choice when the page gives no placeholder (in English)."""
    if node.type not in ("selectbox", "multiselect"):
        return None
    # A selectbox whose first option is None ("any") shows that option: it has a default index.
    empty = not node.value if node.type == "multiselect" else node.value is None and not node.proto.HasField("default")
    if empty and not node.proto.placeholder:
        return "Choose an option" if node.proto.options else "No options to select"
    return None


def _headers(proto) -> dict[str, dict]:
    """A grid's column configuration (the label shown over a column, whether it is hidden)."""
    return json.loads(proto.columns) if getattr(proto, "columns", "") else {}


def _table_pieces(kind: str, table: pd.DataFrame, config: dict[str, dict]) -> Iterator[tuple[str, str]]:
    """Headers as shown, text cells, and every empty cell (Streamlit's grid shows it as "None")."""
    for column in table.columns:
        shown = config.get(str(column), {})
        if shown.get("hidden"):
            continue
        header = shown.get("label") or str(column)
        yield f"{kind}.header", header
        where = f"{kind}.cell:{header}"
        shows_text = _is_text(table[column]) or STATUS_HEADERS.search(header)
        for cell in table[column].head(60):
            if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
                yield where, "None"
            elif shows_text:
                yield where, str(cell)


def faults(at: AppTest, lang: str, names: Iterable[str] = ()) -> list[str]:
    """Every piece of text that is not in the page's language: raw keys and codes, empty values shown
    as None/nan, English on a Chinese page (Chinese table headers on an English page). `names` are
    data that may be written in letters (usernames)."""
    found = []
    data = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])") if names else None
    for where, text in shown_pieces(at):
        readable = data.sub(" ", _without_markup(text)) if data else _without_markup(text)
        if fault := fault_of(where, readable, lang):
            found.append(f"{where}: {text[:90]!r} ({fault})")
    return sorted(set(found))


def _without_markup(text: str) -> str:
    """The words of a piece of HTML (a page's own styles and tags are no text a person reads)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", text, flags=re.S))


def fault_of(where: str, text: str, lang: str) -> str | None:
    if RAW_KEY.match(text.strip()):
        return "raw key"
    if EMPTY_WORDS.search(text):
        return "empty shown as a word"
    if SNAKE_CODE.search(_without_allowed(text)):
        return "code"
    if lang == "zh":
        return _english_on_chinese(where, text)
    if where.endswith("header") and CJK.search(text):
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
