"""Small operational read-outs for the CLI: order lists and the status report."""

from __future__ import annotations

from sqlalchemy import case, func, select, text
from sqlalchemy.engine import Connection

from core.errors import InvalidInput
from core.model import ON_HOLD, SELLER_FAULT_RETURN_REASONS, STATUSES
from core.orders import figures
from core.orders.search import matching
from core.orders.tables import orders
from core.store.tables import shops

LIST_COLUMNS = (
    "channel",
    "channel_order_no",
    "status",
    "hold_reason",
    "buyer",
    "phone",
    "province",
    "created_at",
    "paid_cents",
    "tracking_no",
)


def list_orders(
    conn: Connection, status: str | None = None, limit: int = 100, search: str = "", role: str = "admin"
) -> list[dict]:
    """The newest orders, optionally of one status or found as the queue's search box finds them
    for the role (one that may not read phones may not find by them), with their shop name."""
    if status and status not in STATUSES:
        raise InvalidInput(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.")
    query = select(*(orders.c[name] for name in LIST_COLUMNS), shops.c.name.label("shop")).join(
        shops, shops.c.id == orders.c.shop_id
    )
    if status:
        query = query.where(orders.c.status == status)
    found = matching(conn, search, role)
    if found is not None:
        query = query.where(found)
    query = query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def status_report(conn: Connection) -> dict:
    """Counts by status, held orders by reason, the money figures of core.orders.figures and the error rate.

    gmv_cents is the paid amount (core.orders.figures), as on every page. The error rate is the share of
    orders now held or returned for a reason the seller caused.
    """
    by_status = dict(conn.execute(select(orders.c.status, func.count()).group_by(orders.c.status)).all())
    held = dict(
        conn.execute(
            select(orders.c.hold_reason, func.count()).where(orders.c.status == ON_HOLD).group_by(orders.c.hold_reason)
        ).all()
    )
    faulty = case(
        (orders.c.status == ON_HOLD, 1), (orders.c.return_reason.in_(SELLER_FAULT_RETURN_REASONS), 1), else_=0
    )
    total, errors = conn.execute(select(func.count(), func.coalesce(func.sum(faulty), 0))).one()
    money = {name: int(value) for name, value in conn.execute(text(figures.totals())).one()._mapping.items()}
    return {
        "orders": total,
        "by_status": {status: by_status.get(status, 0) for status in STATUSES},
        "held": held,
        "gmv_cents": money["paid_cents"],
        **money,
        "error_rate": round(errors / total, 4) if total else 0.0,
    }
