"""What a ticket step does outside the ticket: stock held, shipped, restocked; the order marked."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from core.aftersales.returns_flow import (
    APPROVED,
    AWAITING_RETURN,
    CLOSED,
    EXCHANGE_SHIPPED,
    GOODS_OUT,
    RECEIVED,
    REFUNDED,
)
from core.aftersales.tables import ticket_lines, ticket_reasons, tickets
from core.errors import InvalidInput
from core.orders import stock_resume, workflow
from core.orders.tables import order_lines, orders
from core.stock import reservations as stock


def apply(
    conn: Connection,
    ticket: Row,
    to_status: str,
    actor: str,
    receipt: tuple[bool | None, bool],
    refund_cents: int | None,
    values: dict,
    now: datetime,
) -> str:
    """The stock and order side of a step; returns what it did, for the audit row."""
    if to_status == APPROVED:
        detail = _reserve_replacement(conn, ticket, now) if ticket.type in GOODS_OUT else ""
        _mark_order_returned(conn, ticket, now)
        return detail
    elif to_status == RECEIVED:
        return _receive(conn, ticket, actor, *receipt, now)
    elif to_status == REFUNDED:
        values["refund_cents"] = refund_cents if refund_cents is not None else default_refund(conn, ticket.id)
        if values["refund_cents"] < 0:
            raise InvalidInput(key="error.refund_negative")
        return f"refund {values['refund_cents']} cents"
    elif to_status == EXCHANGE_SHIPPED:
        stock.ship(conn, ticket.order_id, actor, now)
        return "replacement shipped"
    elif to_status == CLOSED and ticket.status == AWAITING_RETURN and ticket.type in GOODS_OUT:
        stock_resume.release_resuming_held(conn, ticket.order_id, now)
        return "replacement released"
    return ""


def _reserve_replacement(conn: Connection, ticket: Row, now: datetime) -> str:
    """An exchange or resend holds its outgoing goods from approval, so they cannot be sold twice."""
    if workflow.reserved_qty(conn, ticket.order_id):
        # Reservations are keyed by (order, SKU): a second replacement on the order would merge.
        raise InvalidInput(key="error.replacement_pending", params={"number": ticket.number})
    demand: Counter[int] = Counter()
    for line in _lines_of(conn, ticket.id):
        demand[line.replacement_sku_id or line.sku_id] += line.qty
    stock.reserve(conn, ticket.order_id, dict(demand), now)
    return "replacement reserved"


def _receive(
    conn: Connection, ticket: Row, actor: str, resalable: bool | None, resume_held: bool, now: datetime
) -> str:
    """Returned goods: back into stock through the ledger when resalable, otherwise written off."""
    if resalable is None:
        raise InvalidInput(key="error.say_resalable", params={"number": ticket.number})
    lines = _lines_of(conn, ticket.id)
    with stock_resume.resuming_held(conn, [line.sku_id for line in lines] if resalable and resume_held else [], now):
        for line in lines:
            if resalable:
                stock.receive(conn, line.sku_id, line.qty, actor, f"return {ticket.number}", now)
    disposition = "restocked" if resalable else "written_off"
    conn.execute(update(ticket_lines).where(ticket_lines.c.ticket_id == ticket.id).values(disposition=disposition))
    return f"{disposition}: {sum(line.qty for line in lines)} item(s)"


def default_refund(conn: Connection, ticket_id: int) -> int:
    """What the claimed items were paid for: their share of each order line after its discount."""
    query = (
        select(ticket_lines.c.qty, order_lines.c.qty, order_lines.c.unit_price_cents, order_lines.c.discount_cents)
        .join(tickets, tickets.c.id == ticket_lines.c.ticket_id)
        .join(
            order_lines,
            (order_lines.c.order_id == tickets.c.order_id) & (order_lines.c.sku_id == ticket_lines.c.sku_id),
        )
        .where(ticket_lines.c.ticket_id == ticket_id)
    )
    return sum(
        (price * line_qty - discount) * qty // line_qty for qty, line_qty, price, discount in conn.execute(query)
    )


def _mark_order_returned(conn: Connection, ticket: Row, now: datetime) -> None:
    """The order carries its after-sales reason, which the reports' return-reason pie reads.

    It is the Chinese label, as platforms report reasons and as imported orders carry them.
    """
    label = select(ticket_reasons.c.label_zh).where(ticket_reasons.c.code == ticket.reason).scalar_subquery()
    conn.execute(
        update(orders)
        .where(orders.c.id == ticket.order_id, orders.c.returned_at.is_(None))
        .values(return_reason=label, returned_at=now, updated_at=now)
    )


def _lines_of(conn: Connection, ticket_id: int) -> list[Row]:
    return conn.execute(select(ticket_lines).where(ticket_lines.c.ticket_id == ticket_id)).all()
