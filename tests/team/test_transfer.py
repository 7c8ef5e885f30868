"""migrate-to: the demo store moves to PostgreSQL whole and verified; a non-empty target is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from core import workflow
from core.db import channels, make_engine, metadata, orders, transaction
from core.errors import InvalidInput
from core.model import SHIPPED
from core.transfer import copy_store


def test_the_demo_store_moves_to_postgresql_whole_verified_and_still_working(demo_url, pg_url):
    source, target = make_engine(demo_url), make_engine(pg_url)
    report = copy_store(source, target)
    assert report.ok, report.problems
    with source.connect() as before, target.connect() as after:
        for table in metadata.sorted_tables:
            count = select(func.count()).select_from(table)
            assert after.execute(count).scalar_one() == before.execute(count).scalar_one(), table.name
        sample = select(orders).order_by(orders.c.id).limit(50)
        assert [tuple(r) for r in after.execute(sample)] == [tuple(r) for r in before.execute(sample)]
    with transaction(target) as conn:  # the copy keeps working: new rows get fresh ids
        paid = conn.execute(select(orders.c.id).where(orders.c.status == "paid").limit(1)).scalar_one()
        workflow.advance(conn, paid, SHIPPED, "仓库-小李")  # inserts events, ledger and outbox rows


def test_a_target_that_already_has_data_is_refused_untouched(demo_url, pg_url):
    target = make_engine(pg_url)
    with transaction(target) as conn:
        conn.execute(insert(channels).values(code="shopify", name="Shopify"))
    with pytest.raises(InvalidInput, match="not empty"):
        copy_store(make_engine(demo_url), target)
    with target.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 0
