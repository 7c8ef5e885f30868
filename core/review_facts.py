"""The facts the review rules read: orders with their lines, and the context from the rest of the store
(parsed addresses, commissions, usual prices, blacklist, open orders to the same buyer and address)."""

from __future__ import annotations

from collections.abc import Sequence

import cpca
from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from core import rules as R
from core.db import blacklist, channels, order_lines, order_merges, orders, shops, skus
from core.model import COMPLETED, ON_HOLD, PAID, PENDING_PAYMENT, SHIPPED

OPEN_STATUSES = (PENDING_PAYMENT, PAID, ON_HOLD)


def load_facts(conn: Connection, order_ids: list[int]) -> list[R.OrderFacts]:
    if not order_ids:
        return []
    lines: dict[int, list[R.LineFacts]] = {}
    query = (
        select(
            order_lines.c.order_id,
            order_lines.c.sku_id,
            skus.c.sku,
            order_lines.c.qty,
            order_lines.c.unit_price_cents,
            order_lines.c.discount_cents,
            skus.c.unit_cost_cents,
        )
        .join(skus, skus.c.id == order_lines.c.sku_id)
        .where(order_lines.c.order_id.in_(order_ids))
    )
    for row in conn.execute(query):
        lines.setdefault(row.order_id, []).append(R.LineFacts(*row[1:]))
    fields = [c for c in R.OrderFacts.__dataclass_fields__ if c != "lines"]
    rows = conn.execute(
        select(*[orders.c[f] for f in fields])
        .where(orders.c.id.in_(order_ids), orders.c.status.in_(OPEN_STATUSES))
        .order_by(orders.c.id)
    ).mappings()
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
            .where(
                order_lines.c.sku_id == sku_id,
                orders.c.status.in_((SHIPPED, COMPLETED)),
                order_lines.c.order_id.not_in(own),
            )
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
        select(
            orders.c.id,
            orders.c.channel_order_no,
            orders.c.shop_id,
            orders.c.buyer,
            orders.c.province,
            orders.c.city,
            orders.c.address,
        ).where(orders.c.buyer.in_(buyers), orders.c.status.in_(OPEN_STATUSES))
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
    rows = conn.execute(
        select(order_merges.c.order_id, order_merges.c.primary_order_id).where(
            or_(order_merges.c.order_id.in_(ids), order_merges.c.primary_order_id.in_(ids))
        )
    )
    return {order_id: primary for order_id, primary in rows}
