"""Ingest: idempotent upsert by (channel, order no.), all-or-nothing reservation, holds, platform status."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from core.intake.ingest import ingest
from core.messages.tables import outbox
from core.model import CANCELLED, HOLD_INSUFFICIENT_STOCK, ON_HOLD, PAID, PENDING_PAYMENT, SHIPPED
from core.orders import stock_resume, store_checks, workflow
from core.orders.tables import order_events, order_lines, orders
from core.stock import reservations as stock
from core.stock.tables import stock_movements
from core.store.db import transaction, wait_for_disk
from core.store.tables import shops
from tests.core.helpers import T0, add_skus, order, order_row, reserved_for, sku_state


@pytest.fixture
def engine(any_engine):
    """Every rule here must hold on the embedded default and on PostgreSQL alike."""
    return any_engine


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_new_paid_order_reserves_its_stock_and_is_audited(engine):
    ids = add_skus(engine, {"PET-FOOD-2KG": 10, "CAT-STRIP-30": 5})
    summary = ingest(engine, [order("3105000000000000001", ("PET-FOOD-2KG", 2), ("CAT-STRIP-30", 1))])
    assert (summary.new, summary.held) == (1, 0)
    assert reserved_for(engine, "3105000000000000001") == {ids["PET-FOOD-2KG"]: 2, ids["CAT-STRIP-30"]: 1}
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 2)
    with engine.connect() as conn:
        events = conn.execute(select(order_events.c.to_status, order_events.c.actor)).all()
    assert events == [(PAID, "import")]


def test_importing_the_same_orders_again_changes_nothing(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    batch = [order(f"TB{n}", ("PET-FOOD-2KG", 1), minute=n) for n in range(5)]
    ingest(engine, batch)
    before = (count(engine, orders), count(engine, order_lines), count(engine, order_events), count(engine, outbox))
    again = ingest(engine, batch)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
    assert (
        count(engine, orders),
        count(engine, order_lines),
        count(engine, order_events),
        count(engine, outbox),
    ) == before
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 5)


def test_an_order_exceeding_available_stock_is_held_and_reserves_nothing(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10, "FREEZE-DRY-CHICKEN-200G": 1})
    summary = ingest(engine, [order("TB-SHORT", ("PET-FOOD-2KG", 2), ("FREEZE-DRY-CHICKEN-200G", 3))])
    assert summary.held == 1
    held = order_row(engine, "TB-SHORT")
    assert (held.status, held.status_before_hold, held.hold_reason) == (ON_HOLD, PAID, HOLD_INSUFFICIENT_STOCK)
    assert reserved_for(engine, "TB-SHORT") == {}
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 0)


def test_orders_in_one_batch_compete_for_stock_in_arrival_order(engine):
    add_skus(engine, {"TOY-PUZZLE-FEEDER": 3})
    ingest(engine, [order(f"TB{n}", ("TOY-PUZZLE-FEEDER", 2), minute=n) for n in range(3)])
    statuses = [order_row(engine, f"TB{n}").status for n in range(3)]
    assert statuses == [PAID, ON_HOLD, ON_HOLD]
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (3, 2)


def test_received_stock_releases_held_orders_oldest_first(engine):
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0})
    ingest(engine, [order(f"TB{n}", ("TOY-PUZZLE-FEEDER", 2), minute=n) for n in range(3)])
    with transaction(engine) as conn:
        stock.receive(conn, ids["TOY-PUZZLE-FEEDER"], 5, "仓库-老王", "PO-1001", T0)
        resumed = stock_resume.retry_held(conn, [ids["TOY-PUZZLE-FEEDER"]], T0)
    assert len(resumed) == 2
    assert [order_row(engine, f"TB{n}").status for n in range(3)] == [PAID, PAID, ON_HOLD]
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (5, 4)


def test_an_order_without_lines_is_stored_and_reserves_nothing(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-NOLINES")])
    assert order_row(engine, "TB-NOLINES").status == PAID
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 0)


def test_lines_arriving_after_their_order_are_added_and_reserved(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-PAIR")])
    ingest(engine, [order("TB-PAIR", ("PET-FOOD-2KG", 4))])
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 4)
    assert order_row(engine, "TB-PAIR").status == PAID


def test_a_buyer_cancellation_on_the_platform_releases_the_reservation(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    first = order("TB-CANCEL", ("PET-FOOD-2KG", 3), platform_updated_at=T0)
    ingest(engine, [first])
    summary = ingest(engine, [replace(first, status=CANCELLED, platform_updated_at=T0 + timedelta(hours=1))])
    assert summary.updated == 1
    assert order_row(engine, "TB-CANCEL").status == CANCELLED
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 0)


def test_an_older_platform_status_never_moves_an_order_back(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    newer = order("TB-LATE", ("PET-FOOD-2KG", 1), platform_updated_at=T0 + timedelta(hours=2))
    ingest(engine, [newer])
    ingest(engine, [replace(newer, status=PENDING_PAYMENT, paid_at=None, platform_updated_at=T0)])
    row = order_row(engine, "TB-LATE")
    assert (row.status, row.paid_at) == (PAID, T0)


def test_payment_on_the_platform_moves_a_pending_order_to_paid_and_queues_the_sms(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    pending = order("TB-PAY", ("PET-FOOD-2KG", 1), status=PENDING_PAYMENT)
    ingest(engine, [pending])
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 1)  # the default shop reserves at creation
    ingest(engine, [replace(pending, status=PAID, paid_at=T0 + timedelta(minutes=3))])
    assert order_row(engine, "TB-PAY").status == PAID
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 1)
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.template, outbox.c.recipient)).all() == [("order_paid", "13812345678")]


def test_a_shop_that_reserves_at_payment_holds_no_stock_for_unpaid_orders(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-FIRST", status=PENDING_PAYMENT, shop="萌宠淘宝小店")])
    with transaction(engine) as conn:
        conn.execute(update(shops).where(shops.c.name == "萌宠淘宝小店").values(reserve_on="paid"))
    ingest(engine, [order("TB-UNPAID", ("PET-FOOD-2KG", 2), status=PENDING_PAYMENT, shop="萌宠淘宝小店")])
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 0)
    with transaction(engine) as conn:
        workflow.advance(conn, order_row(engine, "TB-UNPAID").id, PAID, "system")
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 2)


def test_unpaid_orders_past_the_payment_timeout_are_cancelled_and_released(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(
        engine,
        [
            order("TB-OLD", ("PET-FOOD-2KG", 2), status=PENDING_PAYMENT),
            order("TB-NEW", ("PET-FOOD-2KG", 1), status=PENDING_PAYMENT, minute=1430),
        ],
    )
    cancelled = workflow.cancel_unpaid_past_timeout(engine, now=T0 + timedelta(minutes=1441))
    assert cancelled == 1
    assert order_row(engine, "TB-OLD").status == CANCELLED
    assert order_row(engine, "TB-NEW").status == PENDING_PAYMENT
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 1)


def test_a_sku_never_seen_before_is_created_without_stock_and_its_order_held(engine):
    ingest(engine, [order("TB-NEWSKU", ("DOG-TOY-NEW-2027", 1))])
    assert order_row(engine, "TB-NEWSKU").hold_reason == HOLD_INSUFFICIENT_STOCK
    assert sku_state(engine, "DOG-TOY-NEW-2027") == (0, 0)


def test_the_same_sku_twice_in_one_order_is_reserved_as_one_line(engine):
    add_skus(engine, {"CAT-STRIP-30": 10})
    ingest(engine, [order("TB-TWICE", ("CAT-STRIP-30", 2), ("CAT-STRIP-30", 3))])
    assert sku_state(engine, "CAT-STRIP-30") == (10, 5)


def test_bulk_written_timestamps_compare_equal_to_the_same_time_in_queries(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-TIME", ("PET-FOOD-2KG", 1))])
    with engine.connect() as conn:
        found = conn.execute(select(orders.c.channel_order_no).where(orders.c.created_at == T0)).scalars().all()
    assert found == ["TB-TIME"]


def test_shipping_an_ingested_order_takes_its_goods_out_through_the_ledger(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-SHIP", ("PET-FOOD-2KG", 3))])
    with transaction(engine) as conn:
        workflow.advance(conn, order_row(engine, "TB-SHIP").id, SHIPPED, "仓库-小李")
    assert sku_state(engine, "PET-FOOD-2KG") == (7, 0)
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_an_order_first_seen_shipped_ships_its_goods_from_stock(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-GONE", ("PET-FOOD-2KG", 3), status=SHIPPED)])
    assert sku_state(engine, "PET-FOOD-2KG") == (7, 0)
    with engine.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_shipped_history_imported_at_go_live_leaves_the_counted_stock_alone(engine):
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-PAST", ("PET-FOOD-2KG", 3), status=SHIPPED)], history=True)
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 0)


def test_goods_shipped_beyond_the_counted_stock_never_take_reserved_goods(engine):
    add_skus(engine, {"TOY-PUZZLE-FEEDER": 3})
    ingest(engine, [order("TB-OPEN", ("TOY-PUZZLE-FEEDER", 2))])
    ingest(engine, [order("TB-ELSEWHERE", ("TOY-PUZZLE-FEEDER", 5), status=SHIPPED, minute=1)])
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (2, 2)
    with engine.connect() as conn:
        note = conn.execute(select(stock_movements.c.reason).order_by(stock_movements.c.id.desc())).first()[0]
        assert "4 short in stock" in note and store_checks.invariant_violations(conn) == []


def test_provinces_arrive_as_canonical_short_names_whatever_the_channel_wrote(engine):
    ingest(
        engine,
        [
            order("TB-ZJ", province="浙江省"),
            order("TB-NM", province="Inner Mongolia"),
            order("TB-ADDR", province="", address="广东省深圳市南山区科技园路1号"),
        ],
    )
    assert [order_row(engine, no).province for no in ("TB-ZJ", "TB-NM", "TB-ADDR")] == ["浙江", "内蒙古", "广东"]


def test_a_province_outside_china_is_kept_as_the_channel_wrote_it(engine):
    ingest(engine, [order("SHOP-1001", channel="shopify", province="ON", address="100 Queen St W, Toronto")])
    assert order_row(engine, "SHOP-1001").province == "ON"


def test_a_constraint_error_that_is_no_race_fails_at_once_instead_of_being_retried(engine, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from core.intake import ingest as ingest_module

    attempts = []

    def broken(conn, **_kwargs):
        attempts.append(1)
        raise IntegrityError("INSERT", {}, Exception("CHECK constraint failed"))

    monkeypatch.setattr(ingest_module, "_ingest_batch", broken)
    with pytest.raises(IntegrityError):
        ingest(engine, [order("TB-BROKEN", ("PET-FOOD-2KG", 1))])
    assert attempts == [1]


def test_freed_stock_skips_orders_it_cannot_fill_and_stops_once_nothing_is_left(engine):
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0})
    big = order("TB-BIG", ("TOY-PUZZLE-FEEDER", 5), minute=0)
    small = [order(f"TB{n:03d}", ("TOY-PUZZLE-FEEDER", 1), minute=1 + n) for n in range(300)]
    ingest(engine, [big, *small])
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with transaction(engine) as conn:
        stock.receive(conn, ids["TOY-PUZZLE-FEEDER"], 2, "仓库-老王", "PO-1002", T0)
        event.listen(engine, "before_cursor_execute", record)
        resumed = stock_resume.retry_held(conn, [ids["TOY-PUZZLE-FEEDER"]], T0)
        event.remove(engine, "before_cursor_execute", record)
    assert resumed == [order_row(engine, "TB000").id, order_row(engine, "TB001").id]
    assert order_row(engine, "TB-BIG").status == ON_HOLD  # older, but 5 do not fit in 2
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (2, 2)
    assert len(statements) < 60  # not one attempt per held order


def test_an_intake_batch_touches_the_sku_rows_only_as_its_last_statements(engine):
    """On PostgreSQL the guarded UPDATEs lock the SKU rows until commit; made last, a batch
    does not keep clerks working the same SKUs waiting while it writes everything else."""
    add_skus(engine, {"PET-FOOD-2KG": 100, "TOY-PUZZLE-FEEDER": 100})
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    ingest(engine, [order(f"TB{n}", ("PET-FOOD-2KG", 1), ("TOY-PUZZLE-FEEDER", 2), minute=n) for n in range(5)])
    event.remove(engine, "before_cursor_execute", record)
    if engine.dialect.name == "postgresql":  # then ingest waits once for the disk, after the batch
        assert "pg_logical_emit_message" in statements.pop()
    sku_writes = [n for n, sql in enumerate(statements) if sql.startswith("UPDATE skus")]
    writes = [n for n, sql in enumerate(statements) if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert sku_writes == writes[-1:]  # one guarded UPDATE for both SKUs, sent as one executemany
    assert not any("FOR UPDATE" in sql or "FOR NO KEY UPDATE" in sql for sql in statements)
    assert sku_state(engine, "TOY-PUZZLE-FEEDER") == (100, 10)


def test_waiting_for_the_disk_covers_commits_made_without_waiting(pg_engine):
    """What ingest relies on to return only once its batches (committed with synchronous_commit
    off) are on disk: without the wait, the flush position lags the commits just made."""
    with transaction(pg_engine) as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        conn.exec_driver_sql(
            "CREATE TABLE filler AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 20000) g"
        )
    with pg_engine.connect() as conn:
        written = conn.exec_driver_sql("SELECT pg_current_wal_insert_lsn()").scalar_one()
    wait_for_disk(pg_engine)
    with pg_engine.connect() as conn:
        flushed = conn.exec_driver_sql("SELECT pg_current_wal_flush_lsn() >= %(lsn)s::pg_lsn", {"lsn": written})
        assert flushed.scalar_one()
        conn.exec_driver_sql("DROP TABLE filler")
        conn.commit()
