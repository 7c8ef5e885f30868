"""The public ticket lookup: number + last four phone digits -> status and progress, nothing more.

Wrong answers are counted in the database per client and per ticket number, so the limit holds
across processes and restarts. A wrong number and a wrong phone give the same answer, and are
counted the same way, so the page never says whether a ticket exists.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.db import lookup_failures, orders, ticket_events, tickets, transaction
from core.phones import last_four

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


def lookup(engine: Engine, number: str, phone_digits: str, client: str, now: datetime | None = None) -> LookupResult:
    """Check the answer, counting a wrong one against the client and the number asked about."""
    now = now or clock.now()
    number = number.strip().upper()[:40]
    client = client[:64] or "unknown"
    with transaction(engine) as conn:
        if _limited(conn, client, number, now):
            return LookupResult(LIMITED)
        ticket = conn.execute(
            select(tickets.c.id, tickets.c.number, tickets.c.type, tickets.c.status, orders.c.phone)
            .join(orders, orders.c.id == tickets.c.order_id)
            .where(tickets.c.number == number)
        ).first()
        expected = last_four(ticket.phone) if ticket else ""
        # Compare even when there is no ticket, so both misses take the same path.
        matches = hmac.compare_digest(expected.encode(), phone_digits.strip().encode()) and len(expected) == 4
        if not (ticket and matches):
            conn.execute(insert(lookup_failures).values(client=client, number=number, at=now))
            return LookupResult(NO_MATCH)
        return LookupResult(FOUND, ticket.number, ticket.type, ticket.status, _progress(conn, ticket.id))


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
