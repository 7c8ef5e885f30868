"""Stock coming back resumes the held orders that fit, oldest first, together and exactly once."""

from __future__ import annotations

import json

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select

from core.intake.ingest import ingest
from core.messages.tables import outbox
from core.model import CANCELLED, ON_HOLD, PAID, PENDING_PAYMENT
from core.orders import stock_resume, store_checks, workflow
from core.orders.tables import order_events, orders, stock_waits
from core.stock import reservations as stock
from core.store.db import MIGRATIONS, migrate, transaction
from core.store.tables import shops
from tests.core.helpers import T0, add_skus, order, order_row, reserved_for, sku_state


@pytest.fixture
def engine(any_engine):
    return any_engine


def held(engine, *orders_: tuple[str, int, int]) -> dict[str, int]:
    """Orders (number, qty of TOY-PUZZLE-FEEDER, minute) held for stock it has none of."""
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0, "PET-FOOD-2KG": 10})
    ingest(
        engine,
        [
            order(no, ("TOY-PUZZLE-FEEDER", qty), minute=minute, phone=f"1381234{minute:04d}")
            for no, qty, minute in orders_
        ],
    )
    assert {order_row(engine, no).status for no, _, _ in orders_} == {ON_HOLD}
    return ids


def restock(engine, ids: dict[str, int], qty: int) -> list[int]:
    with transaction(engine) as conn:
        stock.receive(conn, ids["TOY-PUZZLE-FEEDER"], qty, "仓库-老王", "PO-1001", T0)
        return stock_resume.retry_held(conn, [ids["TOY-PUZZLE-FEEDER"]], T0)


def test_a_receipt_resumes_each_held_order_that_fits_oldest_first_and_skips_one_too_big(engine):
    ids = held(engine, ("TB-A", 2, 1), ("TB-BIG", 5, 2), ("TB-B", 1, 3), ("TB-C", 2, 4))
    resumed = restock(engine, ids, 4)
    assert resumed == [order_row(engine, no).id for no in ("TB-A", "TB-B")]
    assert [order_row(engine, no).status for no in ("TB-A", "TB-BIG", "TB-B", "TB-C")] == [PAID, ON_HOLD, PAID, ON_HOLD]
    assert reserved_for(engine, "TB-A") == {ids["TOY-PUZZLE-FEEDER"]: 2}
    assert reserved_for(engine, "TB-BIG") == {}
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (4, 3)
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_each_resumed_order_is_audited_and_queues_its_payment_sms(engine):
    ids = held(engine, ("TB-A", 2, 1), ("TB-B", 2, 2), ("TB-BIG", 9, 3))
    restock(engine, ids, 4)
    with engine.connect() as conn:
        events = conn.execute(
            select(
                orders.c.channel_order_no, order_events.c.from_status, order_events.c.to_status, order_events.c.actor
            )
            .join(orders, orders.c.id == order_events.c.order_id)
            .where(order_events.c.from_status == ON_HOLD)
            .order_by(orders.c.channel_order_no)
        ).all()
        sms = conn.execute(select(outbox.c.recipient, outbox.c.payload).where(outbox.c.template == "order_paid")).all()
    assert [tuple(row) for row in events] == [("TB-A", ON_HOLD, PAID, "system"), ("TB-B", ON_HOLD, PAID, "system")]
    assert sorted((recipient, json.loads(payload)["order_no"]) for recipient, payload in sms) == [
        ("13812340001", "TB-A"),
        ("13812340002", "TB-B"),
    ]
    assert order_row(engine, "TB-A").hold_reason is None and order_row(engine, "TB-A").status_before_hold is None


def test_an_unpaid_order_resumes_without_reserving_once_its_shop_reserves_only_on_payment(engine):
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0})
    ingest(engine, [order("TB-UNPAID", ("TOY-PUZZLE-FEEDER", 3), status=PENDING_PAYMENT, shop="萌宠淘宝小店")])
    assert order_row(engine, "TB-UNPAID").status == ON_HOLD
    with transaction(engine) as conn:
        conn.execute(shops.update().values(reserve_on="paid"))
    assert restock(engine, ids, 1) == [order_row(engine, "TB-UNPAID").id]
    assert order_row(engine, "TB-UNPAID").status == PENDING_PAYMENT
    assert reserved_for(engine, "TB-UNPAID") == {}
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (1, 0)


@pytest.mark.parametrize("clerk_ends", ["commit", "rollback"])
def test_a_held_order_a_clerk_is_changing_is_passed_over_without_waiting(pg_engine, clerk_ends):
    """The clerk's uncommitted cancel holds the order row: the receipt does not wait for it
    (it holds the SKU row, which the clerk might want next) but resumes the next in line."""
    ids = held(pg_engine, ("TB-BUSY", 2, 1), ("TB-NEXT", 2, 2))
    with pg_engine.connect() as clerk:
        workflow.advance(clerk, order_row(pg_engine, "TB-BUSY").id, CANCELLED, "客服-小美", "buyer asked")
        assert restock(pg_engine, ids, 2) == [order_row(pg_engine, "TB-NEXT").id]
        getattr(clerk, clerk_ends)()
    assert order_row(pg_engine, "TB-BUSY").status == (CANCELLED if clerk_ends == "commit" else ON_HOLD)
    assert sku_state(pg_engine, "TOY-PUZZLE-FEEDER") == (2, 2)
    with pg_engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []
    if clerk_ends == "rollback":  # still first in line the next time stock comes back
        assert restock(pg_engine, ids, 2) == [order_row(pg_engine, "TB-BUSY").id]


def test_an_order_needing_a_sku_locked_elsewhere_waits_for_the_next_receipt(pg_engine):
    ids = add_skus(pg_engine, {"TOY-PUZZLE-FEEDER": 0, "PET-FOOD-2KG": 10})
    ingest(pg_engine, [order("TB-PAIR", ("TOY-PUZZLE-FEEDER", 1), ("PET-FOOD-2KG", 20), minute=1)])
    ingest(pg_engine, [order("TB-ONE", ("TOY-PUZZLE-FEEDER", 1), minute=2)])
    with transaction(pg_engine) as conn:
        stock.receive(conn, ids["PET-FOOD-2KG"], 10, "仓库-老王", "PO-1000", T0)
    with pg_engine.connect() as other:  # another transaction holds the PET-FOOD-2KG row
        stock.adjust(other, ids["PET-FOOD-2KG"], 1, "recount", "仓库-老王", T0)
        assert restock(pg_engine, ids, 1) == [order_row(pg_engine, "TB-ONE").id]
        other.commit()
    assert order_row(pg_engine, "TB-PAIR").status == ON_HOLD
    assert restock(pg_engine, ids, 1) == [order_row(pg_engine, "TB-PAIR").id]
    assert sku_state(pg_engine, "PET-FOOD-2KG") == (21, 20)
    with pg_engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_a_receipt_for_more_than_a_page_walks_on_through_the_next_pages_oldest_first(engine, monkeypatch):
    monkeypatch.setattr(stock_resume, "WAITING_PAGE", 2)
    # Taken in newest first, so the queue's order is the orders' age, not their ids.
    ids = held(engine, *[(f"TB-{minute}", 5 if minute == 2 else 1, minute) for minute in range(7, 0, -1)])
    short_elsewhere = order("TB-FOOD", ("TOY-PUZZLE-FEEDER", 1), ("PET-FOOD-2KG", 11), minute=0)
    ingest(engine, [short_elsewhere])  # the oldest, but PET-FOOD-2KG has only 10
    resumed = restock(engine, ids, 4)
    assert resumed == [order_row(engine, f"TB-{minute}").id for minute in (1, 3, 4, 5)]
    assert [order_row(engine, no).status for no in ("TB-FOOD", "TB-2", "TB-6", "TB-7")] == [ON_HOLD] * 4
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_stock_back_for_two_skus_resumes_every_fitting_order_of_both_queues_in_age_order(engine, monkeypatch):
    monkeypatch.setattr(stock_resume, "WAITING_PAGE", 3)  # each queue shorter than a page, both together longer
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0, "PET-FOOD-2KG": 0})
    queues = [
        ("TB-1", "PET-FOOD-2KG"),
        ("TB-2", "TOY-PUZZLE-FEEDER"),
        ("TB-3", "PET-FOOD-2KG"),
        ("TB-4", "TOY-PUZZLE-FEEDER"),
    ]
    ingest(engine, [order(no, (sku, 1), minute=minute) for minute, (no, sku) in enumerate(queues, 1)])
    with transaction(engine) as conn:
        for sku in ids.values():
            stock.receive(conn, sku, 2, "仓库-老王", "PO-1002", T0)
        resumed = stock_resume.retry_held(conn, list(ids.values()), T0)
    assert resumed == [order_row(engine, no).id for no, _ in queues]


def test_a_held_order_whose_creation_time_changes_takes_its_new_place_in_line(engine):
    ids = held(engine, ("TB-A", 1, 1), ("TB-B", 1, 2))
    with transaction(engine) as conn:  # both as first seen, with the channel's time of change
        conn.execute(orders.update().values(platform_updated_at=T0))
    later = order(
        "TB-A", ("TOY-PUZZLE-FEEDER", 1), minute=600, phone="13812340001", platform_updated_at=T0.replace(hour=1)
    )
    ingest(engine, [later])  # a newer copy from the channel dates TB-A later
    assert order_row(engine, "TB-A").created_at == later.created_at
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []
    assert restock(engine, ids, 1) == [order_row(engine, "TB-B").id]


def test_the_database_keeps_the_list_of_orders_waiting_for_each_sku(engine):
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0, "PET-FOOD-2KG": 10})
    ingest(
        engine, [order("TB-PAIR", ("TOY-PUZZLE-FEEDER", 1), ("PET-FOOD-2KG", 2)), order("TB-FOOD", ("PET-FOOD-2KG", 1))]
    )
    pair, food = order_row(engine, "TB-PAIR").id, order_row(engine, "TB-FOOD").id
    assert waits(engine) == {(ids["TOY-PUZZLE-FEEDER"], pair), (ids["PET-FOOD-2KG"], pair)}
    with transaction(engine) as conn:
        workflow.hold(conn, food, "客服-小美", "address check")  # held, but not for stock
    assert len(waits(engine)) == 2
    restock(engine, ids, 1)
    assert waits(engine) == set()
    with transaction(engine) as conn:
        workflow.advance(conn, pair, CANCELLED, "客服-小美", "buyer asked")
        assert store_checks.invariant_violations(conn) == []


def test_upgrading_a_store_with_held_orders_queues_them_by_age_and_downgrading_undoes_it(engine):
    ids = held(engine, ("TB-A", 1, 2), ("TB-B", 1, 1))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004_stock_waits")
    assert "created_at" not in {column["name"] for column in inspect(engine).get_columns("stock_waits")}
    assert len(waits(engine)) == 2
    migrate(engine)
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []
    assert restock(engine, ids, 1) == [order_row(engine, "TB-B").id]


def waits(engine) -> set[tuple[int, int]]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(select(stock_waits.c.sku_id, stock_waits.c.order_id))}
