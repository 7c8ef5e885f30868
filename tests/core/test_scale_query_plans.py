"""Reads over many orders find their rows through an index: the warehouse's and purchasing's reach
their order lines by order, the queue's search its orders through the trigram index; none walks
every row (seconds at a million orders on SQLite)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from core import clock
from core.orders import queue
from core.orders.queue import QueueFilter
from core.orders.tables import orders
from core.restock import purchasing
from core.shipping import warehouse
from core.store.db import make_engine


@pytest.fixture
def demo_engine(demo_url):
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def plans_of(engine, read, reading: str = r"(?<!purchase_)\border_lines\b") -> list[str]:
    """The query plans of every statement `read(conn)` runs that reads the table `reading` matches."""
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if re.search(reading, statement):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with engine.connect() as conn:
            read(conn)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    with engine.connect() as conn:
        return [
            " | ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all())
            for sql, params in statements
        ]


@pytest.mark.parametrize(
    "read",
    [
        warehouse.pick_list,
        warehouse.filter_choices,
        lambda conn: purchasing.recent_sales(conn, clock.now()),
        purchasing.suggest,
    ],
    ids=["pick_list", "filter_choices", "recent_sales", "suggest"],
)
def test_reads_over_many_orders_reach_their_lines_by_order(demo_engine, read):
    plans = plans_of(demo_engine, read)
    assert plans
    for plan in plans:
        assert "SCAN order_lines" not in plan, plan
        assert "order_lines USING" in plan and "order_id=?" in plan, plan


def test_searching_the_queue_by_parts_of_numbers_reads_the_trigram_index_not_every_order(demo_engine):
    """A partial order number or a phone's last four digits: the page and its counts look the
    orders up by id from the trigram index (at a million orders: milliseconds, not seconds)."""
    with demo_engine.connect() as conn:
        number, phone = conn.execute(select(orders.c.channel_order_no, orders.c.phone).limit(1)).one()
    for typed in (number[3:-2], phone[-4:]):
        flt = QueueFilter(search=typed)
        plans = plans_of(
            demo_engine,
            lambda conn, flt=flt: (queue.page(conn, "admin", flt), queue.status_counts(conn, flt, "admin")),
            r"\border_search\b",
        )
        assert len(plans) == 2
        for plan in plans:
            assert "VIRTUAL TABLE INDEX" in plan and "orders USING INTEGER PRIMARY KEY" in plan, plan
            assert "SCAN orders" not in plan, plan
