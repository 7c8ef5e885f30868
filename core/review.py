"""The exception queue: run the review rules over orders, hold matches, and let a clerk resolve them.

Intake hook: core.ingest calls review_orders(conn, new_order_ids, actor, now) inside the batch
transaction, after the new orders are inserted and reserved, so no order is ever visible to the
warehouse unreviewed. A matching order is held with hold reason "review" (its stock stays
reserved); the clerk fixes it (the rules run again), approves it (resume) or cancels it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cpca
from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from core import clock, workflow
from core import rules as R
from core.db import (
    blacklist,
    channels,
    order_exceptions,
    order_lines,
    order_merges,
    orders,
    shops,
    skus,
    transaction,
)
from core.errors import IllegalTransition, InsufficientStock, InvalidInput
from core.model import CANCELLED, COMPLETED, HOLD_INSUFFICIENT_STOCK, ON_HOLD, PAID, PENDING_PAYMENT, SHIPPED

HOLD_REVIEW = "review"
OPEN_STATUSES = (PENDING_PAYMENT, PAID, ON_HOLD)
FIXABLE = ("buyer", "phone", "province", "city", "address", "seller_remark")


@dataclass(frozen=True)
class Finding:
    order_id: int
    rule: str
    detail: str


def evaluate(facts: Sequence[R.OrderFacts], ctx: R.Context, config: dict[str, R.RuleConfig]) -> list[Finding]:
    """Every enabled rule over every order: the pure heart of the review."""
    findings = []
    for order in facts:
        for rule in R.RULES:
            settings = config[rule.code]
            if settings.enabled and (detail := rule.check(order, ctx, settings.params)):
                findings.append(Finding(order.id, rule.code, detail[:300]))
    return findings


def review_orders(
    conn: Connection, order_ids: Iterable[int], actor: str = "rules", now: datetime | None = None
) -> list[Finding]:
    """Run the rules over the open orders among order_ids; hold those with new findings."""
    now = now or clock.now()
    config = R.load_config(conn)
    facts = load_facts(conn, list(order_ids))
    if not facts or not any(c.enabled for c in config.values()):
        return []
    findings = evaluate(facts, build_context(conn, facts, config), config)
    known = _known_pairs(conn, [f.order_id for f in findings])
    fresh = [f for f in findings if (f.order_id, f.rule) not in known]
    if fresh:
        conn.execute(insert(order_exceptions), [
            {"order_id": f.order_id, "rule": f.rule, "detail": f.detail, "status": "open", "created_at": now}
            for f in fresh
        ])
    for order_id in sorted({f.order_id for f in fresh}):
        _hold_for_review(conn, order_id, actor, "; ".join(f.rule for f in fresh if f.order_id == order_id), now)
    return fresh


def recheck_open_orders(engine: Engine, now: datetime | None = None, chunk: int = 1000) -> list[dict[str, Any]]:
    """Re-run the rules over every open order (after a rule change) and list the open exceptions."""
    with engine.connect() as conn:
        ids = conn.execute(select(orders.c.id).where(orders.c.status.in_(OPEN_STATUSES)).order_by(orders.c.id))
        ids = ids.scalars().all()
    for start in range(0, len(ids), chunk):
        with transaction(engine) as conn:
            review_orders(conn, ids[start : start + chunk], "rules", now)
    with engine.connect() as conn:
        return open_exceptions(conn)


def open_exceptions(conn: Connection, limit: int | None = None) -> list[dict[str, Any]]:
    """The queue: one row per held order with its reasons, oldest first."""
    rows = conn.execute(
        select(
            orders.c.id, orders.c.channel_order_no, shops.c.name.label("shop"), orders.c.status,
            orders.c.buyer, orders.c.phone, orders.c.province, orders.c.city, orders.c.address,
            orders.c.paid_cents, order_exceptions.c.rule, order_exceptions.c.detail, order_exceptions.c.created_at,
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
        entry["details"].append(row["detail"])
    for entry in queue.values():
        del entry["rule"], entry["detail"]
    return list(queue.values())[:limit]


def approve(conn: Connection, order_id: int, actor: str, now: datetime | None = None) -> str:
    """The clerk accepts the order as it is: its exceptions close and the order resumes."""
    now = now or clock.now()
    _close(conn, order_id, "approved", actor, now)
    return _release_review_hold(conn, order_id, actor, now)


def cancel(conn: Connection, order_id: int, actor: str, reason: str = "", now: datetime | None = None) -> str:
    now = now or clock.now()
    _close(conn, order_id, "cancelled", actor, now)
    return workflow.advance(conn, order_id, CANCELLED, actor, reason or "cancelled in review", now)


def fix(conn: Connection, order_id: int, changes: dict[str, str], actor: str, now: datetime | None = None) -> list[str]:
    """Correct the order's address/phone/remark, re-run the rules; returns the rules still failing."""
    now = now or clock.now()
    unknown = set(changes) - set(FIXABLE)
    if unknown:
        raise InvalidInput(f"In review only {', '.join(FIXABLE)} can be changed, not {', '.join(sorted(unknown))}.")
    order = conn.execute(select(orders).where(orders.c.id == order_id)).one()
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
        _release_review_hold(conn, order_id, actor, now)
    return sorted(open_rules & failing)


def resolve_rule(conn: Connection, order_ids: Iterable[int], rule: str, actor: str, now: datetime) -> None:
    """Another service settled this rule (e.g. merging settles merge_candidate); resume if nothing is left."""
    for order_id in order_ids:
        if rule in _open_rules(conn, order_id):
            _close(conn, order_id, "fixed", actor, now, rule)
            if not _open_rules(conn, order_id):
                _release_review_hold(conn, order_id, actor, now)


def load_facts(conn: Connection, order_ids: list[int]) -> list[R.OrderFacts]:
    if not order_ids:
        return []
    lines: dict[int, list[R.LineFacts]] = {}
    query = (
        select(order_lines.c.order_id, order_lines.c.sku_id, skus.c.sku, order_lines.c.qty,
               order_lines.c.unit_price_cents, order_lines.c.discount_cents, skus.c.unit_cost_cents)
        .join(skus, skus.c.id == order_lines.c.sku_id)
        .where(order_lines.c.order_id.in_(order_ids))
    )
    for row in conn.execute(query):
        lines.setdefault(row.order_id, []).append(R.LineFacts(*row[1:]))
    fields = [c for c in R.OrderFacts.__dataclass_fields__ if c != "lines"]
    rows = conn.execute(select(*[orders.c[f] for f in fields]).where(
        orders.c.id.in_(order_ids), orders.c.status.in_(OPEN_STATUSES)).order_by(orders.c.id)).mappings()
    return [R.OrderFacts(**row, lines=tuple(lines.get(row["id"], ()))) for row in rows]


def build_context(conn: Connection, facts: Sequence[R.OrderFacts], config: dict[str, R.RuleConfig]) -> R.Context:
    ctx = R.Context()
    if config["address_incomplete"].enabled:
        ctx.addresses = parse_addresses(facts)
    ctx.commission_bp = dict(conn.execute(select(channels.c.code, channels.c.commission_bp)).all())
    ctx.shop_shipping_cost = dict(conn.execute(select(shops.c.id, shops.c.shipping_cost_cents)).all())
    if config["price_deviation"].enabled:
        ctx.recent_prices = _recent_prices(conn, facts, config["price_deviation"].params["sample_size"])
    ctx.blacklisted = {tuple(row) for row in conn.execute(select(blacklist.c.kind, blacklist.c.value))}
    if config["merge_candidate"].enabled:
        ctx.open_siblings = _open_siblings(conn, facts)
    return ctx


def parse_addresses(facts: Sequence[R.OrderFacts]) -> dict[int, R.ParsedAddress]:
    """Province/city/district of each address with cpca (offline data), in one call per batch."""
    texts = [o.address if o.city and o.city in o.address else f"{o.province}{o.city}{o.address}" for o in facts]
    if not texts:
        return {}
    parsed = {}
    for order, (_, row) in zip(facts, cpca.transform(texts).iterrows(), strict=True):
        province, city, district, street = (_text(row[name]) for name in ("省", "市", "区", "地址"))
        parsed[order.id] = R.ParsedAddress(province, city, district, street or "")
    return parsed


def _text(value: object) -> str | None:
    """cpca leaves NaN where it found nothing."""
    return value if isinstance(value, str) and value else None


def address_key(province: str, city: str, address: str) -> str:
    return "".join(f"{province}{city}{address}".split()).lower()


def _recent_prices(conn: Connection, facts: Sequence[R.OrderFacts], sample: int) -> dict[int, list[float]]:
    """Effective unit prices of each SKU's latest shipped lines (shipped, so a flood of mispriced
    orders held in review never becomes the 'usual' price)."""
    own = [o.id for o in facts]
    prices = {}
    for sku_id in sorted({line.sku_id for o in facts for line in o.lines}):
        rows = conn.execute(
            select(order_lines.c.unit_price_cents, order_lines.c.qty, order_lines.c.discount_cents)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(order_lines.c.sku_id == sku_id, orders.c.status.in_((SHIPPED, COMPLETED)),
                   order_lines.c.order_id.not_in(own))
            .order_by(order_lines.c.id.desc())
            .limit(sample)
        )
        prices[sku_id] = [(price * qty - discount) / qty for price, qty, discount in rows]
    return prices


def _open_siblings(conn: Connection, facts: Sequence[R.OrderFacts]) -> dict[int, list[str]]:
    buyers = {o.buyer for o in facts if o.buyer}
    if not buyers:
        return {}
    candidates = conn.execute(
        select(orders.c.id, orders.c.channel_order_no, orders.c.shop_id, orders.c.buyer,
               orders.c.province, orders.c.city, orders.c.address)
        .where(orders.c.buyer.in_(buyers), orders.c.status.in_(OPEN_STATUSES))
    ).all()
    group = _merge_groups(conn, [c.id for c in candidates])
    by_key: dict[tuple, list] = {}
    for c in candidates:
        by_key.setdefault((c.shop_id, c.buyer, address_key(c.province, c.city, c.address)), []).append(c)
    siblings = {}
    for o in facts:
        same = by_key.get((o.shop_id, o.buyer, address_key(o.province, o.city, o.address)), [])
        others = [c.channel_order_no for c in same if c.id != o.id and group.get(c.id, c.id) != group.get(o.id, o.id)]
        if others:
            siblings[o.id] = sorted(others)
    return siblings


def _merge_groups(conn: Connection, ids: list[int]) -> dict[int, int]:
    """Order id -> the primary of its merged shipment (orders already merged are no candidates)."""
    if not ids:
        return {}
    rows = conn.execute(select(order_merges.c.order_id, order_merges.c.primary_order_id).where(
        or_(order_merges.c.order_id.in_(ids), order_merges.c.primary_order_id.in_(ids))))
    return {order_id: primary for order_id, primary in rows}


def _known_pairs(conn: Connection, ids: list[int]) -> set[tuple[int, str]]:
    if not ids:
        return set()
    query = select(order_exceptions.c.order_id, order_exceptions.c.rule).where(order_exceptions.c.order_id.in_(ids))
    return set(conn.execute(query))


def _open_rules(conn: Connection, order_id: int) -> list[str]:
    query = select(order_exceptions.c.rule).where(
        order_exceptions.c.order_id == order_id, order_exceptions.c.status == "open")
    return list(conn.execute(query).scalars())


def _hold_for_review(conn: Connection, order_id: int, actor: str, rules: str, now: datetime) -> None:
    order = conn.execute(select(orders.c.status, orders.c.hold_reason).where(orders.c.id == order_id)).one()
    reason = f"review: {rules}"
    if order.status in (PENDING_PAYMENT, PAID):
        workflow.advance(conn, order_id, ON_HOLD, actor, HOLD_REVIEW, now)
        workflow.record_event(conn, order_id, ON_HOLD, ON_HOLD, actor, reason, now)
    elif order.hold_reason != HOLD_REVIEW:
        # Held for stock: review comes first, so arriving stock must not release it unchecked.
        conn.execute(update(orders).where(orders.c.id == order_id).values(hold_reason=HOLD_REVIEW, updated_at=now))
        workflow.record_event(conn, order_id, ON_HOLD, ON_HOLD, actor, reason, now)


def _release_review_hold(conn: Connection, order_id: int, actor: str, now: datetime) -> str:
    """Resume an order held for review; if its stock is short it stays held, now for stock."""
    order = conn.execute(select(orders.c.status, orders.c.hold_reason).where(orders.c.id == order_id)).one()
    if order.status != ON_HOLD or order.hold_reason != HOLD_REVIEW:
        return order.status
    try:
        return workflow.resume(conn, order_id, actor, now)
    except InsufficientStock as shortage:
        conn.execute(update(orders).where(orders.c.id == order_id).values(hold_reason=HOLD_INSUFFICIENT_STOCK))
        workflow.record_event(conn, order_id, ON_HOLD, ON_HOLD, actor, f"reviewed; {shortage}", now)
        return ON_HOLD


def _close(conn: Connection, order_id: int, status: str, actor: str, now: datetime, rule: str | None = None) -> None:
    query = update(order_exceptions).where(order_exceptions.c.order_id == order_id, order_exceptions.c.status == "open")
    if rule:
        query = query.where(order_exceptions.c.rule == rule)
    conn.execute(query.values(status=status, resolved_at=now, resolved_by=actor))
