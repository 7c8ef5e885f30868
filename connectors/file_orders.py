"""From checked rows to NormalisedOrders: order fields from each order's first non-empty values,
status by the mapping's rules, amounts in cents, provinces normalised, lines attached (one per
SKU: rows of one SKU are summed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from itertools import repeat

import numpy as np
import pandas as pd

from connectors.file_mapping import LINE_FIELDS, ORDER_MONEY, TIME_FIELDS, Mapping
from connectors.file_rows import Rows
from core import regions
from core.model import NormalisedOrder, OrderLine

_TEXT_OUT = ("buyer", "phone", "address", "buyer_remark", "seller_remark")
_OPTIONAL = ("tracking_no", "carrier")  # None rather than "" when absent
CHUNK = 20_000


@dataclass(frozen=True)
class Built:
    orders: Iterator[NormalisedOrder]  # made as ingest asks for them, so only a batch is in memory at once
    count: int
    row_counts: list[int]  # rows behind each order (progress counts rows, ingest counts orders)


def order_heads(rows: Rows, mapping: Mapping) -> pd.DataFrame:
    """One row per order key: the first non-empty value of every order-level field, plus the
    position of the order's first row and its status by the mapping's rules."""
    mask = rows.is_head & (rows.order >= 0)
    parsed = {"_key", *LINE_FIELDS, *TIME_FIELDS, *ORDER_MONEY}
    names = [c for c in rows.text.columns if c not in parsed]
    frame = rows.text.loc[mask, names].replace("", np.nan)
    for name in (*TIME_FIELDS, *ORDER_MONEY):
        if name in rows.values:
            frame[name] = _nullable(rows, name)[mask]
    frame["_order"] = rows.order[mask]
    frame["_first"] = np.flatnonzero(mask)
    heads = frame.groupby("_order", sort=False).first()  # indexed by the order's index in rows.keys
    heads["_status"] = _status(heads, mapping)
    return heads


def _nullable(rows: Rows, name: str) -> pd.Series:
    """Parsed values with NA where the cell was empty or bad, so "first non-empty" skips them."""
    value, state = rows.values[name], rows.states[name]
    if isinstance(value, pd.Series):
        return value.where(state == 0)
    return pd.Series(pd.arrays.IntegerArray(value, state != 0))


def _status(heads: pd.DataFrame, mapping: Mapping) -> np.ndarray:
    """The first matching rule's status per order (else the mapping's default, else None), decided once per
    distinct value: comparing strings row by row is what costs at a million rows."""
    status = np.full(len(heads), None, dtype=object)
    distinct = {name: pd.factorize(heads[name]) for name in {r.field for r in mapping.status_rules} if name in heads}
    for rule in mapping.status_rules:
        if rule.field not in distinct:
            continue
        codes, uniques = distinct[rule.field]
        hits = np.array([rule.values is None or value in rule.values for value in uniques] + [False])
        status = np.where(pd.isna(status) & hits[codes], rule.status, status)  # code -1 (empty) → False
    if mapping.default_status:
        status[pd.isna(status)] = mapping.default_status
    return status


def check_heads(rows: Rows, heads: pd.DataFrame, mapping: Mapping) -> None:
    """Order-level problems, reported on the order's first row."""
    at = np.zeros(len(rows.key), dtype=bool)
    first = heads["_first"].to_numpy()
    no_date = first[heads["created_at"].isna().to_numpy()] if "created_at" in heads else first
    at[no_date] = True
    rows.problems.flag(at, "missing_date", lambda _: {"column": rows.columns.get("created_at", "created_at")})
    at[:] = False
    at[first[pd.isna(heads["_status"].to_numpy())]] = True
    raw = mapping.status_field
    rows.problems.flag(
        at,
        "unknown_status",
        lambda i: {"column": rows.columns.get(raw, raw), "value": rows.text[raw].iat[i] if raw in rows.text else ""},
    )


def check_line_sums(rows: Rows, heads: pd.DataFrame, qty_limit: int, max_cents: int) -> None:
    """Rows of one SKU in one order (a row per unit, as Shopify and ERPs export) are one line,
    their quantities summed (see _lines). Rows at different prices sum too when the summed
    amount divides into a whole-cent unit price: the quantity-weighted price keeps the goods
    value exact. Otherwise one line cannot say what was sold, and the order is rejected
    (sku_prices_differ). The summed line keeps within the quantity limit, and each order's
    goods plus shipping within the money columns."""
    mask = rows.is_line & (rows.order >= 0) & ~rows.problems.bad
    if not mask.any():
        return
    where = np.flatnonzero(mask)
    qty, unit, _ = _line_values(rows, mask)
    line, first = _same_lines(rows.order[where], rows.text["sku"].iloc[where])
    if len(first) < len(where):
        by_line = pd.DataFrame({"qty": qty, "amount": qty * unit, "unit": unit}).groupby(line)
        total_qty = by_line["qty"].sum().to_numpy()
        prices = by_line["unit"].min() != by_line["unit"].max()
        uneven = prices.to_numpy() & (by_line["amount"].sum().to_numpy() % total_qty != 0)
        later = np.zeros(len(rows.order), dtype=bool)
        later[where] = first[line] != np.arange(len(where))
        first_row = np.zeros(len(rows.order), dtype=np.int64)
        first_row[where] = rows.row_no[where[first[line]]]
        spread = np.zeros(len(rows.order), dtype=bool)
        spread[where] = uneven[line]
        rows.problems.flag(later & spread, "sku_prices_differ", lambda i: {"first_row": int(first_row[i])})
        summed = np.zeros(len(rows.order), dtype=np.int64)
        summed[where] = total_qty[line]
        rows.problems.flag(
            later & (summed > qty_limit),
            "qty_too_large",
            lambda i: {"value": f"{summed[i]:,}", "limit": f"{qty_limit:,}"},
        )
    _check_order_sums(rows, heads, where, qty * unit, max_cents)


def _same_lines(order: np.ndarray, sku: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row its line (one per order and SKU), and per line the position of its first row."""
    sku_code = pd.factorize(sku)[0]
    _, first, line = np.unique(order * (sku_code.max() + 1) + sku_code, return_index=True, return_inverse=True)
    return line, first


def _check_order_sums(rows: Rows, heads: pd.DataFrame, where: np.ndarray, amounts: np.ndarray, max_cents: int) -> None:
    """Goods plus shipping of each order must fit the money columns (PostgreSQL's int4)."""
    goods = pd.Series(amounts).groupby(rows.order[where]).sum()
    if "shipping_fee" in heads:
        goods = goods.add(heads["shipping_fee"].fillna(0).astype("int64"), fill_value=0)
    over = goods.index[(goods > max_cents).to_numpy()].to_numpy()
    if not len(over):
        return
    at = np.zeros(len(rows.order), dtype=bool)
    at[heads.loc[over, "_first"].to_numpy()] = True
    rows.problems.flag(at, "order_total_too_large", lambda _: {"limit": f"{max_cents / 100:,.2f}"})


def build_orders(rows: Rows, heads: pd.DataFrame, rejected: np.ndarray, mapping: Mapping, shop: str | None) -> Built:
    """The accepted orders as columns, made into NormalisedOrders a chunk at a time as they are read."""
    heads = heads[~rejected[heads.index.to_numpy()]]
    n = len(heads)
    slot = np.full(len(rows.keys) + 1, -1)  # order index → position among the built orders (-1: none)
    slot[heads.index.to_numpy()] = np.arange(n)
    owner = slot[rows.order]  # rows without a key (order -1) land on the last, unused slot
    line_rows = rows.is_line & (owner >= 0)
    columns: dict[str, pd.Series | np.ndarray] = {name: _texts(heads, name) for name in _TEXT_OUT}
    columns |= {name: _times(heads, name) for name in TIME_FIELDS}
    columns |= {f"{name}_cents": values for name, values in _amounts(rows, heads, line_rows, owner[line_rows]).items()}
    columns["province"], columns["city"], columns["country"] = _regions(heads)
    columns["status"] = heads["_status"].to_numpy()
    order_no = _texts(heads, "order_no")
    columns["channel_order_no"] = order_no.where(order_no != "", pd.Series(rows.keys[heads.index.to_numpy()]))
    columns["platform_updated_at"] = columns.pop("updated_at")
    named = _texts(heads, "shop")
    columns["shop"] = np.full(n, shop, dtype=object) if shop else named.where(named != "", mapping.channel)
    columns |= {name: _texts(heads, name) for name in _OPTIONAL}
    lines = _lines(rows, line_rows, owner[line_rows], n)
    counts = np.bincount(owner[owner >= 0], minlength=n)
    return Built(_made(columns, lines, mapping.channel, n), n, counts.tolist())


def _made(columns: dict, lines: _Lines, channel: str, n: int) -> Iterator[NormalisedOrder]:
    """Python objects for CHUNK orders at a time: a million orders' worth at once would need
    gigabytes, while ingest only ever holds one batch."""
    names = [f.name for f in fields(NormalisedOrder)]
    for start in range(0, n, CHUNK):
        end = min(start + CHUNK, n)
        chunk = {name: _as_python(name, _part(values, start, end)) for name, values in columns.items()}
        chunk["lines"], chunk["channel"] = lines.between(start, end), repeat(channel)
        # Positional: a frozen dataclass's keyword __init__ dominates at a million rows.
        yield from map(NormalisedOrder, *(chunk[name] for name in names))


def _part(values: pd.Series | np.ndarray, start: int, end: int) -> pd.Series | np.ndarray:
    return values.iloc[start:end] if isinstance(values, pd.Series) else values[start:end]


def _as_python(name: str, values: pd.Series | np.ndarray) -> list:
    plain = values.tolist()  # datetime64[us] → datetime (NaT → None), Arrow str → str
    return [v or None for v in plain] if name in _OPTIONAL else plain


def _texts(heads: pd.DataFrame, name: str) -> pd.Series:
    text = heads[name].fillna("").astype("str") if name in heads else pd.Series("", index=heads.index, dtype="str")
    return text.reset_index(drop=True)


def _times(heads: pd.DataFrame, name: str) -> np.ndarray:
    if name not in heads:
        return np.full(len(heads), np.datetime64("NaT"), dtype="datetime64[us]")
    return heads[name].to_numpy(dtype="datetime64[us]")


@dataclass(frozen=True)
class _Lines:
    """The accepted lines sorted by order; edges[i]:edges[i + 1] are order i's."""

    sku: pd.Series
    qty: np.ndarray
    unit: np.ndarray
    discount: np.ndarray
    edges: np.ndarray

    def between(self, first: int, end: int) -> Iterator[tuple[OrderLine, ...]]:
        """The line tuples of orders first..end-1."""
        low, high = self.edges[first], self.edges[end]
        made = list(
            map(
                OrderLine,
                self.sku.iloc[low:high].tolist(),
                self.qty[low:high].tolist(),
                self.unit[low:high].tolist(),
                self.discount[low:high].tolist(),
            )
        )
        bounds = (self.edges[first : end + 1] - low).tolist()
        return (tuple(made[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True))


def _lines(rows: Rows, mask: np.ndarray, owner: np.ndarray, n_orders: int) -> _Lines:
    """Each order's lines in file order; a line priced as a whole gets its unit price half-up.
    Rows of one SKU in one order are one line (check_line_sums let only exact sums through)."""
    if not mask.any():  # e.g. Taobao's orders file imported without its items file
        none = np.zeros(0, np.int64)
        return _Lines(pd.Series([], dtype="str"), none, none, none, np.zeros(n_orders + 1, np.int64))
    qty, unit, discount = _line_values(rows, mask)
    order = np.argsort(owner, kind="stable")
    owner, qty, unit, discount = owner[order], qty[order], unit[order], discount[order]
    sku = rows.text["sku"][mask].iloc[order].reset_index(drop=True)
    line, first = _same_lines(owner, sku)
    if len(first) < len(owner):
        rank = np.argsort(first)  # the lines in the order of their first rows
        place = np.empty_like(rank)
        place[rank] = np.arange(len(rank))
        sums = pd.DataFrame({"qty": qty, "amount": qty * unit, "discount": discount}).groupby(place[line]).sum()
        qty, discount = sums["qty"].to_numpy(), sums["discount"].to_numpy()
        unit = sums["amount"].to_numpy() // qty
        owner, sku = owner[first[rank]], sku.iloc[first[rank]].reset_index(drop=True)
    edges = np.concatenate(([0], np.cumsum(np.bincount(owner, minlength=n_orders))))
    return _Lines(sku, qty, unit, discount, edges)


def _line_values(rows: Rows, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantity, unit price and discount (cents) of the masked line rows."""
    qty = rows.values["qty"][mask]
    if "unit_price" in rows.values:
        unit = rows.values["unit_price"][mask]
    else:
        unit = (2 * rows.values["line_total"][mask] + qty) // np.maximum(2 * qty, 1)
    discount = rows.values["discount"][mask] if "discount" in rows.values else np.zeros(len(qty), np.int64)
    return qty, unit, discount


def _amounts(rows: Rows, heads: pd.DataFrame, mask: np.ndarray, owner: np.ndarray) -> dict[str, np.ndarray]:
    """Columns the export has; goods from the lines and paid from the parts where it has not."""
    n = len(heads)
    got = {
        name: heads[name].fillna(0).astype("int64").to_numpy() if name in heads else np.zeros(n, np.int64)
        for name in ORDER_MONEY
    }
    if "goods" not in heads or "paid" not in heads:
        goods = line_discount = np.zeros(n, np.int64)
        if mask.any():
            qty, unit, discount = _line_values(rows, mask)
            goods = _sum_by(qty * unit, owner, n)
            line_discount = _sum_by(discount, owner, n)
        if "goods" not in heads:
            got["goods"] = goods
        if "paid" not in heads:
            discounts = line_discount + got["seller_coupon"] + got["platform_discount"]
            parts = got["goods"] - discounts + got["shipping_fee"]
            got["paid"] = np.where(got["order_total"] > 0, got["order_total"], parts)
    return got


def _sum_by(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Exact integer sums per order (np.bincount would go through float)."""
    return pd.Series(values).groupby(owner).sum().reindex(range(n), fill_value=0).to_numpy()


def _regions(heads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical province and country; when the file gives no province in China, it is found from
    the city and address (cpca)."""
    given = np.array(_texts(heads, "province"), dtype=object)
    codes, uniques = pd.factorize(given)
    province = np.array([regions.normalise_province(u) for u in uniques], dtype=object)[codes]
    city = np.array(_texts(heads, "city"), dtype=object)
    codes, uniques = pd.factorize(np.array(_texts(heads, "country"), dtype=object))
    country = np.array([regions.normalise_country(u) for u in uniques], dtype=object)[codes]
    china = ~np.array([regions.is_abroad(u) for u in uniques], dtype=bool)[codes]
    need = np.flatnonzero(china & ((province == "") | (city == "")))
    if len(need):
        place = city[need] + np.array(_texts(heads, "address"), dtype=object)[need]
        codes, uniques = pd.factorize(place)
        found = regions.locate(uniques)
        short = np.array([found.get(u, ("", ""))[0] for u in uniques], dtype=object)[codes]
        located = np.array([found.get(u, ("", ""))[1] for u in uniques], dtype=object)[codes]
        agrees = (province[need] == "") | (province[need] == short)  # a city elsewhere is not this order's
        city[need] = np.where(agrees & (city[need] == ""), located, city[need])
        province[need] = np.where(province[need] == "", short, province[need])
    province = np.where(~china, given, province)  # a foreign region as written
    return province, city, country
