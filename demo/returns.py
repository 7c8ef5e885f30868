"""Demo after-sales: tickets for the demo orders that came back, through the real ticket services.

Every demo order with a return reason gets its ticket, opened a few days after shipping and
walked through its flow; the team gets faster over the 90 days (average cycle time from about
4.7 days down to about 1.2). A handful of recent tickets stay open, some near or past their SLA.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Row

from core.aftersales import returns
from core.aftersales.returns_flow import CLOSED, EXCHANGE, REFUND, REJECTED, RESEND, RETURN, SUBMITTED, next_statuses
from core.aftersales.tables import service_agents, ticket_reasons
from core.errors import InsufficientStock
from core.identity.access import Actor
from core.orders.tables import order_lines, orders
from core.stock.tables import skus

# A buyer's request, opened on their behalf (the buyer is no user of the store).
FOR_BUYER = Actor("buyer", "service")

MANAGER_EMAIL = "chen.jie@petshop.example"
# The linear trend is set a little wider than the 4.7 -> 1.2 days the weekly report then shows:
# the first weeks close only tickets opened within them, which are the quicker ones.
DAYS, FIRST_CYCLE, LAST_CYCLE = 90, 5.4, 0.7
TYPE_WEIGHTS = {  # reason code -> ticket type -> weight
    "changed_mind": {RETURN: 8, EXCHANGE: 2},
    "wrong_size": {EXCHANGE: 7, RETURN: 3},
    "quality": {RETURN: 5, REFUND: 3, RESEND: 2},
    "wrong_item": {RESEND: 6, EXCHANGE: 4},
    "not_as_described": {RETURN: 7, REFUND: 3},
    "damaged": {REFUND: 5, RESEND: 5},
    "pet_refused": {RETURN: 6, REFUND: 4},
}
RESALABLE_REASONS = {"changed_mind", "wrong_size", "pet_refused"}
RECENT_OPEN = 18


def seed(conn: Connection, rng: random.Random, now: datetime) -> None:
    """Reminder addresses for the demo staff (the login users seeded before this), the history of
    returned demo orders, a few open tickets: new ones go to the demo service user."""
    staff = returns.agents(conn)
    if staff and conn.execute(select(service_agents.c.username)).first() is None:
        conn.execute(insert(service_agents), [
            {"username": a.username, "display_name": a.display_name, "email": f"{a.username}@petshop.example",
             "manager_email": MANAGER_EMAIL}
            for a in staff
        ])  # fmt: skip
    codes = dict(conn.execute(select(ticket_reasons.c.label_zh, ticket_reasons.c.code)).all())
    start = now - timedelta(days=DAYS)
    returned = conn.execute(
        select(orders.c.id, orders.c.shipped_at, orders.c.return_reason)
        .where(orders.c.return_reason.is_not(None), orders.c.shipped_at.is_not(None))
        .order_by(orders.c.shipped_at)
    ).all()
    for order in returned:
        opened = _second(order.shipped_at + timedelta(days=rng.uniform(1, 4)))
        if opened < now:
            _replay(
                conn, rng, order, codes.get(order.return_reason, "quality"), opened, _cycle(rng, start, opened), now
            )
    for order in _recent_orders(conn, rng, now):
        opened = _second(now - timedelta(hours=rng.uniform(2, 110)))
        # Spread over several days, so today finds them part-way through and some behind their SLA.
        _replay(conn, rng, order, rng.choice(list(TYPE_WEIGHTS)), opened, timedelta(days=rng.uniform(4, 9)), now)


def _cycle(rng: random.Random, start: datetime, opened: datetime) -> timedelta:
    """The team's average shrinks linearly over the period; single tickets scatter around it."""
    progress = min(max((opened - start) / timedelta(days=DAYS), 0.0), 1.0)
    target = FIRST_CYCLE + (LAST_CYCLE - FIRST_CYCLE) * progress
    return timedelta(days=target * rng.lognormvariate(0, 0.35) / 1.063)  # 1.063: the lognormal's mean


def _recent_orders(conn: Connection, rng: random.Random, now: datetime) -> list[Row]:
    candidates = conn.execute(
        select(orders.c.id, orders.c.shipped_at, orders.c.return_reason).where(
            orders.c.status.in_(["shipped", "completed"]),
            orders.c.return_reason.is_(None),
            orders.c.shipped_at.between(now - timedelta(days=10), now - timedelta(days=5)),
        )
    ).all()
    return rng.sample(candidates, min(RECENT_OPEN, len(candidates)))


def _replay(
    conn: Connection, rng: random.Random, order: Row, reason: str, opened: datetime, cycle: timedelta, now: datetime
) -> None:
    """Open the ticket and take the steps whose time has come, spread over the cycle."""
    kind = rng.choices(list(TYPE_WEIGHTS[reason]), list(TYPE_WEIGHTS[reason].values()))[0]
    ticket_id = returns.open_ticket(conn, order.id, kind, reason, FOR_BUYER, [_item(conn, rng, order.id)], now=opened)
    ticket = returns.load_by_id(conn, ticket_id)
    number, owner = ticket.number, Actor(ticket.owner or "system", "service")
    path = _path(kind, rejected=rng.random() < 0.05)
    first = opened + min(cycle * 0.15, timedelta(hours=rng.uniform(1, 30)))
    gap = (cycle - (first - opened)) / max(len(path) - 1, 1)
    for index, status in enumerate(path):
        at = _second(first + gap * index)
        if at > now:
            return
        try:
            returns.advance(
                conn, number, status, owner, resalable=reason in RESALABLE_REASONS and rng.random() < 0.9,
                now=at, resume_held=False,
            )  # fmt: skip
        except InsufficientStock:  # nothing left to send: the buyer gets a refund instead
            returns.advance(conn, number, REJECTED, owner, note="replacement out of stock", now=at)
            returns.advance(conn, number, CLOSED, owner, now=at + gap)
            return


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def _item(conn: Connection, rng: random.Random, order_id: int) -> returns.Item:
    lines = conn.execute(
        select(skus.c.sku, order_lines.c.qty)
        .join(skus, skus.c.id == order_lines.c.sku_id)
        .where(order_lines.c.order_id == order_id)
        .order_by(skus.c.sku)
    ).all()
    code, qty = rng.choice(lines)
    return returns.Item(code, rng.randint(1, qty))


def _path(kind: str, rejected: bool) -> list[str]:
    """The statuses a ticket of this kind passes through after submission, ending closed."""
    path, status = [], SUBMITTED
    while status != CLOSED:
        options = next_statuses(kind, status)
        status = REJECTED if rejected and REJECTED in options else next(s for s in options if s != REJECTED)
        path.append(status)
    return path
