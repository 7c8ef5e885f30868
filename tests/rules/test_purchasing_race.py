"""Two people receive the same purchase order at the same moment, in separate processes."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import select, update

from core.errors import InvalidInput
from core.identity.access import Actor
from core.orders import store_checks
from core.restock import purchase_orders, purchasing
from core.stock.tables import skus
from core.store.db import make_engine, transaction
from tests.rules.shop import NOW, stock_shop


def _receive(url: str, number: str, barrier, results) -> None:
    engine = make_engine(url)
    barrier.wait()
    try:
        with transaction(engine) as conn:
            purchase_orders.receive_purchase_order(conn, number, Actor("仓库", "warehouse"), NOW)
        results.put("received")
    except InvalidInput as refusal:
        results.put(str(refusal))
    finally:
        engine.dispose()


def test_a_purchase_order_received_twice_at_once_adds_its_goods_only_once(any_engine):
    stock_shop(any_engine)
    with transaction(any_engine) as conn:
        purchasing.save_supplier(
            conn, "汪汪宠物食品厂", "sales@wangwang.example", 7, 12, 24, Actor("采购", "manager"), NOW
        )
        conn.execute(update(skus).where(skus.c.sku == "PET-FOOD-2KG").values(supplier="汪汪宠物食品厂"))
        number, _ = purchase_orders.create_purchase_order(
            conn, "汪汪宠物食品厂", Actor("采购", "manager"), NOW, {"PET-FOOD-2KG": 48}
        )
    url = any_engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_receive, args=(url, number, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    assert outcomes == [f"Purchase order {number} is received.", "received"]
    with any_engine.connect() as conn:
        assert conn.execute(select(skus.c.on_hand).where(skus.c.sku == "PET-FOOD-2KG")).scalar_one() == 148
        assert store_checks.invariant_violations(conn) == []
