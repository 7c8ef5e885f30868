"""The rows of one import (an export file, or Taobao's orders + items pair) as typed columns, with
each bad row's first problem; an order with any bad row is rejected whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from connectors.file_mapping import LINE_MONEY, ORDER_MONEY, TIME_FIELDS, Mapping, Sheet, header_key
from connectors.file_reading import Table
from connectors.file_values import BAD, EMPTY, clean_code, clean_text, to_cents, to_time, to_whole
from core.errors import AmbiguousDates, InvalidInput

TEXT_FIELDS = frozenset(
    {"buyer", "address", "city", "province", "country", "shop", "buyer_remark", "seller_remark", "carrier"}
)
_SCIENTIFIC = r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"  # [0-9], not \d, keeps pandas on Arrow's regex engine


@dataclass(frozen=True)
class Source:
    table: Table
    sheet: Sheet
    heads: bool  # its rows carry order-level fields
    lines: bool  # its rows carry order lines


@dataclass
class Problems:
    """The first problem of each row, by position in the combined rows: a code and its values;
    and warnings, about rows that land all the same (a remark cut to fit)."""

    bad: np.ndarray  # bool per row
    codes: dict[int, str] = field(default_factory=dict)
    params: dict[int, dict] = field(default_factory=dict)
    warnings: list[tuple[int, str, dict]] = field(default_factory=list)  # (row, code, params)

    def flag(self, mask: np.ndarray, code: str, params: Callable[[int], dict] = lambda _: {}) -> None:
        for i in np.flatnonzero(mask & ~self.bad):
            self.bad[i] = True
            self.codes[int(i)] = code
            self.params[int(i)] = params(int(i))

    def warn(self, mask: np.ndarray, code: str, params: Callable[[int], dict]) -> None:
        self.warnings += [(int(i), code, params(int(i))) for i in np.flatnonzero(mask & ~self.bad)]


@dataclass
class Rows:
    """All rows of the import: text fields, parsed values and the row's origin."""

    text: pd.DataFrame  # one column per mapped field, "" when empty
    values: dict[str, np.ndarray | pd.Series]  # parsed qty, money (cents), times
    states: dict[str, np.ndarray]  # OK / EMPTY / BAD per parsed field
    source: np.ndarray  # index into the sources
    position: np.ndarray  # row position within its source's frame
    row_no: np.ndarray  # spreadsheet row number
    is_head: np.ndarray
    is_line: np.ndarray
    columns: dict[str, str]  # field → the column it was read from (first one found), for messages
    problems: Problems
    files: list[str]  # the sources' file names
    order: np.ndarray  # per row: index of its order key in `keys`, -1 without a key
    keys: np.ndarray  # the distinct order keys, in order of first appearance
    # Per field with candidate columns: per row, whether its value came from a later candidate.
    fallback: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def key(self) -> pd.Series:
        return self.text["_key"]

    def per_order(self, flags: np.ndarray) -> np.ndarray:
        """Per row: the flag of its order (False for rows without an order key)."""
        return np.where(self.order >= 0, flags[self.order], False)

    def where(self, i: int) -> dict:
        return {"row": int(self.row_no[i]), "file": self.files[self.source[i]]}


def read_rows(mapping: Mapping, sources: list[Source], date_formats: dict[str, str] | None = None) -> Rows:
    """`date_formats`: column → "m/d/Y" or "d/m/Y", for columns whose dates read either way."""
    frames, columns, fallbacks = [], {}, []
    for index, src in enumerate(sources):
        frame, used, fallback = _fields(mapping, src)
        fallbacks.append((len(frame), fallback))
        frame["_source"], frame["_position"] = index, np.arange(len(frame))
        frame["_row"], frame["_head"], frame["_line"] = src.table.rows, src.heads, src.lines
        frames.append(frame)
        columns.update({f: c for f, c in used.items() if f not in columns})
    text = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    meta = ["_source", "_position", "_row", "_head", "_line"]
    arrays = {name: text.pop(name).to_numpy() for name in meta}
    if len(frames) > 1:  # fields of one file only are missing in the other's rows
        text = text.fillna("").astype("str")
    text["_key"] = text[mapping.row_key]
    order, keys = pd.factorize(text["_key"])
    order[(text["_key"] == "").to_numpy()] = -1
    rows = Rows(
        text=text,
        values={},
        states={},
        source=arrays["_source"],
        position=arrays["_position"],
        row_no=arrays["_row"],
        is_head=arrays["_head"].astype(bool),
        is_line=arrays["_line"].astype(bool),
        columns=columns,
        problems=Problems(np.zeros(len(text), dtype=bool)),
        files=[src.table.name for src in sources],
        order=order.astype(np.int64),
        keys=np.asarray(keys, dtype=object),
        fallback={
            name: np.concatenate([found.get(name, np.zeros(n, dtype=bool)) for n, found in fallbacks])
            for name in {name for _, found in fallbacks for name in found}
        },
    )
    _parse(rows, {header_key(column): order for column, order in (date_formats or {}).items()})
    return rows


def _fields(mapping: Mapping, src: Source) -> tuple[pd.DataFrame, dict[str, str], dict[str, np.ndarray]]:
    """The mapped fields of one file, cleaned; candidates coalesce row by row (and which rows
    took a later candidate is kept: their value is another column's, e.g. Shopify's Name where
    Id is empty)."""
    frame, present = src.table.frame, set(src.table.frame.columns)
    missing = [
        names[0]
        for f, names in src.sheet.columns.items()
        if f in src.sheet.required and not any(c in present for c in names)
    ]
    if missing:
        raise InvalidInput(f"{src.table.name} lacks the column(s) {', '.join(missing)} of a {mapping.title} file.")
    out, used, fallback = {}, {}, {}
    for name, candidates in src.sheet.columns.items():
        found = [c for c in candidates if c in present]
        if not found:
            continue
        clean = clean_text if name in TEXT_FIELDS else clean_code
        value = clean(frame[found[0]])
        if len(found) > 1:
            fallback[name] = (value == "").to_numpy()
        for other in found[1:]:
            value = value.where(value != "", clean(frame[other]))
        out[name], used[name] = value, found[0]
    return pd.DataFrame(out), used, fallback


def _parse(rows: Rows, date_formats: dict[str, str]) -> None:
    parsers = {"qty": to_whole, **{f: to_cents for f in (*ORDER_MONEY, *LINE_MONEY)}}
    for name, parse in parsers.items():
        if name in rows.text:
            rows.values[name], rows.states[name] = parse(rows.text[name])
    ambiguous = {}  # every such column at once: the user answers them together
    for name in (f for f in TIME_FIELDS if f in rows.text):
        column = rows.columns[name]
        try:
            rows.values[name], rows.states[name] = to_time(rows.text[name], date_formats.get(column), column)
        except AmbiguousDates as exc:
            ambiguous |= exc.choices
    if ambiguous:
        raise AmbiguousDates(ambiguous)


def check_rows(rows: Rows) -> None:
    """Row by row: missing or malformed values, orders repeated in an orders file. An unknown SKU
    is no problem: ingest creates it, as it does for an API pull."""
    key, text, flag = rows.key, rows.text, rows.problems.flag
    flag((key == "").to_numpy(), "missing_order_no")
    flag(key.str.fullmatch(_SCIENTIFIC).to_numpy(), "order_no_scientific", lambda i: {"value": key.iat[i]})
    if rows.is_line.any():
        _check_lines(rows)
    for name in (*TIME_FIELDS, *ORDER_MONEY, *LINE_MONEY):
        if name in rows.states:
            code = "bad_date" if name in TIME_FIELDS else "bad_amount"
            flag(rows.states[name] == BAD, code, lambda i, n=name: {"column": rows.columns[n], "value": text[n].iat[i]})
    _check_duplicates(rows)


def _check_lines(rows: Rows) -> None:
    line, text, flag = rows.is_line, rows.text, rows.problems.flag
    sku = text["sku"]
    flag(line & (sku == "").to_numpy(), "missing_sku")
    qty_state, qty = rows.states["qty"], rows.values["qty"]
    flag(line & (qty_state == EMPTY), "missing_qty")
    flag(line & (qty_state == BAD), "bad_qty", lambda i: {"value": text["qty"].iat[i]})
    flag(line & (qty < 0), "negative_qty", lambda i: {"value": text["qty"].iat[i]})
    flag(line & (qty == 0), "zero_qty")
    price = "unit_price" if "unit_price" in rows.states else "line_total"
    flag(line & (rows.states[price] == EMPTY), "missing_price", lambda _: {"column": rows.columns[price]})


def _check_duplicates(rows: Rows) -> None:
    """The same order twice in an orders file is ambiguous. (The same SKU on several rows of a
    lines file is one line: file_orders sums them.)"""
    mask = rows.is_head & ~rows.is_line & (rows.order >= 0)
    if not mask.any():
        return
    where = np.flatnonzero(mask)
    _, first, inverse = np.unique(rows.order[where], return_index=True, return_inverse=True)
    first_of = where[first[inverse]]
    later = first_of != where
    dup = np.zeros(len(rows.order), dtype=bool)
    dup[where[later]] = True
    first_row = dict(zip(where[later].tolist(), rows.row_no[first_of[later]].tolist(), strict=True))
    rows.problems.flag(dup, "duplicate_order", lambda i: {"first_row": first_row[i]})


def check_orphans(rows: Rows) -> None:
    """Item rows whose order is not in the orders file cannot be imported."""
    has_head = np.zeros(len(rows.keys), dtype=bool)
    has_head[rows.order[rows.is_head & (rows.order >= 0)]] = True
    orphan = rows.is_line & ~rows.is_head & (rows.order >= 0) & ~rows.per_order(has_head)
    rows.problems.flag(orphan, "not_in_orders_file", lambda i: {"order_no": rows.key.iat[i]})


def reject_whole_orders(rows: Rows) -> np.ndarray:
    """Every row of an order with a bad row is rejected, naming the first bad row.

    Returns a flag per order key: rejected or not."""
    first_bad: dict[int, int] = {}
    for i in np.flatnonzero(rows.problems.bad & (rows.order >= 0)):
        first_bad.setdefault(int(rows.order[i]), int(i))
    rejected = np.zeros(len(rows.keys), dtype=bool)
    rejected[list(first_bad)] = True
    victims = ~rows.problems.bad & rows.per_order(rejected)
    rows.problems.flag(victims, "order_rejected", lambda i: rows.where(first_bad[int(rows.order[i])]))
    return rejected
