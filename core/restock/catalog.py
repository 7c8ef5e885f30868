"""The SKU catalogue: importing counted stock and listing stock levels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.errors import InvalidInput
from core.identity import access
from core.identity.access import Actor
from core.identity.audit import audit
from core.orders import stock_resume
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.db import transaction

OPTIONAL_FIELDS = {"name": str, "safety_stock": int, "unit_cost": "money", "supplier": str}


@dataclass
class StockImportSummary:
    created: int = 0
    adjusted: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)


def import_stock(engine: Engine, rows: list[dict[str, str]], actor: Actor, source: str) -> StockImportSummary:
    """Set each SKU's on_hand to the counted figure (creating unknown SKUs), through the ledger.

    Rows are dicts of text as read from a CSV (sku, on_hand, optionally name, safety_stock,
    unit_cost in yuan, supplier). A bad row is reported with its row number; the rest lands.
    Importing the same counts again changes nothing. A count is a stock adjustment; a file that
    would change a unit cost also needs the right to edit costs (a warehouse count changes counts
    only), checked before anything is written, and every cost it changes is audited.
    """
    access.authorize(actor, "adjust_stock")
    summary = StockImportSummary()
    now = clock.now()
    parsed = []
    for row_no, raw in enumerate(rows, start=2):  # row 1 is the header
        try:
            parsed.append(_parse(raw))
        except InvalidInput as problem:
            summary.rejected.append({"row": row_no, "reason": str(problem), "raw": raw})
    reason = f"stock count from {source}"
    with transaction(engine) as conn:
        costs = _cost_changes(conn, parsed)
        if costs:
            access.authorize(actor, "edit_costs")
        for sku, on_hand, extra in parsed:
            outcome = _apply(conn, sku, on_hand, extra, actor, reason, now)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        for sku, (before, after) in costs.items():
            audit(conn, actor, f"unit cost {sku}", {"from_cents": before, "to_cents": after, "source": reason}, now)
    return summary


def _cost_changes(conn: Connection, parsed: list[tuple[str, int, dict]]) -> dict[str, tuple[int | None, int]]:
    """Per SKU whose unit cost the rows would change: (stored cost or None for a new SKU, new cost)."""
    wanted = {sku: extra["unit_cost_cents"] for sku, _, extra in parsed if "unit_cost_cents" in extra}
    if not wanted:
        return {}
    codes = list(wanted)
    stored = {}
    for start in range(0, len(codes), 1000):  # SQLite caps the parameters of one statement
        query = select(skus.c.sku, skus.c.unit_cost_cents).where(skus.c.sku.in_(codes[start : start + 1000]))
        stored.update((row.sku, row.unit_cost_cents) for row in conn.execute(query))
    return {sku: (stored.get(sku), cost) for sku, cost in wanted.items() if stored.get(sku) != cost}


def _parse(raw: dict[str, str]) -> tuple[str, int, dict]:
    sku = (raw.get("sku") or "").strip()
    if not sku:
        raise InvalidInput(key="error.sku_column_empty")
    on_hand = _integer(raw.get("on_hand"), "on_hand")
    if on_hand < 0:
        raise InvalidInput(key="error.on_hand_negative", params={"on_hand": on_hand})
    extra = {}
    for name, kind in OPTIONAL_FIELDS.items():
        text = (raw.get(name) or "").strip()
        if not text:
            continue
        if kind == "money":
            extra["unit_cost_cents"] = _cents(text)
        else:
            extra[name] = _integer(text, name) if kind is int else text
    return sku, on_hand, extra


def _integer(text: str | None, column: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise InvalidInput(key="error.whole_number", params={"column": column, "text": text}) from None


def _cents(text: str) -> int:
    try:
        return int((Decimal(text.replace("¥", "").replace(",", "")) * 100).to_integral_value())
    except InvalidOperation:
        raise InvalidInput(key="error.yuan_amount", params={"text": text}) from None


def _apply(conn: Connection, sku: str, on_hand: int, extra: dict, actor: str, reason: str, now: datetime) -> str:
    current = conn.execute(select(skus.c.id, skus.c.on_hand).where(skus.c.sku == sku)).first()
    if current is None:
        new_id = conn.execute(insert(skus).values(sku=sku, name=extra.pop("name", sku), updated_at=now, **extra))
        if on_hand:
            stock.receive(conn, new_id.inserted_primary_key[0], on_hand, actor, reason, now)
        return "created"
    changed = _update_details(conn, current.id, extra, now)
    if on_hand != current.on_hand:
        with stock_resume.resuming_held(conn, [current.id] if on_hand > current.on_hand else [], now):
            stock.adjust(conn, current.id, on_hand - current.on_hand, reason, actor, now)
        return "adjusted"
    return "adjusted" if changed else "unchanged"


def _update_details(conn: Connection, sku_id: int, extra: dict, now: datetime) -> bool:
    """The catalogue's details for a SKU; any of them clears the flag of a SKU intake created."""
    if not extra:
        return False
    extra = extra | {"needs_details": False}
    before = conn.execute(select(*(skus.c[k] for k in extra)).where(skus.c.id == sku_id)).one()
    if dict(zip(extra, before)) == extra:
        return False
    conn.execute(update(skus).where(skus.c.id == sku_id).values(updated_at=now, **extra))
    return True


def stock_levels(conn: Connection) -> list[dict]:
    """Every SKU with on hand, reserved, available and whether it is below its safety stock."""
    query = select(
        skus.c.sku,
        skus.c.name,
        skus.c.on_hand,
        skus.c.reserved,
        stock.AVAILABLE.label("available"),
        skus.c.safety_stock,
        skus.c.unit_cost_cents,
        skus.c.supplier,
        skus.c.needs_details,
    ).order_by(skus.c.sku)
    return [dict(row._mapping) | {"low": row.available < row.safety_stock} for row in conn.execute(query)]
