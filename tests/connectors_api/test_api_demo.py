"""The demo channel feed: a fresh store sees new orders arrive for the demo shops, and pulling
the same minutes again repeats none of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from connectors import demo, pulls, sync
from core.intake.ingest import ensure_shops
from core.orders import store_checks
from core.orders.tables import orders
from core.stock import reservations as stock
from core.store.db import transaction
from demo import catalog as cat

NOW = datetime(2026, 11, 26, 10, 0, 0)


def _demo_shops(engine) -> None:
    with transaction(engine) as conn:
        ensure_shops(conn, {(name, channel) for name, channel, *_ in cat.SHOPS})
        for sku_id in stock.ensure_skus(conn, [code for code, *_ in cat.SKUS], NOW).values():
            stock.receive(conn, sku_id, 500, "test", "opening stock", NOW)


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one()


def test_the_demo_feed_brings_a_few_orders_a_minute_and_repeats_none(engine, monkeypatch):
    monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", "/nonexistent/channels.toml")
    _demo_shops(engine)
    shops = pulls.shops_to_pull(engine)
    assert {shop.name for shop in shops} == {name for name, *_ in cat.SHOPS}
    start = NOW - timedelta(minutes=30)
    connectors = [demo.DemoConnector(s.name, s.settings | {"start": start}, engine) for s in shops]
    first = [sync.pull(engine, c, now=NOW) for c in connectors]
    arrived = _count(engine)
    assert 15 <= arrived <= 150  # 30 minutes at a few orders a minute
    assert sum(r.summary.new for r in first) == arrived
    later = [sync.pull(engine, c, now=NOW + timedelta(minutes=1)) for c in connectors]
    assert _count(engine) - arrived == sum(r.summary.new for r in later) <= 8  # one new minute, overlap repeats none
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []
        assert conn.execute(select(func.count()).where(orders.c.status == "paid")).scalar_one() > 0


def test_the_demo_feed_runs_only_when_no_channels_are_configured_or_it_is_asked_for(engine, monkeypatch, tmp_path):
    _demo_shops(engine)
    monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("ORDERHUB_DEMO_FEED", "0")
    assert pulls.shops_to_pull(engine) == []
    assert len(pulls.shops_to_pull(engine, demo=True)) == len(cat.SHOPS)
    configured = tmp_path / "channels.toml"
    configured.write_text('[[shop]]\nname = "自有店"\nchannel = "demo"\nas_channel = "taobao"\n', encoding="utf-8")
    monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", str(configured))
    monkeypatch.delenv("ORDERHUB_DEMO_FEED")
    assert [shop.name for shop in pulls.shops_to_pull(engine)] == ["自有店"]


def test_stock_pushed_to_the_demo_feed_is_what_the_shop_may_sell(engine, monkeypatch):
    _demo_shops(engine)
    connector = demo.DemoConnector("萌宠京东旗舰店", {"as_channel": "jd", "start": NOW - timedelta(minutes=60)}, engine)
    sync.pull(engine, connector, now=NOW)
    monkeypatch.setattr(demo, "PUSHED", {})
    pushed = sync.push_changed_stock(engine, connector)
    assert pushed == len(demo.PUSHED) > 0
    assert all(quantity <= 500 for quantity in demo.PUSHED.values())
