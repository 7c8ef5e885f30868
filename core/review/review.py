"""The exception queue: run the review rules over orders, hold matches, and let a clerk resolve them.

Intake hook: core.intake.ingest calls review_orders(conn, new_order_ids, actor, now) inside the batch
transaction, after the new orders are inserted and reserved, so no order is ever visible to the
warehouse unreviewed. A matching order is held with hold reason "review" (its stock stays
reserved); the clerk fixes it (the rules run again), approves it (resume) or cancels it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.errors import IllegalTransition, InvalidInput, NotFound
from core.identity import access
from core.identity.access import Actor
from core.model import CANCELLED, HOLD_REVIEW
from core.orders import holds as order_holds
from core.orders import workflow
from core.orders.tables import orders
from core.review import rules as R
from core.review.reasons import Reason
from core.review.review_facts import OPEN_STATUSES, build_context, load_facts
from core.review.tables import order_exceptions
from core.store.db import transaction
from core.store.tables import shops
from core.store.unit_of_work import unit_of_work

FIXABLE = ("buyer", "phone", "province", "city", "address", "seller_remark")


@dataclass(frozen=True)
class Finding:
    order_id: int
    rule: str
    detail: Reason


def evaluate(facts: Sequence[R.OrderFacts], ctx: R.Context, config: dict[str, R.RuleConfig]) -> list[Finding]:
    """Every enabled rule over every order: the pure heart of the review."""
    findings = []
    for order in facts:
        for rule in R.RULES:
            settings = config[rule.code]
            if settings.enabled and (detail := rule.check(order, ctx, settings.params)):
                findings.append(Finding(order.id, rule.code, detail))
    return findings


def review_orders(
    conn: Connection,
    order_ids: Iterable[int],
    actor: str = "rules",
    now: datetime | None = None,
    known_prices: dict[int, list[float]] | None = None,
) -> list[Finding]:
    """Run the rules over the open orders among order_ids; hold those with new findings."""
    now = now or clock.now()
    config = R.load_config(conn)
    if not any(c.enabled for c in config.values()):
        return []
    facts = load_facts(conn, list(order_ids))
    if not facts:
        return []
    findings = evaluate(facts, build_context(conn, facts, config, known_prices), config)
    known = _known_pairs(conn, [f.order_id for f in findings])
    fresh = [f for f in findings if (f.order_id, f.rule) not in known]
    if fresh:
        conn.execute(
            insert(order_exceptions),
            [
                {
                    "order_id": f.order_id,
                    "rule": f.rule,
                    "detail": f.detail.stored(),
                    "status": "open",
                    "created_at": now,
                }
                for f in fresh
            ],
        )
    reasons: dict[int, list[str]] = {}
    for f in fresh:
        reasons.setdefault(f.order_id, []).append(f.rule)
    order_holds.hold_for_review(conn, reasons, actor, now)
    return fresh


def recheck_open_orders(
    engine: Engine, actor: Actor, now: datetime | None = None, chunk: int = 1000
) -> list[dict[str, Any]]:
    """Re-run the rules over every open order (after a rule change) and list the open exceptions."""
    access.authorize(actor, "edit_rules")
    with engine.connect() as conn:
        ids = conn.execute(select(orders.c.id).where(orders.c.status.in_(OPEN_STATUSES)).order_by(orders.c.id))
        ids = ids.scalars().all()
    prices: dict[int, list[float]] = {}
    for start in range(0, len(ids), chunk):
        with transaction(engine) as conn:
            review_orders(conn, ids[start : start + chunk], "rules", now, prices)
    with engine.connect() as conn:
        return open_exceptions(conn)


def open_exceptions(conn: Connection, limit: int | None = None) -> list[dict[str, Any]]:
    """The queue: one row per held order with its reasons, oldest first."""
    rows = conn.execute(
        select(
            orders.c.id,
            orders.c.channel_order_no,
            shops.c.name.label("shop"),
            orders.c.status,
            orders.c.buyer,
            orders.c.phone,
            orders.c.province,
            orders.c.city,
            orders.c.address,
            orders.c.paid_cents,
            order_exceptions.c.rule,
            order_exceptions.c.detail,
            order_exceptions.c.created_at,
        )
        .join(orders, orders.c.id == order_exceptions.c.order_id)
        .join(shops, shops.c.id == orders.c.shop_id)
        .where(order_exceptions.c.status == "open")
        .order_by(order_exceptions.c.created_at, orders.c.id, order_exceptions.c.rule)
    ).mappings()
    queue: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = queue.setdefault(row["id"], {**row, "rules": [], "details": []})
        entry["rules"].append(row["rule"])
        entry["details"].append(Reason.parse(row["detail"], row["rule"]))
    for entry in queue.values():
        del entry["rule"], entry["detail"]
    return list(queue.values())[:limit]


def approve(conn: Connection, order_id: int, actor: Actor, now: datetime | None = None) -> str:
    """The clerk accepts the order as it is: its exceptions close and the order resumes."""
    access.authorize(actor, "change_status")
    now = now or clock.now()
    _close(conn, order_id, "approved", actor, now)
    return order_holds.release_review(conn, order_id, actor, "resumed", now)


def override(conn: Connection, order_id: int, actor: Actor, why: str, now: datetime | None = None) -> str:
    """Release an order held for review without approving it: only a role allowed to override
    the review may, saying why; its exceptions close as overridden and the audit row says who
    and why. Returns the status the order ends in."""
    access.authorize(actor, "override_review")
    head = conn.execute(select(orders.c.channel_order_no, orders.c.hold_reason).where(orders.c.id == order_id)).first()
    if head is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    number, kind = head
    if kind != HOLD_REVIEW:
        raise InvalidInput(key="error.not_held_for_review", params={"order_no": number})
    if not why.strip():
        raise InvalidInput(key="error.override_needs_reason", params={"order_no": number})
    now = now or clock.now()
    _close(conn, order_id, "overridden", actor, now)
    return order_holds.release_review(conn, order_id, actor, f"review overridden by {actor}: {why.strip()}", now)


def cancel(conn: Connection, order_id: int, actor: Actor, reason: str = "", now: datetime | None = None) -> str:
    access.authorize(actor, "change_status")
    now = now or clock.now()
    _close(conn, order_id, "cancelled", actor, now)
    return workflow.advance(conn, order_id, CANCELLED, actor, reason or "cancelled in review", now)


def fix(
    conn: Connection, order_id: int, changes: dict[str, str], actor: Actor, now: datetime | None = None
) -> list[str]:
    """Correct the order's address/phone/remark, re-run the rules; returns the rules still failing."""
    access.authorize(actor, "change_status")
    now = now or clock.now()
    unknown = set(changes) - set(FIXABLE)
    if unknown:
        raise InvalidInput(f"In review only {', '.join(FIXABLE)} can be changed, not {', '.join(sorted(unknown))}.")
    order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if order is None:
        raise NotFound(key="error.order_id_not_found", params={"order_id": order_id})
    if order.status not in OPEN_STATUSES:
        raise IllegalTransition(order.channel_order_no, order.status, "fixed in review")
    conn.execute(update(orders).where(orders.c.id == order_id).values(**changes, updated_at=now))
    changed = ", ".join(f"{name} {getattr(order, name)!r} → {value!r}" for name, value in changes.items())
    workflow.record_event(conn, order_id, order.status, order.status, actor, f"fixed in review: {changed}", now)
    config = R.load_config(conn)
    facts = load_facts(conn, [order_id])
    failing = {f.rule for f in evaluate(facts, build_context(conn, facts, config), config)}
    open_rules = set(_open_rules(conn, order_id))
    for rule in open_rules - failing:
        _close(conn, order_id, "fixed", actor, now, rule)
    if not open_rules & failing:
        order_holds.release_review(conn, order_id, actor, "resumed", now)
    return sorted(open_rules & failing)


def resolve_rule(conn: Connection, order_ids: Iterable[int], rule: str, actor: str, now: datetime) -> None:
    """Another service settled this rule (e.g. merging settles merge_candidate); resume if nothing is left."""
    for order_id in order_ids:
        if rule in _open_rules(conn, order_id):
            _close(conn, order_id, "fixed", actor, now, rule)
            if not _open_rules(conn, order_id):
                order_holds.release_review(conn, order_id, actor, "resumed", now)


def _known_pairs(conn: Connection, ids: list[int]) -> set[tuple[int, str]]:
    if not ids:
        return set()
    query = select(order_exceptions.c.order_id, order_exceptions.c.rule).where(order_exceptions.c.order_id.in_(ids))
    return set(conn.execute(query))


def _open_rules(conn: Connection, order_id: int) -> list[str]:
    query = select(order_exceptions.c.rule).where(
        order_exceptions.c.order_id == order_id, order_exceptions.c.status == "open"
    )
    return list(conn.execute(query).scalars())


def _close(conn: Connection, order_id: int, status: str, actor: str, now: datetime, rule: str | None = None) -> None:
    query = update(order_exceptions).where(order_exceptions.c.order_id == order_id, order_exceptions.c.status == "open")
    if rule:
        query = query.where(order_exceptions.c.rule == rule)
    conn.execute(query.values(status=status, resolved_at=now, resolved_by=actor))


# The exception queue's units of work, each in its own transaction.
approve_order = unit_of_work(approve)
cancel_order = unit_of_work(cancel)
fix_order = unit_of_work(fix)
override_order = unit_of_work(override)
