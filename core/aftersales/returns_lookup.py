"""The public ticket lookup: ticket or platform order number + last four phone digits -> status,
progress, the next step and, while goods are to come back, where to send them; nothing more.

Wrong answers are counted in the database per client and per ticket number, so the limit holds
across processes and restarts. A wrong number and a wrong phone give the same answer, and are
counted the same way, so the page never says whether a ticket exists.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.aftersales.returns_flow import APPROVED, AWAITING_RETURN, GOODS_BACK
from core.aftersales.tables import lookup_failures, ticket_events, tickets
from core.orders.tables import orders
from core.phones import last_four
from core.shipping import senders
from core.store.db import transaction
from core.store.tables import shops

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_CLIENT = 10
MAX_FAILURES_PER_NUMBER = 5  # 10 000 possible last-four answers: 5 guesses per window
FOUND, NO_MATCH, LIMITED = "found", "no_match", "limited"


@dataclass(frozen=True)
class LookupResult:
    outcome: str  # found, no_match (wrong number or wrong digits: never said which), limited
    number: str = ""
    type: str = ""
    status: str = ""
    progress: list[tuple[str, datetime]] = field(default_factory=list)  # (status reached, when)
    next_step: str = ""  # the locale key of what happens next, in plain words
    return_to: senders.Sender | None = None  # the shop's warehouse, while goods are to be sent back


def lookup(engine: Engine, number: str, phone_digits: str, client: str, now: datetime | None = None) -> LookupResult:
    """Check the answer, counting a wrong one against the client and the number asked about.

    The number is a ticket number or the platform order number; an order with several tickets
    answers with its newest.
    """
    now = now or clock.now()
    order_no = number.strip()[:64]
    number = order_no.upper()[:40]
    client = client[:64] or "unknown"
    with transaction(engine) as conn:
        if _limited(conn, client, number, now):
            return LookupResult(LIMITED)
        ticket = conn.execute(
            select(tickets.c.id, tickets.c.number, tickets.c.type, tickets.c.status, orders.c.phone, shops.c.name)
            .join(orders, orders.c.id == tickets.c.order_id)
            .join(shops, shops.c.id == orders.c.shop_id)
            .where(or_(tickets.c.number == number, orders.c.channel_order_no == order_no))
            .order_by(tickets.c.id.desc())
            .limit(1)
        ).first()
        expected = last_four(ticket.phone) if ticket else ""
        # Compare even when there is no ticket, so both misses take the same path.
        matches = hmac.compare_digest(expected.encode(), phone_digits.strip().encode()) and len(expected) == 4
        if not (ticket and matches):
            conn.execute(insert(lookup_failures).values(client=client, number=number, at=now))
            return LookupResult(NO_MATCH)
        return LookupResult(
            FOUND, ticket.number, ticket.type, ticket.status, _progress(conn, ticket.id),
            next_step(ticket.type, ticket.status), _return_to(ticket.type, ticket.status, ticket.name),
        )  # fmt: skip


def next_step(ticket_type: str, status: str) -> str:
    """The locale key telling the buyer what happens next; once approved it depends on the type."""
    return f"aftersales.lookup.next.{status}" + (f".{ticket_type}" if status == APPROVED else "")


def _return_to(ticket_type: str, status: str, shop: str) -> senders.Sender | None:
    """Where to send the goods, only while the buyer has to send them."""
    if ticket_type in GOODS_BACK and status in (APPROVED, AWAITING_RETURN):
        return senders.sender_for(shop, senders.senders())
    return None


def _limited(conn: Connection, client: str, number: str, now: datetime) -> bool:
    failures = lookup_failures
    since = now - WINDOW
    conn.execute(delete(failures).where(failures.c.at < now - 4 * WINDOW))  # keep the table small
    by_client = select(func.count()).where(failures.c.client == client, failures.c.at >= since)
    by_number = select(func.count()).where(failures.c.number == number, failures.c.at >= since)
    return (
        conn.execute(by_client).scalar_one() >= MAX_FAILURES_PER_CLIENT
        or conn.execute(by_number).scalar_one() >= MAX_FAILURES_PER_NUMBER
    )


def _progress(conn: Connection, ticket_id: int) -> list[tuple[str, datetime]]:
    steps = (
        select(ticket_events.c.to_status, ticket_events.c.at)
        .where(ticket_events.c.ticket_id == ticket_id, ticket_events.c.action.in_(["open", "advance"]))
        .order_by(ticket_events.c.id)
    )
    return [(status, at) for status, at in conn.execute(steps)]
