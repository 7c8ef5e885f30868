"""Ticket lists and details, the SLA clock, overdue reminders via the outbox, cycle-time report."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Engine, RowMapping

from core import clock
from core.aftersales.returns import CLOSED, agents, load
from core.aftersales.tables import ticket_events, ticket_lines, ticket_sla, tickets
from core.i18n import t
from core.identity import access
from core.messages import outbox
from core.orders.tables import orders
from core.stock.tables import skus
from core.store.db import transaction

OK, NEAR, OVERDUE, MET = "ok", "near", "overdue", "met"
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
_SEVERITY = {MET: 0, OK: 1, NEAR: 2, OVERDUE: 3}


def deadlines(ticket: RowMapping | dict) -> list[tuple[str, datetime]]:
    """The deadlines still running: first response until answered, resolution until resolved."""
    running = []
    if ticket["first_response_at"] is None:
        running.append((FIRST_RESPONSE, ticket["first_response_due"]))
    if ticket["resolved_at"] is None:
        running.append((RESOLUTION, ticket["resolution_due"]))
    return running


def stage_state(due: datetime, warn: timedelta, now: datetime) -> str:
    if now > due:
        return OVERDUE
    return NEAR if now >= due - warn else OK


def sla_state(ticket: RowMapping | dict, warn: timedelta, now: datetime) -> str:
    """The worst state over the running deadlines; "met" once nothing is running."""
    states = [stage_state(due, warn, now) for _, due in deadlines(ticket)]
    return max(states, key=_SEVERITY.__getitem__, default=MET)


def list_tickets(
    conn: Connection,
    now: datetime | None = None,
    *,
    status: str | None = None,
    owner: str | None = None,
    with_unassigned: bool = False,
    due_only: bool = False,
    include_closed: bool = False,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Tickets with their SLA state, most urgent first; due_only keeps the near and overdue ones.

    with_unassigned adds the tickets nobody owns to the owner's, so a service user sees what to take.
    """
    now = now or clock.now()
    query = (
        select(tickets, orders.c.channel_order_no.label("order_no"), ticket_sla.c.warn_hours)
        .join(orders, orders.c.id == tickets.c.order_id)
        .join(ticket_sla, ticket_sla.c.type == tickets.c.type)
        .order_by(tickets.c.created_at.desc())
        .limit(limit)
    )
    if status:
        query = query.where(tickets.c.status == status)
    elif not include_closed:
        query = query.where(tickets.c.status != CLOSED)
    if owner:
        mine = tickets.c.owner == owner
        query = query.where(or_(mine, tickets.c.owner.is_(None)) if with_unassigned else mine)
    rows = [_listed(row, now) for row in conn.execute(query).mappings()]
    if due_only:
        rows = [row for row in rows if row["sla"] in (NEAR, OVERDUE)]
    return sorted(rows, key=lambda row: (-_SEVERITY[row["sla"]], row["next_deadline"] or datetime.max))


def _listed(row: RowMapping, now: datetime) -> dict[str, Any]:
    running = deadlines(row)
    listed = {key: row[key] for key in ("number", "order_no", "type", "reason", "status", "owner", "created_at")}
    listed["sla"] = sla_state(row, timedelta(hours=row["warn_hours"]), now)
    listed["next_deadline"] = min((due for _, due in running), default=None)
    return listed


def ticket_detail(conn: Connection, number: str, role: str = "admin") -> dict[str, Any]:
    """One ticket with its order number, lines (SKU codes) and audit trail, as the role may see
    it: phone numbers written into its notes and history are masked for roles without phones."""
    ticket = access.mask_rows(role, [dict(load(conn, number)._mapping)])[0]
    ticket["order_no"] = conn.execute(
        select(orders.c.channel_order_no).where(orders.c.id == ticket["order_id"])
    ).scalar_one()
    replacement = skus.alias("replacement")
    lines = (
        select(skus.c.sku, ticket_lines.c.qty, replacement.c.sku.label("replacement_sku"), ticket_lines.c.disposition)
        .join(skus, skus.c.id == ticket_lines.c.sku_id)
        .outerjoin(replacement, replacement.c.id == ticket_lines.c.replacement_sku_id)
        .where(ticket_lines.c.ticket_id == ticket["id"])
        .order_by(skus.c.sku)
    )
    ticket["lines"] = [dict(row) for row in conn.execute(lines).mappings()]
    events = select(ticket_events).where(ticket_events.c.ticket_id == ticket["id"]).order_by(ticket_events.c.id)
    ticket["events"] = access.mask_rows(role, [dict(row) for row in conn.execute(events).mappings()])
    return ticket


def remind_due(conn: Connection, now: datetime | None = None, lang: str = "zh") -> int:
    """Queue an e-mail to the owner and their manager for every near or overdue deadline.

    Each (ticket, deadline, near/overdue, recipient) is reminded once: the idempotency key
    says so, and enqueue() ignores keys already queued. Returns how many messages are new.
    """
    now = now or clock.now()
    people = {agent.username: agent for agent in agents(conn)}
    messages = []
    for ticket in list_tickets(conn, now, due_only=True):
        agent = people.get(ticket["owner"])
        recipients = [agent.email, agent.manager_email] if agent else []
        for stage, level, due in _alarms(conn, ticket["number"], now):
            payload = {
                "lang": lang, "number": ticket["number"], "order_no": ticket["order_no"],
                "owner": ticket["owner"] or "-", "due": due.strftime("%Y-%m-%d %H:%M"),
                "stage": t(f"aftersales.sla.{stage}", lang), "level": t(f"aftersales.sla.{level}", lang),
            }  # fmt: skip
            for email in filter(None, recipients):
                key = f"email:ticket_overdue:{ticket['number']}:{stage}:{level}:{email}"
                messages.append(outbox.message(key, "email", email, "ticket_overdue", payload, now))
    return outbox.enqueue(conn, messages)


def send_reminders(engine: Engine, now: datetime | None = None) -> int:
    """The worker's job: remind_due in its own transaction."""
    with transaction(engine) as conn:
        return remind_due(conn, now)


def _alarms(conn: Connection, number: str, now: datetime) -> list[tuple[str, str, datetime]]:
    row = conn.execute(
        select(tickets, ticket_sla.c.warn_hours)
        .join(ticket_sla, ticket_sla.c.type == tickets.c.type)
        .where(tickets.c.number == number)
    ).mappings().one()  # fmt: skip
    warn = timedelta(hours=row["warn_hours"])
    states = [(stage, stage_state(due, warn, now), due) for stage, due in deadlines(row)]
    return [(stage, state, due) for stage, state, due in states if state in (NEAR, OVERDUE)]


def cycle_times(
    conn: Connection, since: datetime | None = None, until: datetime | None = None, period_days: int = 7
) -> list[dict[str, Any]]:
    """Average days from opening to closing, per period of closing, then overall (period "all")."""
    query = select(tickets.c.type, tickets.c.created_at, tickets.c.closed_at).where(tickets.c.closed_at.is_not(None))
    if since:
        query = query.where(tickets.c.closed_at >= since)
    if until:
        query = query.where(tickets.c.closed_at < until)
    rows = conn.execute(query).all()
    if not rows:
        return []
    origin = since or min(row.closed_at for row in rows).replace(hour=0, minute=0, second=0)
    buckets: dict[datetime, list[float]] = {}
    for row in rows:
        start = origin + timedelta(days=period_days * ((row.closed_at - origin).days // period_days))
        buckets.setdefault(start, []).append((row.closed_at - row.created_at).total_seconds() / 86400)
    report = [
        {"period": start.date(), "tickets": len(days), "avg_days": round(mean(days), 2)}
        for start, days in sorted(buckets.items())
    ]
    all_days = [day for days in buckets.values() for day in days]
    return report + [{"period": "all", "tickets": len(all_days), "avg_days": round(mean(all_days), 2)}]
