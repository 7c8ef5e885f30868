"""Values the store could not hold as they were meant, caught row by row before ingest.

The database would refuse some of them (PostgreSQL enforces column lengths and integer ranges,
and one refused row aborts its whole batch) and silently keep others (SQLite does not), so the
two would differ; others are possible to store but are not real trade (a quantity of three
billion, a date in 1999, paid before created). Each rejects its row, and so its whole order,
with a one-line reason that names the column, never the personal data in it:

- `qty_too_large`: a quantity above ORDERHUB_IMPORT_MAX_QTY (default 10,000) on a row, or on
  a line once the rows of one SKU are summed (file_orders.check_line_sums);
- `amount_too_large`: money beyond the store's integer cents (21,474,836.47), and
  `order_total_too_large` for an order's goods plus shipping;
- `negative_amount`: a negative unit price, line total, discount, order amount or shipping fee;
- `control_character`: NUL or another control character; free text (file_rows.TEXT_FIELDS) may
  keep tabs and line breaks;
- `text_too_long`: an identifier, code or delivery field longer than its column (order no.,
  SKU, phone, tracking no., carrier, shop, buyer, address);
- `date_out_of_range`: a date before 2000 or more than a day after the import's time;
- `paid_before_created`;
- `order_rows_disagree`: rows of one order giving an order-level field different values.

Free text whose start carries its meaning (remarks, province, city) is cut to its column
instead, and the row lands with a `text_truncated` warning: a long remark is no reason to lose
an order, while a cut address or phone would send the parcel wrong.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from connectors.file_mapping import LINE_MONEY, ORDER_MONEY, TIME_FIELDS
from connectors.file_rows import TEXT_FIELDS, Rows
from connectors.file_values import OK
from core.errors import InvalidInput
from core.intake.limits import FIELD_LENGTHS

DEFAULT_MAX_QTY = 10_000
MAX_CENTS = 2**31 - 1  # the money columns are Integer: PostgreSQL's int4
EARLIEST = datetime(2000, 1, 1)
FUTURE_MARGIN = timedelta(days=1)
NON_NEGATIVE = frozenset(
    {"unit_price", "line_total", "discount", "goods", "paid", "platform_discount", "seller_coupon", "shipping_fee"}
    | {"order_total", "refund"}
)
TRUNCATED = frozenset({"province", "city", "buyer_remark", "seller_remark"})
_CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
# The characters themselves in a class: Arrow's regex engine then runs it (see file_values).
ANY_CONTROL = "[" + "".join(_CONTROLS) + "]"
_CONTROL_IN_TEXT = "[" + "".join(c for c in _CONTROLS if c not in "\t\n\r") + "]"


def max_qty() -> int:
    """The largest quantity one line may have: ORDERHUB_IMPORT_MAX_QTY, default 10,000."""
    text = os.environ.get("ORDERHUB_IMPORT_MAX_QTY", str(DEFAULT_MAX_QTY))
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"ORDERHUB_IMPORT_MAX_QTY must be a whole number of at least 1, got {text!r}.")
    return int(text)


def check_values(rows: Rows, row_key: str, now: datetime, qty_limit: int) -> None:
    """The rules of the module docstring that one row shows (check_agreement: an order's rows)."""
    _check_text(rows, row_key)
    _check_numbers(rows, qty_limit)
    _check_times(rows, now)


def _check_text(rows: Rows, row_key: str) -> None:
    text, flag = rows.text, rows.problems.flag
    fields = [name for name in text.columns if name != "_key"]
    for name in fields:
        if name in rows.values:  # stored parsed, not as text; a control character makes it bad
            continue
        pattern = _CONTROL_IN_TEXT if name in TEXT_FIELDS else ANY_CONTROL
        flag(text[name].str.contains(pattern, regex=True).to_numpy(), "control_character", _column(rows, name))
    limits = {name: FIELD_LENGTHS[name] for name in fields if name in FIELD_LENGTHS}
    if row_key not in FIELD_LENGTHS:  # the key is the order number when the file has none
        limits[row_key] = FIELD_LENGTHS["order_no"]
    for name, limit in limits.items():
        too_long = (text[name].str.len() > limit).to_numpy()
        if not too_long.any():
            continue
        params = _column(rows, name, limit=limit)
        if name in TRUNCATED:
            rows.problems.warn(too_long, "text_truncated", params)
            text[name] = text[name].where(~too_long, text[name].str.slice(0, limit))
        else:
            flag(too_long, "text_too_long", params)


def _check_numbers(rows: Rows, qty_limit: int) -> None:
    values, states, flag = rows.values, rows.states, rows.problems.flag
    if "qty" in values:
        big = rows.is_line & (states["qty"] == OK) & (values["qty"] > qty_limit)
        flag(big, "qty_too_large", lambda i: {"value": rows.text["qty"].iat[i], "limit": f"{qty_limit:,}"})
    for name in (*LINE_MONEY, *ORDER_MONEY):
        if name not in values:
            continue
        ok = states[name] == OK
        flag(ok & (np.abs(values[name]) > MAX_CENTS), "amount_too_large", _value(rows, name))
        if name in NON_NEGATIVE:
            flag(ok & (values[name] < 0), "negative_amount", _value(rows, name))


def _check_times(rows: Rows, now: datetime) -> None:
    latest = pd.Timestamp(now + FUTURE_MARGIN)
    times = {name: rows.values[name] for name in TIME_FIELDS if name in rows.values}
    for name, value in times.items():
        outside = ((value < pd.Timestamp(EARLIEST)) | (value > latest)).to_numpy() & (rows.states[name] == OK)
        rows.problems.flag(outside, "date_out_of_range", _value(rows, name))
    if "paid_at" in times and "created_at" in times:
        early = (times["paid_at"] < times["created_at"]).to_numpy()  # NaT compares False
        rows.problems.flag(early, "paid_before_created", _column(rows, "paid_at"))


def check_agreement(rows: Rows, heads: pd.DataFrame) -> None:
    """Rows of one order that give an order-level field different values: which one is meant is
    anyone's guess, so the order waits for a corrected file. Each row is compared with the
    order's head (file_orders.order_heads: the first non-empty value of each field); an empty
    cell is no disagreement (Shopify writes order fields on an order's first row only), nor is a
    value read from another candidate column of the field."""
    rows_of = rows.is_head & (rows.order >= 0)
    if np.bincount(rows.order[rows_of], minlength=1).max(initial=0) < 2:
        return  # one row per order: nothing to disagree
    parsed = (*TIME_FIELDS, *ORDER_MONEY)
    slots = pd.RangeIndex(len(rows.keys))
    for name in heads.columns.intersection(rows.text.columns):
        if name in parsed:
            given = rows_of & (rows.states[name] == OK)
            value = pd.Series(rows.values[name])
        else:
            given = rows_of & (rows.text[name] != "").to_numpy()
            value = rows.text[name]
        given &= ~rows.fallback.get(name, np.zeros(len(given), dtype=bool))
        where = np.flatnonzero(given)
        first = heads[name].reindex(slots).take(rows.order[where]).reset_index(drop=True)
        differs = np.zeros(len(given), dtype=bool)
        # Series against Series: pandas compares Arrow strings in Arrow, not value by value.
        differs[where] = (value.iloc[where].reset_index(drop=True) != first).fillna(False).to_numpy(dtype=bool)
        if differs.any():
            rows.problems.flag(differs, "order_rows_disagree", _first_given(rows, name, given, differs))


def _first_given(rows: Rows, name: str, given: np.ndarray, differs: np.ndarray):
    """Params naming the row that first gave the value, found for the disagreeing orders only."""
    orders = np.unique(rows.order[differs])
    where = np.flatnonzero(given & np.isin(rows.order, orders))
    found, first = np.unique(rows.order[where], return_index=True)
    first_row = dict(zip(found.tolist(), rows.row_no[where[first]].tolist(), strict=True))
    return lambda i: {"column": rows.columns.get(name, name), "first_row": first_row[int(rows.order[i])]}


def _column(rows: Rows, name: str, **more):
    return lambda _: {"column": rows.columns.get(name, name), **more}


def _value(rows: Rows, name: str):
    return lambda i: {"column": rows.columns.get(name, name), "value": rows.text[name].iat[i]}
