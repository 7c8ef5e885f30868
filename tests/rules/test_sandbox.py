"""The sandbox: a copy of live to try things in; only configuration ever goes back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

import worker
from core.copies import sandbox
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.messages.tables import outbox
from core.model import CANCELLED
from core.orders import workflow
from core.orders.tables import order_lines, orders
from core.restock import purchasing
from core.review import rules
from core.review.tables import blacklist, review_rules
from core.stock import reservations as stock
from core.stock.tables import reservations, skus, stock_movements
from core.store.db import make_engine, transaction
from core.store.tables import shops
from notify.delivery import deliver_pending
from tests.rules.shop import NOW, order, stock_shop

DATA = (orders, order_lines, reservations, stock_movements, outbox)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the live data tables and every stock level, to compare before and after."""
    with engine.connect() as conn:
        rows = {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr) for t in DATA}
        rows["stock"] = list(
            map(tuple, conn.execute(select(skus.c.sku, skus.c.on_hand, skus.c.reserved).order_by(skus.c.sku)))
        )
    return rows


@pytest.fixture
def live(any_engine):
    stock_shop(any_engine)
    ingest(
        any_engine,
        [
            order("3312400000001", ("PET-FOOD-2KG", 2, 9_900)),
            order("3312400000002", ("CAT-TOY-MOUSE", 1, 1_990), buyer="李四"),
        ],
        now=NOW,
    )
    yield any_engine
    if sandbox.exists(any_engine):
        sandbox.drop(any_engine, Actor("admin", "admin"))


def test_work_in_the_sandbox_never_touches_live_and_only_configuration_is_promoted(live):
    before = snapshot(live)
    url = sandbox.create(live, Actor("admin", "admin"), NOW)
    box = make_engine(url)
    try:
        assert sandbox.is_sandbox(box) and not sandbox.is_sandbox(live)
        assert snapshot(box)["orders"] == before["orders"]
        with transaction(box) as conn:  # a busy afternoon in the sandbox
            rules.save_rule(conn, "buyer_remark", False, {}, Actor("admin", "admin"), NOW)
            rules.save_rule(conn, "price_deviation", True, {"max_deviation_pct": 30}, Actor("admin", "admin"), NOW)
            rules.add_to_blacklist(conn, "buyer", "职业差评师", "恶意差评", Actor("admin", "admin"), NOW)
            purchasing.save_supplier(
                conn, "汪汪宠物食品厂", "sales@wangwang.example", 7, 12, 24, Actor("admin", "admin"), NOW
            )
            conn.execute(update(shops).values(payment_timeout_minutes=30))
            conn.execute(update(skus).where(skus.c.sku == "PET-FOOD-2KG").values(safety_stock=25))
            workflow.advance(conn, workflow.order_id_by_no(conn, "3312400000001"), CANCELLED, "admin", now=NOW)
            stock.adjust(conn, stock.sku_id(conn, "CAT-TOY-MOUSE"), -10, "test count", "admin", NOW)
        ingest(box, [order("3312400000003", ("PET-FOOD-2KG", 1, 9_900), buyer="王五")], now=NOW)
    finally:
        box.dispose()
    assert snapshot(live) == before

    changed = sandbox.promote(live, Actor("admin", "admin"), NOW + timedelta(minutes=5))
    assert snapshot(live) == before
    assert changed["review_rules"] == 2 and changed["blacklist"] == 1 and changed["suppliers"] == 1
    with live.connect() as conn:
        config = rules.load_config(conn)
        assert not config["buyer_remark"].enabled
        assert config["price_deviation"].params["max_deviation_pct"] == 30
        assert conn.execute(select(blacklist.c.value)).scalars().all() == ["职业差评师"]
        assert conn.execute(select(shops.c.payment_timeout_minutes)).scalars().all() == [30]
        assert conn.execute(select(skus.c.safety_stock).where(skus.c.sku == "PET-FOOD-2KG")).scalar_one() == 25


def test_promoting_a_rule_removed_in_the_sandbox_removes_it_from_live(live):
    with transaction(live) as conn:
        rules.save_rule(conn, "seller_remark", False, {}, Actor("admin", "admin"), NOW)
        rules.add_to_blacklist(conn, "phone", "13900139000", "恶意退款", Actor("admin", "admin"), NOW)
    box = make_engine(sandbox.create(live, Actor("admin", "admin"), NOW))
    try:
        with transaction(box) as conn:
            conn.execute(review_rules.delete())
            rules.remove_from_blacklist(conn, "phone", "13900139000", Actor("admin", "admin"), NOW)
    finally:
        box.dispose()
    sandbox.promote(live, Actor("admin", "admin"), NOW)
    with live.connect() as conn:
        assert conn.execute(select(review_rules)).all() == []
        assert not rules.load_config(conn)["seller_remark"].enabled  # back to its default
        assert conn.execute(select(blacklist)).all() == []


def test_the_sandbox_never_sends_what_live_had_queued(live):
    box = make_engine(sandbox.create(live, Actor("admin", "admin"), NOW))
    try:
        with box.connect() as conn:
            statuses = set(conn.execute(select(outbox.c.status)).scalars())
    finally:
        box.dispose()
    assert statuses == {"sandbox"}
    with live.connect() as conn:
        assert set(conn.execute(select(outbox.c.status)).scalars()) == {"pending"}


def test_there_is_one_sandbox_at_a_time_and_dropping_it_removes_it(live):
    sandbox.create(live, Actor("admin", "admin"), NOW)
    with pytest.raises(sandbox.SandboxError, match="exists already"):
        sandbox.create(live, Actor("admin", "admin"), NOW)
    sandbox.drop(live, Actor("admin", "admin"))
    assert not sandbox.exists(live)
    with pytest.raises(sandbox.SandboxError):
        sandbox.promote(live, Actor("admin", "admin"), NOW)


def test_a_sandbox_cannot_make_or_promote_sandboxes_of_its_own(live):
    box = make_engine(sandbox.create(live, Actor("admin", "admin"), NOW))
    try:
        with pytest.raises(sandbox.SandboxError, match="itself a sandbox"):
            sandbox.create(box, Actor("admin", "admin"), NOW)
        with pytest.raises(sandbox.SandboxError):
            sandbox.promote(box, Actor("admin", "admin"), NOW)
    finally:
        box.dispose()


def test_neither_the_worker_nor_a_delivery_pass_runs_on_a_sandbox(live):
    box = make_engine(sandbox.create(live, Actor("admin", "admin"), NOW))
    try:
        with pytest.raises(sandbox.SandboxError, match="live store only"):
            worker.run(box, [])
        with pytest.raises(sandbox.SandboxError, match="never delivered"):
            deliver_pending(box, {})
    finally:
        box.dispose()


def test_sandbox_urls_sit_beside_live():
    assert sandbox.sandbox_url("sqlite:////srv/hub/data/orderhub.db") == "sqlite:////srv/hub/data/orderhub.sandbox.db"
    assert sandbox.sandbox_url("postgresql+psycopg://hub:s3cret@db:5432/orderhub") == (
        "postgresql+psycopg://hub:s3cret@db:5432/orderhub_sandbox"
    )
