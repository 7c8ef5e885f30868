"""The warehouse's and purchasing's reads over many orders find the order lines they need through
the lines' order index: none walks every order line (seconds at a million orders on SQLite)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from core import clock
from core.restock import purchasing
from core.shipping import warehouse
from core.store.db import make_engine


@pytest.fixture
def demo_engine(demo_url):
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def plans_of(engine, read) -> list[str]:
    """The query plans of every statement `read(conn)` runs that reads order lines."""
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"(?<!purchase_)\border_lines\b", statement):
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
