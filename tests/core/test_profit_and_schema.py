"""Profit per order by hand-computed cases, and schema migrations on both engines."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, update

from core.intake.ingest import ingest
from core.orders.profit import commission, order_profit
from core.orders.tables import orders
from core.schema import metadata
from core.store.db import MIGRATIONS, make_engine, migrate, transaction
from core.store.tables import channels
from tests.core.helpers import add_skus, order, order_row


def test_commission_rounds_half_up_to_the_cent():
    assert commission(8900, 500) == 445
    assert commission(99, 50) == 0  # 0.495 cents
    assert commission(100, 50) == 1  # 0.5 cents


def test_profit_is_paid_less_goods_cost_commission_and_shipping(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-PROFIT", ("PET-FOOD-2KG", 2))])
    with transaction(engine) as conn:
        conn.execute(update(channels).where(channels.c.code == "taobao").values(commission_bp=500))
        conn.execute(
            update(orders).values(
                paid_cents=15800, platform_discount_cents=1000, seller_coupon_cents=1000, shipping_cost_cents=650
            )
        )
        conn.execute(metadata.tables["skus"].update().values(unit_cost_cents=4100))
        profit = order_profit(conn, order_row(engine, "TB-PROFIT").id)
    # 158.00 paid - 2 x 41.00 cost - 7.90 commission - 6.50 shipping = 61.60
    assert profit.profit_cents == 6160
    assert (profit.platform_discount_cents, profit.seller_coupon_cents) == (1000, 1000)


def test_a_promotion_can_make_an_order_lose_money(engine):
    add_skus(engine, {"ACC-FOUNTAIN-2L": 5})
    ingest(engine, [order("TB-LOSS", ("ACC-FOUNTAIN-2L", 1))])
    with transaction(engine) as conn:
        conn.execute(metadata.tables["skus"].update().values(unit_cost_cents=5600))
        conn.execute(update(orders).values(paid_cents=5900, seller_coupon_cents=3000, shipping_cost_cents=800))
        assert order_profit(conn, order_row(engine, "TB-LOSS").id).profit_cents < 0


def test_migrating_is_idempotent_and_creates_every_table(any_engine):
    migrate(any_engine)
    assert set(metadata.tables) <= set(inspect(any_engine).get_table_names())


def test_an_older_database_is_upgraded_on_start_and_keeps_its_data(sqlite_url):
    engine = make_engine(sqlite_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001_foundation")
    with transaction(engine) as conn:
        conn.execute(insert(channels).values(code="jd", name="京东", commission_bp=800))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(select(channels.c.name)).scalars().all() == ["京东"]
        heads = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    assert heads == set(ScriptDirectory.from_config(config).get_heads())
