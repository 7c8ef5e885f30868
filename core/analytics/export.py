"""Analyst exports: orders, lines, tickets and stock as CSV (UTF-8 with BOM), XLSX or Parquet, streamed.

Rows are read from the system of record with ADBC (core.store.arrow_source) in id ranges, side by side
on SQLite, and written batch by batch in Arrow (no pandas), so a million-row export never sits
in memory at once. Every batch passes through core.identity.access.mask_table for the exporting role,
then, unless the export is raw, core.analytics.export_people (Chinese or English headers and labels,
amounts in 元), and a CSV's or XLSX's text cells through core.spreadsheet (no formula runs when
Excel opens it, long numbers stay text); finance and admin also get each order's tax-inclusive
total and the VAT it contains. Raw (snake_case, codes, 分) is for scripts and Parquet's default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from core.aftersales.tables import ticket_reasons
from core.analytics.analytics_tables import OPT_TEXT, TEXT, TIME, wire
from core.analytics.export_people import ForPeople
from core.errors import InvalidInput
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from core.identity.access import can, mask_table, require
from core.orders import figures
from core.spreadsheet import XlsxWriter, for_csv
from core.store.arrow_source import arrow_source, id_ranges

FORMATS = ("csv", "xlsx", "parquet")
BOM = b"\xef\xbb\xbf"  # Excel only reads a CSV as UTF-8 (and shows 广东, not mojibake) with this
BATCH_ROWS = 100_000
# Chinese retail prices include VAT; 13 % is the general rate for goods (overridable per seller).
VAT_RATE = float(os.environ.get("ORDERHUB_VAT_RATE", "0.13"))


@dataclass(frozen=True)
class Dataset:
    """One exportable dataset: a FROM clause, its columns by kind and the column dates filter on."""

    source: str
    columns: dict[str, tuple[str, str]]  # output name -> (SQL expression, kind)
    date_column: str | None = None

    @property
    def table(self) -> str:
        """FROM's first table, whose ids the export is cut into ranges by."""
        return self.source.split()[0]

    @property
    def key(self) -> str:
        return f"{self.source.split()[1]}.id"


_ORDERS = figures.with_refunds("orders o") + " JOIN shops s ON s.id = o.shop_id"
DATASETS: dict[str, Dataset] = {
    "orders": Dataset(
        _ORDERS,
        {
            "channel_order_no": ("o.channel_order_no", TEXT),
            "channel": ("o.channel", TEXT),
            "shop": ("s.name", TEXT),
            "status": ("o.status", TEXT),
            "hold_reason": ("o.hold_reason", OPT_TEXT),
            "buyer": ("o.buyer", TEXT),
            "phone": ("o.phone", TEXT),
            "province": ("o.province", TEXT),
            "city": ("o.city", TEXT),
            "address": ("o.address", TEXT),
            "country": ("o.country", TEXT),
            "created_at": ("o.created_at", TIME),
            "paid_at": ("o.paid_at", TIME),
            "shipped_at": ("o.shipped_at", TIME),
            "completed_at": ("o.completed_at", TIME),
            "cancelled_at": ("o.cancelled_at", TIME),
            "goods_cents": ("o.goods_cents", "int"),
            "platform_discount_cents": ("o.platform_discount_cents", "int"),
            "seller_coupon_cents": ("o.seller_coupon_cents", "int"),
            "shipping_fee_cents": ("o.shipping_fee_cents", "int"),
            "paid_cents": ("o.paid_cents", "int"),
            # Whether the order counts in the figures, and its refund as they count it (core.orders.figures).
            "paid_order": (f"CASE WHEN {figures.paid_order('o')} THEN 1 ELSE 0 END", "int"),
            "order_total_cents": ("o.order_total_cents", "int"),
            "refund_cents": (figures.order_refund(), "int"),
            "shipping_cost_cents": ("o.shipping_cost_cents", "int"),
            "carrier": ("o.carrier", OPT_TEXT),
            "tracking_no": ("o.tracking_no", OPT_TEXT),
            "return_reason": ("o.return_reason", OPT_TEXT),
            "returned_at": ("o.returned_at", TIME),
            "buyer_remark": ("o.buyer_remark", TEXT),
            "seller_remark": ("o.seller_remark", TEXT),
        },
        "o.created_at",
    ),
    "lines": Dataset(
        "order_lines l JOIN orders o ON o.id = l.order_id JOIN shops s ON s.id = o.shop_id "
        "JOIN skus k ON k.id = l.sku_id",
        {
            "channel_order_no": ("o.channel_order_no", TEXT),
            "channel": ("o.channel", TEXT),
            "shop": ("s.name", TEXT),
            "created_at": ("o.created_at", TIME),
            "sku": ("k.sku", TEXT),
            "sku_name": ("k.name", TEXT),
            "qty": ("l.qty", "int"),
            "unit_price_cents": ("l.unit_price_cents", "int"),
            "discount_cents": ("l.discount_cents", "int"),
            "unit_cost_cents": ("k.unit_cost_cents", "int"),
        },
        "o.created_at",
    ),
    "tickets": Dataset(
        "tickets t JOIN orders o ON o.id = t.order_id JOIN shops s ON s.id = o.shop_id "
        "LEFT JOIN ticket_reasons r ON r.code = t.reason",
        {
            "number": ("t.number", TEXT),
            "channel_order_no": ("o.channel_order_no", TEXT),
            "channel": ("o.channel", TEXT),
            "shop": ("s.name", TEXT),
            "type": ("t.type", TEXT),
            "reason": ("t.reason", TEXT),
            "reason_label": ("r.label_zh", OPT_TEXT),
            "status": ("t.status", TEXT),
            "owner": ("t.owner", OPT_TEXT),
            "phone": ("o.phone", TEXT),
            "refund_cents": ("t.refund_cents", "int"),
            "created_by": ("t.created_by", TEXT),
            "created_at": ("t.created_at", TIME),
            "first_response_due": ("t.first_response_due", TIME),
            "first_response_at": ("t.first_response_at", TIME),
            "resolution_due": ("t.resolution_due", TIME),
            "resolved_at": ("t.resolved_at", TIME),
            "closed_at": ("t.closed_at", TIME),
        },
        "t.created_at",
    ),
    "stock": Dataset(
        "skus k",
        {
            "sku": ("k.sku", TEXT),
            "name": ("k.name", TEXT),
            "on_hand": ("k.on_hand", "int"),
            "reserved": ("k.reserved", "int"),
            "available": ("k.on_hand - k.reserved", "int"),
            "safety_stock": ("k.safety_stock", "int"),
            "unit_cost_cents": ("k.unit_cost_cents", "int"),
            "supplier": ("k.supplier", TEXT),
            "updated_at": ("k.updated_at", TIME),
        },
    ),
}


def export(
    engine: Engine,
    dataset: str,
    out: Path | str,
    fmt: str,
    role: str,
    start: date | None = None,
    end: date | None = None,
    batch_rows: int = BATCH_ROWS,
    lang: str = DEFAULT_LANGUAGE,
    raw: bool | None = None,
) -> int:
    """Write the dataset as the role may see it to `out`; returns the number of rows written.

    For people (the default for CSV and XLSX) in `lang`; raw (the default for Parquet) keeps
    snake_case names, codes and 分 for scripts.
    """
    require(role, "export")
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format {fmt!r}; use csv, xlsx or parquet.")
    if lang not in LANGUAGES:
        raise InvalidInput(f"Unknown language {lang!r}; use zh or en.")
    raw = fmt == "parquet" if raw is None else raw
    spec = check(dataset, start, end)
    source = arrow_source(engine)
    queries = [_select(spec, engine.dialect.name, start, end, ids) for ids in id_ranges(source, spec.table)]
    schema = _schema(dataset, spec, role)
    people = None if raw else ForPeople(dataset, schema, lang, _reasons(engine) if dataset == "tickets" else None)
    rows = 0
    with source.parts(queries, batch_rows) as parts, Path(out).open("wb") as sink:
        writer = _writer(fmt, sink, people.schema if people else schema, t(f"analytics.dataset_{dataset}", lang))
        for part in parts:
            for batch in part.to_reader() if isinstance(part, pa.Table) else part:
                shaped = _shape(dataset, spec, batch, role)
                shaped = people.batch(shaped) if people else shaped
                writer.write_batch(for_csv(shaped, for_people=not raw) if fmt == "csv" else shaped)
                rows += batch.num_rows
        writer.close()
    return rows


def _writer(fmt: str, sink: BinaryIO, schema: pa.Schema, title: str) -> pacsv.CSVWriter | XlsxWriter | pq.ParquetWriter:
    """The format's streaming writer: write_batch() then close(). A CSV starts with Excel's BOM."""
    if fmt == "csv":
        sink.write(BOM)
        return pacsv.CSVWriter(sink, schema)
    if fmt == "xlsx":
        return XlsxWriter(sink, schema, title)
    return pq.ParquetWriter(sink, schema, compression="zstd")


def _reasons(engine: Engine) -> dict[str, tuple[str, str]]:
    """Ticket reason code → (Chinese, English) label: a short configurable list, read once per export."""
    with engine.connect() as conn:
        rows = conn.execute(select(ticket_reasons.c.code, ticket_reasons.c.label_zh, ticket_reasons.c.label_en))
        return {code: (zh, en) for code, zh, en in rows}


def check(dataset: str, start: date | None = None, end: date | None = None) -> Dataset:
    """The dataset to export, or InvalidInput saying why it cannot be exported as asked."""
    if start and end and start > end:
        raise InvalidInput(key="error.export_dates", params={"start": start, "end": end})
    return _dataset(dataset)


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise InvalidInput(f"Unknown export {name!r}; choose one of orders, lines, tickets, stock.")
    return DATASETS[name]


def _select(spec: Dataset, dialect: str, start: date | None, end: date | None, ids: tuple[int, int | None]) -> str:
    dialect = "sqlite" if dialect == "sqlite" else "postgresql"
    columns = ", ".join(wire(expression, kind, dialect, name) for name, (expression, kind) in spec.columns.items())
    low, high = ids
    conditions = [f"{spec.key} >= {int(low)}"] + ([f"{spec.key} < {int(high)}"] if high is not None else [])
    if spec.date_column and start:
        conditions.append(f"{spec.date_column} >= '{start:%Y-%m-%d}'")
    if spec.date_column and end:
        conditions.append(f"{spec.date_column} < '{end + timedelta(days=1):%Y-%m-%d}'")
    return f"SELECT {columns} FROM {spec.source} WHERE {' AND '.join(conditions)} ORDER BY {spec.key}"


ARROW_TYPES = {TIME: pa.timestamp("s"), TEXT: pa.string(), OPT_TEXT: pa.string(), "int": pa.int64()}
TAX_COLUMNS = ("total_incl_tax_cents", "tax_cents")


def _with_tax(dataset: str, role: str) -> bool:
    return dataset == "orders" and can(role, "edit_tax")


def _schema(dataset: str, spec: Dataset, role: str) -> pa.Schema:
    """The file's columns: fixed by the dataset and the role, whatever types a part's wire arrived in."""
    fields = [pa.field(name, ARROW_TYPES[kind]) for name, (_, kind) in spec.columns.items()]
    fields += [pa.field(name, pa.int64()) for name in TAX_COLUMNS] if _with_tax(dataset, role) else []
    return mask_table(role, pa.schema(fields).empty_table()).schema


def _shape(dataset: str, spec: Dataset, batch: pa.RecordBatch, role: str) -> pa.RecordBatch:
    """Wire batch → typed columns (times, NULLs back) → tax for finance → role mask, all in Arrow.

    Every column is cast to its kind: an empty part arrives with every column typed as integers.
    """
    columns = {}
    for name, (_, kind) in spec.columns.items():
        column = batch.column(name)
        if kind == TIME:  # epoch seconds: the same 64-bit integers, read as timestamps
            column = column.cast(pa.int64())
        column = column.cast(ARROW_TYPES[kind])
        if kind == OPT_TEXT:
            column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
        columns[name] = column
    if _with_tax(dataset, role):
        paid = columns["paid_cents"]
        net = pc.round(pc.divide(paid.cast(pa.float64()), 1 + VAT_RATE)).cast(pa.int64())  # half to even
        columns |= {"total_incl_tax_cents": paid, "tax_cents": pc.subtract(paid, net)}
    return mask_table(role, pa.RecordBatch.from_pydict(columns))
