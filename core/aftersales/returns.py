"""After-sales tickets: opened from a shipped order, moved through one transition table, audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from core import clock
from core.aftersales import returns_effects
from core.aftersales.returns_flow import (
    CLOSED,
    FLOW,
    REJECTED,
    RESOLVED,
    SUBMITTED,
    TYPES,
    IllegalTicketStep,
    Item,
)
from core.aftersales.tables import (
    service_agents,
    ticket_events,
    ticket_lines,
    ticket_reasons,
    ticket_sequences,
    ticket_sla,
    tickets,
)
from core.errors import InvalidInput, NotFound
from core.identity import access
from core.identity.access import Actor
from core.identity.tables import users
from core.orders import workflow
from core.orders.tables import order_lines, orders
from core.stock import reservations as stock
from core.store.db import is_postgres
from core.store.unit_of_work import unit_of_work

SHIPPED_ORDER_STATUSES = ("shipped", "completed")  # the orders a ticket may be opened on
_ASSIGN_LOCK = 60_0001  # PostgreSQL advisory lock serialising assignment decisions


@dataclass(frozen=True)
class Agent:
    username: str
    display_name: str
    role: str
    email: str
    manager_email: str


def agents(conn: Connection) -> list[Agent]:
    """Who can own tickets: the active login users whose role may handle tickets.

    Their reminder addresses come from service_agents, contact rows keyed by the same username.
    """
    roles = [role for role in access.ROLES if access.can(role, "handle_tickets")]
    contact = service_agents.c
    query = (
        select(users.c.username, users.c.name, users.c.role, contact.email, contact.manager_email)
        .outerjoin(service_agents, contact.username == users.c.username)
        .where(users.c.active, users.c.role.in_(roles))
        .order_by(users.c.username)
    )
    return [
        Agent(r.username, r.name or r.username, r.role, r.email or "", r.manager_email or "")
        for r in conn.execute(query)
    ]


def open_ticket(
    conn: Connection,
    order_id: int,
    ticket_type: str,
    reason: str,
    actor: Actor,
    items: list[Item] | None = None,
    notes: str = "",
    refund_ref: str | None = None,
    now: datetime | None = None,
) -> int:
    """Open a ticket on a shipped order (all unclaimed items when none are named); returns its id.

    Opening again from the same platform refund record returns the ticket already open for it.
    """
    access.authorize(actor, "handle_tickets")
    now = now or clock.now()
    if ticket_type not in TYPES:
        raise InvalidInput(f"Unknown ticket type {ticket_type!r}; use one of {', '.join(TYPES)}.")
    if refund_ref:
        known = conn.execute(select(tickets.c.id).where(tickets.c.refund_ref == refund_ref)).scalar()
        if known is not None:
            return known
    reason = reason_code(conn, reason)
    order = _lock_order(conn, order_id)
    lines = _claim(conn, order, items)
    first_h, resolve_h = _sla_hours(conn, ticket_type)
    number = next_number(conn, now)
    owner = pick_agent(conn)
    ticket_id = conn.execute(
        insert(tickets).values(
            number=number, order_id=order_id, refund_ref=refund_ref, type=ticket_type,
            reason=reason, status=SUBMITTED, owner=owner, notes=notes.strip(),
            created_by=actor, created_at=now, updated_at=now,
            first_response_due=now + timedelta(hours=first_h), resolution_due=now + timedelta(hours=resolve_h),
        ).returning(tickets.c.id)
    ).scalar_one()  # fmt: skip
    conn.execute(insert(ticket_lines), [{"ticket_id": ticket_id, **line} for line in lines])
    _audit(conn, ticket_id, actor, "open", None, SUBMITTED, f"order {order.channel_order_no}", now)
    _audit(conn, ticket_id, "system", "assign", None, None, owner or "unassigned", now)
    return ticket_id


def advance(
    conn: Connection,
    number: str,
    to_status: str,
    actor: Actor,
    *,
    resalable: bool | None = None,
    refund_cents: int | None = None,
    note: str = "",
    now: datetime | None = None,
    resume_held: bool = True,
) -> str:
    """Take one step of the flow with its stock effect and audit row; returns the new status.

    Restocked returns resume orders held for that stock, unless resume_held is False (the demo
    seeder replays past tickets and must not resume today's held orders at a past time).
    """
    access.authorize(actor, "handle_tickets")
    now = now or clock.now()
    ticket = load(conn, number)
    if ticket.type not in FLOW.get((ticket.status, to_status), ()):
        raise IllegalTicketStep(number, ticket.type, ticket.status, to_status)
    values: dict = {"status": to_status, "updated_at": now}
    detail = returns_effects.apply(conn, ticket, to_status, actor, (resalable, resume_held), refund_cents, values, now)
    if ticket.status == SUBMITTED:
        values["first_response_at"] = now
    if to_status in RESOLVED and ticket.resolved_at is None:
        values["resolved_at"] = now
    if to_status == CLOSED:
        values["closed_at"] = now
    changed = conn.execute(
        update(tickets).where(tickets.c.id == ticket.id, tickets.c.status == ticket.status).values(**values)
    )
    if changed.rowcount != 1:
        raise IllegalTicketStep(number, ticket.type, ticket.status, to_status)
    _audit(conn, ticket.id, actor, "advance", ticket.status, to_status, "; ".join(filter(None, [detail, note])), now)
    return to_status


def reassign(conn: Connection, number: str, owner: str, actor: Actor, now: datetime | None = None) -> None:
    access.authorize(actor, "handle_tickets")
    now = now or clock.now()
    ticket = load(conn, number)
    if owner not in {agent.username for agent in agents(conn)}:
        raise InvalidInput(key="error.not_an_agent", params={"owner": owner})
    if owner == ticket.owner:
        return
    conn.execute(update(tickets).where(tickets.c.id == ticket.id).values(owner=owner, updated_at=now))
    _audit(conn, ticket.id, actor, "assign", None, None, f"{ticket.owner or 'unassigned'} -> {owner}", now)


def add_note(conn: Connection, number: str, actor: Actor, note: str, now: datetime | None = None) -> None:
    access.authorize(actor, "handle_tickets")
    if not note.strip():
        raise InvalidInput(key="error.note_empty")
    _audit(conn, load(conn, number).id, actor, "note", None, None, note.strip(), now or clock.now())


def next_number(conn: Connection, now: datetime) -> str:
    """AS<yyyymmdd>-<seq>: one atomic upsert per number, so concurrent writers never share one."""
    day = now.strftime("%Y%m%d")
    dialect_insert = postgresql.insert if is_postgres(conn) else sqlite.insert
    statement = (
        dialect_insert(ticket_sequences)
        .values(day=day, last_value=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last_value": ticket_sequences.c.last_value + 1})
        .returning(ticket_sequences.c.last_value)
    )
    return f"AS{day}-{conn.execute(statement).scalar_one():04d}"


def pick_agent(conn: Connection) -> str | None:
    """The agent with the fewest open tickets; on a tie, the one given a ticket longest ago.

    New tickets go to service users; managers and admins get them only when there is no one else.
    """
    if is_postgres(conn):
        conn.execute(text("select pg_advisory_xact_lock(:key)"), {"key": _ASSIGN_LOCK})
    everyone = agents(conn)
    names = [agent.username for agent in everyone if agent.role == "service"] or [a.username for a in everyone]
    if not names:
        return None
    owned = select(tickets.c.owner).where(tickets.c.owner.in_(names)).group_by(tickets.c.owner)
    last_given = dict(conn.execute(owned.add_columns(func.max(tickets.c.id))).all())
    open_now = dict(conn.execute(owned.where(tickets.c.status != CLOSED).add_columns(func.count())).all())
    return min(names, key=lambda name: (open_now.get(name, 0), last_given.get(name, 0), name))


def reasons(conn: Connection) -> list[dict]:
    """The active reasons in their configured order: code, label_zh, label_en."""
    query = select(ticket_reasons.c.code, ticket_reasons.c.label_zh, ticket_reasons.c.label_en)
    active = query.where(ticket_reasons.c.active).order_by(ticket_reasons.c.position, ticket_reasons.c.code)
    return [dict(row) for row in conn.execute(active).mappings()]


def open_as(conn: Connection, order_id: int, ticket_type: str, reason: str, actor: Actor, **options) -> str:
    """open_ticket, returning the ticket's number (as pages show it)."""
    return load_by_id(conn, open_ticket(conn, order_id, ticket_type, reason, actor, **options)).number


def open_for_order_no(conn: Connection, order_no: str, ticket_type: str, reason: str, actor: Actor, **options) -> str:
    """open_ticket by the order number staff read off the platform; returns the ticket number."""
    access.authorize(actor, "handle_tickets")
    ticket_id = open_ticket(
        conn, workflow.order_id_by_no(conn, order_no.strip()), ticket_type, reason, actor, **options
    )
    return load_by_id(conn, ticket_id).number


def reason_code(conn: Connection, reason: str) -> str:
    """The reason's code, given its code or either label (as a page or the CLI may pass it)."""
    wanted = reason.strip().casefold()
    rows = conn.execute(select(ticket_reasons).where(ticket_reasons.c.active)).all()
    for row in rows:
        if wanted in (row.code.casefold(), row.label_zh.casefold(), row.label_en.casefold()):
            return row.code
    raise InvalidInput(f"Unknown reason {reason!r}; use one of {', '.join(row.code for row in rows)}.")


def load(conn: Connection, number: str) -> Row:
    query = select(tickets).where(tickets.c.number == number.strip().upper())
    ticket = conn.execute(query.with_for_update() if is_postgres(conn) else query).first()
    if ticket is None:
        raise NotFound(key="error.ticket_not_found", params={"number": number})
    return ticket


def load_by_id(conn: Connection, ticket_id: int) -> Row:
    return conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one()


def _lock_order(conn: Connection, order_id: int) -> Row:
    query = select(orders).where(orders.c.id == order_id)
    # Lock the order so two tickets opened at once cannot both claim its last shipped items.
    order = conn.execute(query.with_for_update() if is_postgres(conn) else query).first()
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    if order.status not in SHIPPED_ORDER_STATUSES:
        raise InvalidInput(key="error.not_shipped", params={"order_no": order.channel_order_no})
    return order


def _claim(conn: Connection, order: Row, items: list[Item] | None) -> list[dict]:
    """Ticket lines for the items, never more of a SKU than shipped minus what other tickets claim."""
    shipped = dict(
        conn.execute(select(order_lines.c.sku_id, order_lines.c.qty).where(order_lines.c.order_id == order.id)).all()
    )
    claimed_query = (
        select(ticket_lines.c.sku_id, func.sum(ticket_lines.c.qty))
        .join(tickets, tickets.c.id == ticket_lines.c.ticket_id)
        .where(tickets.c.order_id == order.id, tickets.c.status != REJECTED)
        .group_by(ticket_lines.c.sku_id)
    )
    left = Counter(shipped) - Counter(dict(conn.execute(claimed_query).all()))
    if items is None:
        if not left:
            raise InvalidInput(key="error.all_on_ticket", params={"order_no": order.channel_order_no})
        return [{"sku_id": sku, "qty": qty, "replacement_sku_id": None} for sku, qty in sorted(left.items())]
    return [_line(conn, order, item, left) for item in _merged(items)]


def _merged(items: list[Item]) -> list[Item]:
    if not items:
        raise InvalidInput(key="error.ticket_no_items")
    codes = [item.sku for item in items]
    if len(set(codes)) != len(codes):
        raise InvalidInput(key="error.ticket_sku_twice")
    return items


def _line(conn: Connection, order: Row, item: Item, left: Counter) -> dict:
    sku = stock.sku_ids(conn, [item.sku]).get(item.sku)
    if item.qty <= 0:
        raise InvalidInput(key="error.ticket_qty", params={"sku": item.sku, "qty": item.qty})
    if sku is None or item.qty > left[sku]:
        raise InvalidInput(
            key="error.ticket_too_many",
            params={
                "order_no": order.channel_order_no,
                "left": left[sku] if sku else 0,
                "sku": item.sku,
                "qty": item.qty,
            },
        )
    replacement = stock.sku_id(conn, item.replacement_sku) if item.replacement_sku else None
    return {"sku_id": sku, "qty": item.qty, "replacement_sku_id": replacement}


def _sla_hours(conn: Connection, ticket_type: str) -> tuple[int, int]:
    row = conn.execute(select(ticket_sla).where(ticket_sla.c.type == ticket_type)).first()
    if row is None:
        raise InvalidInput(key="error.no_sla", params={"type": ticket_type})
    return row.first_response_hours, row.resolution_hours


def _audit(
    conn: Connection,
    ticket_id: int,
    actor: str,
    action: str,
    frm: str | None,
    to: str | None,
    detail: str,
    now: datetime,
) -> None:
    conn.execute(
        insert(ticket_events).values(
            ticket_id=ticket_id, at=now, actor=actor, action=action, from_status=frm, to_status=to, detail=detail[:500]
        )
    )


# The after-sales pages' units of work, each in its own transaction.
open_ticket_as = unit_of_work(open_as)
open_ticket_for = unit_of_work(open_for_order_no)
advance_ticket = unit_of_work(advance)
reassign_ticket = unit_of_work(reassign)
