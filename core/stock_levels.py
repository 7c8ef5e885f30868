"""Stock as people see it: levels with low-stock flags, audited adjustments, and counted-stock imports."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from charset_normalizer import from_bytes
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from core import access, clock, stock, workflow
from core.db import skus, stock_movements, transaction
from core.errors import InvalidInput, OrderHubError

COUNT_COLUMNS = {
    "sku": ("sku", "SKU", "商家编码", "货号"),
    "counted": ("counted", "qty", "数量", "盘点数量", "实盘数量"),
}


@dataclass
class CountImport:
    """The result of applying a stock count: SKUs corrected, already right, and rows refused."""

    adjusted: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def levels(conn: Connection, role: str, search: str = "", low_only: bool = False) -> list[dict]:
    """Every SKU with on hand / reserved / available, and whether it is at or below safety stock."""
    available = skus.c.on_hand - skus.c.reserved
    query = select(
        skus.c.sku,
        skus.c.name,
        skus.c.on_hand,
        skus.c.reserved,
        available.label("available"),
        skus.c.safety_stock,
        skus.c.unit_cost_cents,
        skus.c.supplier,
        skus.c.updated_at,
    )
    if text := search.strip():
        query = query.where(skus.c.sku.contains(text, autoescape=True) | skus.c.name.contains(text, autoescape=True))
    if low_only:
        query = query.where(available <= skus.c.safety_stock)
    rows = conn.execute(query.order_by(skus.c.sku)).mappings()
    rows = [dict(row) | {"low": row.available <= row.safety_stock} for row in rows]
    return access.mask_rows(role, rows)


def movements(conn: Connection, sku_code: str, limit: int = 50) -> list[dict]:
    """The latest ledger rows of a SKU, newest first (who changed what, and why)."""
    query = (
        select(
            stock_movements.c.at,
            stock_movements.c.kind,
            stock_movements.c.delta,
            stock_movements.c.reason,
            stock_movements.c.actor,
        )
        .where(stock_movements.c.sku_id == stock.sku_id(conn, sku_code))
        .order_by(stock_movements.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def adjust(
    engine: Engine, role: str, actor: str, sku_code: str, delta: int, reason: str, now: datetime | None = None
) -> None:
    """A counted correction, audited in the ledger; held orders are retried when stock grows."""
    access.require(role, "adjust_stock")
    with transaction(engine) as conn:
        sku = stock.sku_id(conn, sku_code)
        stock.adjust(conn, sku, delta, reason, actor, now or clock.now())
        if delta > 0:
            workflow.retry_held(conn, [sku], now)


def read_counts(content: bytes) -> pd.DataFrame:
    """A stock-count CSV or XLSX (columns sku + counted, Chinese headers accepted) as a frame."""
    try:
        if content[:2] == b"PK":
            frame = pd.read_excel(io.BytesIO(content), dtype=str)
        else:
            best = from_bytes(content).best()
            frame = pd.read_csv(io.StringIO(str(best) if best else content.decode("utf-8")), dtype=str)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"The stock file cannot be read: {exc}.") from exc
    rename = {name: key for key, names in COUNT_COLUMNS.items() for name in names if name in frame.columns}
    frame = frame.rename(columns=rename)
    if set(COUNT_COLUMNS) - set(frame.columns):
        raise InvalidInput("The stock file needs a SKU column (sku/商家编码) and a count column (counted/盘点数量).")
    return frame[list(COUNT_COLUMNS)]


def import_counts(
    engine: Engine, role: str, actor: str, frame: pd.DataFrame, reason: str, now: datetime | None = None
) -> CountImport:
    """Set on hand to the counted quantity per SKU (each an audited adjustment); bad rows are reported."""
    access.require(role, "adjust_stock")
    if not reason.strip():
        raise InvalidInput("A stock count needs a reason, e.g. 月度盘点.")
    result = CountImport()
    for number, row in enumerate(frame.itertuples(index=False), start=2):  # row 1 is the header
        try:
            delta = _count_delta(engine, str(row.sku).strip(), row.counted)
            if delta == 0:
                result.unchanged += 1
                continue
            adjust(engine, role, actor, str(row.sku).strip(), delta, reason, now)
            result.adjusted.append(str(row.sku).strip())
        except OrderHubError as exc:
            result.refused.append((number, str(exc)))
    return result


def _count_delta(engine: Engine, sku_code: str, counted: object) -> int:
    try:
        counted_qty = int(str(counted).strip())
    except ValueError:
        raise InvalidInput(f"The count {counted!r} for {sku_code} is not a whole number.") from None
    if counted_qty < 0:
        raise InvalidInput(f"The count for {sku_code} is negative.")
    with engine.connect() as conn:
        on_hand = conn.execute(select(skus.c.on_hand).where(skus.c.id == stock.sku_id(conn, sku_code))).scalar_one()
    return counted_qty - on_hand
