"""Analyst exports: orders, lines, tickets and stock as CSV (UTF-8 with BOM) or Parquet, streamed.

Rows are read from the system of record with ADBC (core.arrow_source) in Arrow batches and written batch by batch,
so a million-row export never sits in memory at once. Every batch passes through
core.access.mask_frame for the exporting role; finance and admin also get each order's
tax-inclusive total and the VAT it contains.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Engine

from core.access import can, mask_frame, require
from core.analytics_tables import OPT_TEXT, TEXT, TIME, wire
from core.arrow_source import arrow_source
from core.errors import InvalidInput

FORMATS = ("csv", "parquet")
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


_ORDERS = "orders o JOIN shops s ON s.id = o.shop_id"
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
) -> int:
    """Write the dataset as the role may see it to `out`; returns the number of rows written."""
    require(role, "export")
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format {fmt!r}; use csv or parquet.")
    spec = check(dataset, start, end)
    with arrow_source(engine).stream(_select(spec, engine.dialect.name, start, end), batch_rows) as reader:
        frames = (_shape(dataset, spec, batch, role) for batch in reader)
        return _write(frames, _empty(dataset, spec, reader.schema, role), Path(out), fmt)


def check(dataset: str, start: date | None = None, end: date | None = None) -> Dataset:
    """The dataset to export, or InvalidInput saying why it cannot be exported as asked."""
    if start and end and start > end:
        raise InvalidInput(f"The start date {start} is after the end date {end}.")
    return _dataset(dataset)


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise InvalidInput(f"Unknown export {name!r}; choose one of orders, lines, tickets, stock.")
    return DATASETS[name]


def _select(spec: Dataset, dialect: str, start: date | None, end: date | None) -> str:
    dialect = "sqlite" if dialect == "sqlite" else "postgresql"
    columns = ", ".join(wire(expression, kind, dialect, name) for name, (expression, kind) in spec.columns.items())
    sql = f"SELECT {columns} FROM {spec.source}"
    conditions = []
    if spec.date_column and start:
        conditions.append(f"{spec.date_column} >= '{start:%Y-%m-%d}'")
    if spec.date_column and end:
        conditions.append(f"{spec.date_column} < '{end + timedelta(days=1):%Y-%m-%d}'")
    return sql + (" WHERE " + " AND ".join(conditions) if conditions else "")


def _shape(dataset: str, spec: Dataset, batch: pa.RecordBatch, role: str) -> pd.DataFrame:
    """Wire batch → typed frame (times, NULLs back, in Arrow: no copies) → tax for finance → role mask."""
    columns = []
    for name, (_, kind) in spec.columns.items():
        column = batch.column(name)
        if kind == TIME:  # epoch seconds: the same 64-bit integers, read as timestamps
            column = column.cast(pa.int64()).cast(pa.timestamp("s"))
        elif kind == OPT_TEXT:  # (an empty result arrives typed as integers: cast first)
            column = column.cast(pa.string())
            column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
        columns.append(column)
    frame = pa.RecordBatch.from_arrays(columns, names=list(spec.columns)).to_pandas()
    if dataset == "orders" and can(role, "edit_tax"):
        frame["total_incl_tax_cents"] = frame["paid_cents"]
        frame["tax_cents"] = frame["paid_cents"] - (frame["paid_cents"] / (1 + VAT_RATE)).round().astype("int64")
    return mask_frame(role, frame)


def _empty(dataset: str, spec: Dataset, schema: pa.Schema, role: str) -> pd.DataFrame:
    return _shape(dataset, spec, pa.RecordBatch.from_pylist([], schema=schema), role)


def _write(frames: Iterator[pd.DataFrame], empty: pd.DataFrame, out: Path, fmt: str) -> int:
    """Write frames as they come; the first one fixes the file's schema."""
    rows, writer, schema = 0, None, None
    with out.open("wb") as sink:
        if fmt == "csv":
            sink.write(BOM)
        for frame in frames:
            if schema is None:
                schema = _schema_of(frame)
                writer = _writer(sink, schema, fmt)
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            rows += len(frame)
        if writer is None:
            writer = _writer(sink, _schema_of(empty), fmt)
            writer.write_table(_schema_of(empty).empty_table())
        writer.close()
    return rows


def _writer(sink: Any, schema: pa.Schema, fmt: str) -> Any:
    if fmt == "csv":
        return pacsv.CSVWriter(sink, schema)
    return pq.ParquetWriter(sink, schema, compression="zstd")


def _schema_of(frame: pd.DataFrame) -> pa.Schema:
    # Columns of an empty frame that held no value to infer from (a masked phone) are text.
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in schema])
