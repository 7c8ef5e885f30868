"""The contract every API connector keeps: it normalises its platform's orders, builds its query
from the stored bookmark (less the overlap), and running the same pull twice adds nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from connectors import sync
from connectors.base import NormalisedOrder
from core.intake import shop_sync
from core.model import STATUSES
from core.orders.tables import order_lines, orders
from core.store.db import transaction
from tests.connectors_api.conftest import START

NOON = datetime(2026, 11, 20, 12, 0, 0)
LINES = [("PET-FOOD-2KG", 2, "59.90"), ("CAT-LITTER-10L", 1, "39.00")]


def test_a_platform_order_normalises_to_the_store_shape(kit, connector):
    raw = kit.order(42, "paid", START + timedelta(hours=1), LINES)
    order = connector.normalise(raw)
    assert isinstance(order, NormalisedOrder)
    assert (order.channel, order.shop, order.status) == (kit.channel, connector.shop, "paid")
    assert order.status in STATUSES and order.channel_order_no
    assert order.platform_updated_at == START + timedelta(hours=1)
    assert order.created_at.tzinfo is None and order.created_at <= order.platform_updated_at
    assert [(line.sku, line.qty, line.unit_price_cents) for line in order.lines] == [
        ("PET-FOOD-2KG", 2, 5990),
        ("CAT-LITTER-10L", 1, 3900),
    ]
    assert order.goods_cents == 15880
    assert all(
        isinstance(getattr(order, name), int)
        for name in (
            "goods_cents",
            "paid_cents",
            "platform_discount_cents",
            "seller_coupon_cents",
            "shipping_fee_cents",
        )
    )
    assert [listing.sku for listing in connector.listings(raw)] == ["PET-FOOD-2KG", "CAT-LITTER-10L"]


def test_a_pull_asks_from_the_stored_bookmark_less_the_overlap(kit, platform, connector, engine):
    server, _ = platform
    bookmark = datetime(2026, 11, 20, 11, 40, 0)
    shop_id = shop_sync.ensure_shop(engine, connector.shop, connector.channel)
    shop_sync.acquire(engine, shop_id, "setup", NOON)
    with transaction(engine) as conn:
        shop_sync.advance(conn, shop_id, bookmark)
    shop_sync.release(engine, shop_id, "setup")
    sync.pull(engine, connector, now=NOON)
    windows = [kit.window(request) for request in server.calls(kit.orders_call)]
    assert windows[0][0] == bookmark - sync.OVERLAP
    assert windows[-1][1] == NOON - connector.settle
    assert shop_sync.watermark(engine, shop_id) == NOON - connector.settle


def _snapshot(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(orders).order_by(orders.c.channel_order_no)).all()
        lines = conn.execute(select(order_lines).order_by(order_lines.c.id)).all()
    return [tuple(row) for row in rows] + [tuple(line) for line in lines]


def test_running_the_same_pull_twice_adds_nothing(kit, platform, connector, engine):
    server, _ = platform
    server.put(*[kit.order(n, "paid", START + timedelta(minutes=20 * n), LINES) for n in range(6)])
    first = sync.pull(engine, connector, now=NOON)
    before = _snapshot(engine)
    again = sync.pull(engine, connector, now=NOON)
    assert first.summary.new == 6
    assert (again.summary.new, again.summary.updated) == (0, 0)
    assert _snapshot(engine) == before
