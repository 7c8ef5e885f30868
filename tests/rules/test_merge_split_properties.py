"""Any sequence of merges, splits, shipments and cancellations keeps stock and money exact."""

from __future__ import annotations

import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.errors import OrderHubError
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.orders import store_checks
from core.orders.tables import order_lines, orders
from core.review import review
from core.shipping import merge
from core.store.db import make_engine, migrate, transaction
from tests.rules.shop import NOW, order, stock_shop

SKUS = ["PET-FOOD-2KG", "CAT-TOY-MOUSE", "DOG-LEASH-RED"]
operation = st.tuples(
    st.sampled_from(["merge", "split", "ship", "cancel", "approve"]),
    st.integers(0, 7),
    st.integers(0, 2),
    st.integers(1, 3),
)


def money(conn) -> tuple[int, int]:
    paid = conn.execute(select(func.sum(orders.c.paid_cents))).scalar_one()
    lines = conn.execute(
        select(func.sum(order_lines.c.qty * order_lines.c.unit_price_cents - order_lines.c.discount_cents))
    ).scalar_one()
    return paid, lines


def apply(conn, kind: str, ids: list[int], pick: int, sku: int, qty: int) -> None:
    target = ids[pick % len(ids)]
    if kind == "merge":
        merge.merge(conn, [target, *merge.mergeable_with(conn, target)], Actor("clerk", "clerk"), NOW)
    elif kind == "split":
        merge.split(conn, target, {SKUS[sku]: qty}, Actor("clerk", "clerk"), NOW)
    elif kind == "ship":
        merge.ship_shipment(conn, target, "仓库", now=NOW)
    elif kind == "cancel":
        review.cancel(conn, target, Actor("clerk", "clerk"), "buyer changed their mind", NOW)
    else:
        review.approve(conn, target, Actor("clerk", "clerk"), NOW)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    buyers=st.lists(st.sampled_from(["张三", "李四"]), min_size=4, max_size=8),
    operations=st.lists(operation, min_size=1, max_size=12),
)
def test_merges_and_splits_in_any_order_keep_stock_and_money_exact(buyers, operations):
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/orderhub.db")
        migrate(engine)
        try:
            stock_shop(engine)
            ingest(
                engine,
                [
                    order(f"33127000000{n:02d}", (SKUS[0], 2, 9_900), (SKUS[n % 2 + 1], 3, 1_990, 100), buyer=buyer)
                    for n, buyer in enumerate(buyers)
                ],
                now=NOW,
            )
            with engine.connect() as conn:
                ids = conn.execute(select(orders.c.id).order_by(orders.c.id)).scalars().all()
                before = money(conn)
            for kind, pick, sku, qty in operations:
                try:
                    with transaction(engine) as conn:
                        apply(conn, kind, ids, pick, sku, qty)
                except OrderHubError:
                    pass  # a refused step (wrong state, nothing to split) changes nothing
                with engine.connect() as conn:
                    assert store_checks.invariant_violations(conn) == []
                    assert money(conn) == before
        finally:
            engine.dispose()
