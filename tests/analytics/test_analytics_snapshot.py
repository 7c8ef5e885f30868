"""The DuckDB snapshot: an exact copy of the store, refreshed by watermark, shared safely by sessions."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta

import analytics_factory as factory
import pandas as pd
import pytest
from sqlalchemy import func, select, text, update

from core.analytics import analytics
from core.analytics.analytics import Snapshot, shared_snapshot
from core.analytics.analytics_tables import INT, TEXT, TIME, TableSpec
from core.analytics.reports import Filters, provinces
from core.intake import ingest
from core.model import PAID, NormalisedOrder, OrderLine
from core.orders import workflow
from core.orders.tables import order_events, order_lines, orders
from core.stock import reservations as stock
from core.store import arrow_source
from core.store.db import transaction

NOW = datetime(2026, 3, 16, 9, 30)
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def seeded(any_engine):
    return seed(any_engine)


@pytest.fixture
def pg_seeded(pg_engine):
    """The seeded store with every order last changed at the same moment: all inside the overlap."""
    seed(pg_engine)
    with transaction(pg_engine) as conn:
        conn.execute(update(orders).values(updated_at=NOW))
    return pg_engine


def seed(engine):
    """300 orders changed over the weeks before NOW, with stock for the orders ingest will reserve."""
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 300, NOW)
    with transaction(engine) as conn:
        for sku in range(1, 6):
            stock.receive(conn, sku, 1000, "仓库-老王", "PO", NOW)
    return engine


def assert_same_as_store(snap: Snapshot, engine) -> None:
    """Every snapshot table equals its source table (the rows reports use), row for row, times to the second."""
    for table in (orders, order_lines, order_events):
        spec = next(s for s in analytics_specs() if s.name == table.name)
        with engine.connect() as conn:
            query = select(*(table.c[c] for c in spec.columns)).order_by(table.c.id)
            want = pd.read_sql(query.where(text(f"({spec.rows})")) if spec.rows else query, conn)
        got = snap.query(f"SELECT * FROM {table.name} ORDER BY id")
        assert got["id"].is_unique, f"{table.name} has doubled rows"
        for column, kind in spec.columns.items():
            if kind == TIME:
                want[column] = pd.to_datetime(want[column]).dt.floor("s")
                got[column] = pd.to_datetime(got[column])
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=table.name)


def analytics_specs():
    return analytics.SPECS


def new_order(number: int, status: str = PAID, lines: tuple = (OrderLine("PET-FOOD-2KG", 1, 8900),)) -> NormalisedOrder:
    return NormalisedOrder(
        channel="taobao",
        channel_order_no=f"2026031{number:06d}",
        shop="旺财宠物天猫旗舰店",
        status=status,
        created_at=LATER,
        paid_at=LATER if status == PAID else None,
        buyer="李四",
        phone="13912345678",
        province="浙江",
        goods_cents=8900,
        paid_cents=8900,
        lines=lines,
    )


def test_a_cold_snapshot_is_an_exact_copy_of_the_store(seeded):
    snap = Snapshot(seeded)
    read = snap.refresh()
    assert read["orders"] == 300 and read["channels"] == 4
    assert_same_as_store(snap, seeded)


def test_a_refresh_reads_only_new_and_changed_orders_and_doubles_nothing(seeded):
    snap = Snapshot(seeded)
    snap.refresh()
    ingest.ingest(seeded, [new_order(i) for i in range(3)], actor="import", now=LATER)
    with transaction(seeded) as conn:
        paid = conn.execute(select(orders.c.id).where(orders.c.status == PAID).limit(2)).scalars().all()
        for order_id in paid:
            workflow.advance(conn, order_id, "shipped", "王芳", "", LATER)
    read = snap.refresh()
    assert 5 <= read["orders"] <= 10, read  # the 5 touched orders, plus any inside the overlap window
    assert read["order_lines"] >= 3 and read["order_events"] >= 2  # the new lines, the two shipments
    assert_same_as_store(snap, seeded)
    shipped = snap.query("SELECT status FROM orders WHERE id IN (SELECT unnest(?))", [paid])
    assert list(shipped["status"]) == ["shipped", "shipped"]


def test_refreshing_with_nothing_new_changes_nothing(seeded):
    snap = Snapshot(seeded)
    snap.refresh()
    before = snap.query("SELECT count(*) AS n, sum(paid_cents) AS s FROM orders")
    for _ in range(3):
        read = snap.refresh()
        assert read["orders"] < 10  # only the overlap window is read again
    pd.testing.assert_frame_equal(snap.query("SELECT count(*) AS n, sum(paid_cents) AS s FROM orders"), before)
    assert_same_as_store(snap, seeded)


def test_lines_that_arrive_after_their_order_are_picked_up(seeded):
    snap = Snapshot(seeded)
    bare = new_order(7, lines=())
    ingest.ingest(seeded, [bare], now=LATER)
    snap.refresh()
    ingest.ingest(
        seeded, [replace(bare, lines=(OrderLine("CAT-LITTER-10L", 2, 4900),))], now=LATER + timedelta(hours=1)
    )
    snap.refresh()
    lines = snap.query(
        "SELECT l.qty FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.channel_order_no = ?",
        [bare.channel_order_no],
    )
    assert list(lines["qty"]) == [2]
    assert_same_as_store(snap, seeded)


def test_a_writer_that_committed_just_behind_the_watermark_is_still_seen(seeded):
    snap = Snapshot(seeded)
    snap.refresh()
    behind = snap.watermark - timedelta(seconds=60)  # a transaction that began before our last read
    with transaction(seeded) as conn:
        conn.execute(update(orders).where(orders.c.id == 1).values(status="on_hold", updated_at=behind))
    snap.refresh()
    assert snap.query("SELECT status FROM orders WHERE id = 1")["status"][0] == "on_hold"


def test_on_postgresql_a_refresh_reads_again_only_the_overlap_rows_it_has_not_seen(pg_seeded):
    snap = Snapshot(pg_seeded)
    assert snap.refresh()["orders"] == 300
    unchanged = snap.refresh()  # every order is inside the overlap, and none changed
    assert (unchanged["orders"], unchanged["order_lines"], unchanged["order_events"]) == (0, 0, 0)
    with transaction(pg_seeded) as conn:
        paid = conn.execute(select(orders.c.id).where(orders.c.status == PAID).limit(2)).scalars().all()
        for order_id in paid:
            workflow.advance(conn, order_id, "shipped", "王芳", "", NOW)  # stamped inside the overlap
        lines = conn.execute(select(func.count()).where(order_lines.c.order_id.in_(paid))).scalar_one()
    read = snap.refresh()
    assert (read["orders"], read["order_lines"]) == (2, lines)
    assert_same_as_store(snap, pg_seeded)


def test_on_postgresql_a_writer_still_open_during_a_refresh_is_read_by_the_next(pg_seeded):
    snap = Snapshot(pg_seeded)
    snap.refresh()
    with pg_seeded.connect() as late:
        late.execute(update(orders).where(orders.c.id == 1).values(status="on_hold", updated_at=NOW))
        snap.refresh()  # cannot see the change yet
        assert snap.query("SELECT status FROM orders WHERE id = 1")["status"][0] != "on_hold"
        late.commit()
    assert snap.refresh()["orders"] == 1
    assert snap.query("SELECT status FROM orders WHERE id = 1")["status"][0] == "on_hold"
    assert_same_as_store(snap, pg_seeded)


def test_every_session_shares_one_snapshot_and_reads_while_it_refreshes(seeded):
    analytics.forget_shared()
    snap = shared_snapshot(seeded)
    assert shared_snapshot(seeded) is snap
    snap.refresh()
    failures, stop = [], threading.Event()

    def session() -> None:
        while not stop.is_set():
            try:
                seen = snap.query("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM orders").iloc[0]
                assert seen["n"] == seen["ids"]
                provinces(snap, Filters(NOW.date() - timedelta(days=40), LATER.date()), "manager")
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)
            time.sleep(0.005)

    sessions = [threading.Thread(target=session) for _ in range(3)]
    for thread in sessions:
        thread.start()
    for batch in range(3):
        ingest.ingest(seeded, [new_order(100 + batch * 10 + i) for i in range(10)], now=LATER)
        snap.ensure_fresh(max_age_seconds=0)
    stop.set()
    for thread in sessions:
        thread.join()
    assert failures == []
    assert_same_as_store(snap, seeded)
    analytics.forget_shared()


def test_a_table_is_snapshotted_once_the_store_has_it(engine, monkeypatch):
    # Another area's future table (a stocktake, say): declared for the snapshot before the store has it.
    counts = TableSpec("stocktake_counts", {"id": INT, "sku_id": INT, "counter": TEXT, "counted_at": TIME})
    monkeypatch.setattr(analytics, "SPECS", (*analytics.SPECS, counts))
    snap = Snapshot(engine)
    snap.refresh()
    assert not snap.has_table("stocktake_counts")
    with transaction(engine) as conn:
        conn.execute(
            text(
                "CREATE TABLE stocktake_counts (id INTEGER PRIMARY KEY, sku_id INTEGER, counter TEXT, "
                "counted_at DATETIME)"
            )
        )
        conn.execute(text("INSERT INTO stocktake_counts VALUES (1, 42, '仓库-老王', '2026-03-15 10:00:00.000000')"))
    snap.refresh()
    assert snap.query("SELECT counter, counted_at FROM stocktake_counts").to_dict("records") == [
        {"counter": "仓库-老王", "counted_at": pd.Timestamp("2026-03-15 10:00:00")}
    ]


def test_events_and_lines_rows_are_never_doubled_by_repeated_changes(seeded):
    snap = Snapshot(seeded)
    snap.refresh()
    with transaction(seeded) as conn:
        order_id = conn.execute(select(orders.c.id).where(orders.c.status == PAID).limit(1)).scalar_one()
    for step, status in enumerate(["on_hold", PAID, "shipped"]):
        with transaction(seeded) as conn:
            if status == PAID:
                workflow.resume(conn, order_id, "李雷", LATER + timedelta(minutes=step))
            else:
                workflow.advance(conn, order_id, status, "李雷", "", LATER + timedelta(minutes=step))
        snap.refresh()
    with seeded.connect() as conn:
        kept = text(f"({next(s for s in analytics_specs() if s.name == 'order_events').rows})")
        events = conn.execute(select(order_events.c.id).where(order_events.c.order_id == order_id, kept)).all()
        lines = conn.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalars().all()
    got = snap.query("SELECT count(*) AS n FROM order_events WHERE order_id = ?", [order_id])["n"][0]
    assert got == len(events)
    assert snap.query("SELECT count(*) AS n FROM order_lines WHERE order_id = ?", [order_id])["n"][0] == len(lines)
    assert_same_as_store(snap, seeded)


def held_tables(snap: Snapshot) -> set[str]:
    return set(snap.query("SELECT table_name FROM duckdb_tables()")["table_name"])


def test_a_query_copies_only_the_tables_it_names_and_they_are_kept_fresh(seeded):
    snap = Snapshot(seeded)
    snap.ensure_fresh()  # what a page does first: nothing is read until a query names a table
    assert held_tables(snap) == set()
    snap.query("SELECT count(*) AS n FROM orders")
    assert held_tables(snap) == {"orders"}  # the big screen never waits for lines or the audit log
    ingest.ingest(seeded, [new_order(1)], actor="import", now=LATER)
    lines = snap.query("SELECT count(*) AS n FROM order_lines")["n"][0]  # copied now, orders refreshed with it
    with seeded.connect() as conn:
        assert lines == conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one()
    assert (
        snap.query("SELECT count(*) AS n FROM orders WHERE channel_order_no = ?", [new_order(1).channel_order_no])["n"][
            0
        ]
        == 1
    )
    snap.refresh()
    assert_same_as_store(snap, seeded)


def test_small_parts_make_the_same_copy_as_one_part(seeded, monkeypatch):
    monkeypatch.setattr(arrow_source, "PART_IDS", 7)
    snap = Snapshot(seeded)
    assert snap.refresh()["orders"] == 300
    assert_same_as_store(snap, seeded)
