"""The facts the review rules read: orders with their lines, and the context from the rest of the store
(parsed addresses, commissions, usual prices, blacklist, open orders to the same buyer and address)."""

from __future__ import annotations

from collections.abc import Sequence

import cpca
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from core.model import COMPLETED, ON_HOLD, PAID, PENDING_PAYMENT, SHIPPED
from core.orders.tables import order_lines, order_merges, orders
from core.review import rules as R
from core.review.tables import blacklist
from core.stock.tables import skus
from core.store.tables import channels, shops

OPEN_STATUSES = (PENDING_PAYMENT, PAID, ON_HOLD)
PRICE_WINDOW = 50  # latest lines read per wanted sample when looking for a SKU's usual price


def load_facts(conn: Connection, order_ids: list[int]) -> list[R.OrderFacts]:
    """The open orders among order_ids with their lines (plain tuples: this runs on every intake batch)."""
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
    for order_id, *line in conn.execute(query):
        lines.setdefault(order_id, []).append(R.LineFacts(*line))
    fields = [c for c in R.OrderFacts.__dataclass_fields__ if c != "lines"]
    rows = conn.execute(
        select(*[orders.c[f] for f in fields])
        .where(orders.c.id.in_(order_ids), orders.c.status.in_(OPEN_STATUSES))
        .order_by(orders.c.id)
    )
    return [R.OrderFacts(*row, lines=tuple(lines.get(row[0], ()))) for row in rows]


def build_context(
    conn: Connection,
    facts: Sequence[R.OrderFacts],
    config: dict[str, R.RuleConfig],
    known_prices: dict[int, list[float]] | None = None,
) -> R.Context:
    """Everything the rules compare the orders with; known_prices carries usual prices already read
    (a re-check of thousands of open orders reads each SKU's once)."""
    ctx = R.Context()
    if config["address_incomplete"].enabled:
        ctx.addresses = parse_addresses(facts, config["address_incomplete"].params["require_district"])
    ctx.commission_bp = dict(conn.execute(select(channels.c.code, channels.c.commission_bp)).all())
    ctx.shop_shipping_cost = dict(conn.execute(select(shops.c.id, shops.c.shipping_cost_cents)).all())
    if config["price_deviation"].enabled:
        known = {} if known_prices is None else known_prices
        wanted = {line.sku_id for o in facts for line in o.lines} - set(known)
        known |= _recent_prices(conn, wanted, config["price_deviation"].params["sample_size"])
        ctx.recent_prices = known
    ctx.blacklisted = {tuple(row) for row in conn.execute(select(blacklist.c.kind, blacklist.c.value))}
    if config["merge_candidate"].enabled:
        ctx.open_siblings = _open_siblings(conn, facts)
    return ctx


def parse_addresses(facts: Sequence[R.OrderFacts], need_district: bool = True) -> dict[int, R.ParsedAddress]:
    """Province, city, district and street of each order's address.

    Region fields the platform filled in are trusted; free text is parsed with cpca (offline
    data, about 8k addresses a second, so only where needed and each distinct text once).
    """
    parsed, free_text = {}, {}
    for o in facts:
        if o.province and o.city and not need_district:
            parsed[o.id] = R.ParsedAddress(o.province, o.city, None, _street(o))
        else:
            free_text[o.id] = o.address if o.city and o.city in o.address else f"{o.province}{o.city}{o.address}"
    distinct = sorted(set(free_text.values()))
    if distinct:
        frame = cpca.transform(distinct)
        columns = [frame[name].tolist() for name in ("省", "市", "区", "地址")]
        by_text = {
            text: R.ParsedAddress(*(_text(column[i]) for column in columns[:3]), _text(columns[3][i]) or "")
            for i, text in enumerate(distinct)
        }
        parsed |= {order_id: by_text[text] for order_id, text in free_text.items()}
    return parsed


def _street(order: R.OrderFacts) -> str:
    """The address without the region the platform already gave (buyers often type it again)."""
    street = order.address.strip()
    for region in (f"{order.province}省", f"{order.province}市", order.province, order.city):
        street = street.removeprefix(region) if region else street
    return street.strip()


def _text(value: object) -> str | None:
    """cpca leaves NaN where it found nothing."""
    return value if isinstance(value, str) and value else None


def address_key(province: str, city: str, address: str) -> str:
    return "".join(f"{province}{city}{address}".split()).lower()


def _recent_prices(conn: Connection, sku_ids: set[int], sample: int) -> dict[int, list[float]]:
    """Effective unit prices of each SKU's latest shipped lines: shipped, so a flood of mispriced
    orders held in review never becomes the 'usual' price and orders under review are not compared
    with themselves. Only the SKU's last WINDOW x sample lines are looked at, which bounds the cost
    when many of its recent orders are still open."""
    prices = {}
    for sku_id in sorted(sku_ids):
        latest = (
            select(
                order_lines.c.id,
                order_lines.c.order_id,
                order_lines.c.unit_price_cents,
                order_lines.c.qty,
                order_lines.c.discount_cents,
            )
            .where(order_lines.c.sku_id == sku_id)
            .order_by(order_lines.c.id.desc())
            .limit(sample * PRICE_WINDOW)
            .subquery()
        )
        rows = conn.execute(
            select(latest.c.unit_price_cents, latest.c.qty, latest.c.discount_cents)
            .join(orders, orders.c.id == latest.c.order_id)
            .where(orders.c.status.in_((SHIPPED, COMPLETED)))
            .order_by(latest.c.id.desc())
            .limit(sample)
        )
        prices[sku_id] = [(price * qty - discount) / qty for price, qty, discount in rows]
    return prices


def _open_siblings(conn: Connection, facts: Sequence[R.OrderFacts]) -> dict[int, tuple[int, list[str]]]:
    """Per order: how many other open orders share its shop, buyer and address, with a few of their
    numbers. Counted by the database per key (a buyer with thousands of open orders stays cheap)."""
    buyers = {o.buyer for o in facts if o.buyer}
    if not buyers:
        return {}
    raw_key = (orders.c.shop_id, orders.c.buyer, orders.c.province, orders.c.city, orders.c.address)
    rows = conn.execute(
        select(*raw_key, func.count(), func.min(orders.c.channel_order_no), func.max(orders.c.channel_order_no))
        .where(orders.c.buyer.in_(buyers), orders.c.status.in_(OPEN_STATUSES))
        .group_by(*raw_key)
    )
    counts: dict[tuple, int] = {}
    samples: dict[tuple, set[str]] = {}
    for shop_id, buyer, province, city, address, count, first, last in rows:
        key = (shop_id, buyer, address_key(province, city, address))
        counts[key] = counts.get(key, 0) + count
        samples.setdefault(key, set()).update((first, last))
    shipment = _shipment_numbers(conn, facts)
    siblings = {}
    for o in facts:
        key = (o.shop_id, o.buyer, address_key(o.province, o.city, o.address))
        own = shipment.get(o.id, {o.channel_order_no})
        others = counts.get(key, 0) - len(own)
        if o.buyer and others > 0:
            siblings[o.id] = (others, sorted(samples[key] - own)[:3])
    return siblings


def _shipment_numbers(conn: Connection, facts: Sequence[R.OrderFacts]) -> dict[int, set[str]]:
    """Order id -> numbers of the open orders in its merged shipment (merged orders are no candidates)."""
    ids = [o.id for o in facts]
    links = conn.execute(
        select(order_merges.c.order_id, order_merges.c.primary_order_id).where(
            or_(order_merges.c.order_id.in_(ids), order_merges.c.primary_order_id.in_(ids))
        )
    ).all()
    primary_of = {order_id: primary for order_id, primary in links} | {primary: primary for _, primary in links}
    if not primary_of:
        return {}
    primaries = set(primary_of.values())
    members = conn.execute(
        select(order_merges.c.primary_order_id, orders.c.channel_order_no)
        .join(orders, orders.c.id == order_merges.c.order_id)
        .where(order_merges.c.primary_order_id.in_(primaries), orders.c.status.in_(OPEN_STATUSES))
    ).all()
    heads = conn.execute(
        select(orders.c.id, orders.c.channel_order_no).where(
            orders.c.id.in_(primaries), orders.c.status.in_(OPEN_STATUSES)
        )
    ).all()
    numbers: dict[int, set[str]] = {}
    for primary, number in [*members, *heads]:
        numbers.setdefault(primary, set()).add(number)
    return {o: numbers.get(p, set()) for o, p in primary_of.items()}
