"""Helpers for the export-file tests: fixture paths and what an import rejected or stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from core.intake.tables import import_errors
from core.orders.tables import order_lines, orders
from core.stock.tables import skus
from core.store.tables import shops

EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "exports"


def export(name: str) -> Path:
    return EXPORTS / name


def rejects(summary) -> list[tuple[str, int, str]]:
    return [(e.file, e.row, e.code) for e in summary.errors]


def quarantined(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(import_errors)).scalar_one()


def stored(engine) -> dict[str, dict]:
    """Orders by number, each with its shop name and lines as {sku: (qty, unit price cents)}."""
    with engine.connect() as conn:
        found = {
            r.channel_order_no: dict(r._mapping)
            for r in conn.execute(
                select(orders, shops.c.name.label("shop")).join(shops, shops.c.id == orders.c.shop_id)
            )
        }
        for r in conn.execute(
            select(orders.c.channel_order_no, skus.c.sku, order_lines.c.qty, order_lines.c.unit_price_cents)
            .select_from(orders)
            .join(order_lines)
            .join(skus)
        ):
            found[r.channel_order_no].setdefault("lines", {})[r.sku] = (r.qty, r.unit_price_cents)
    return found
