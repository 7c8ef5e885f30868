"""migrate-to, as a user runs it: into a database just created, whole and verified; a database
that holds anything of its own is refused and left exactly as it was."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, func, inspect, select, text, update

from core.aftersales.tables import ticket_reasons
from core.intake.ingest import ingest
from core.model import SHIPPED
from core.orders import queue, workflow
from core.orders.queue import QueueFilter
from core.orders.tables import orders
from core.schema import metadata
from core.store.db import MIGRATIONS, ROOT, make_engine, migrate, transaction
from tests.core.helpers import add_skus, order

OLDER_REVISION = "0003_login_guard"  # before the stock_waits table came


def migrate_to(source_url: str, target_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORDERHUB_DATABASE_URL": source_url}
    return subprocess.run(
        [sys.executable, "cli.py", "migrate-to", "--url", target_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def error_line(result: subprocess.CompletedProcess) -> str:
    """The CLI's one-line error; before it, stderr holds only the progress line it ends."""
    *progress, error = [line for line in result.stderr.split("\n") if line.strip()]
    assert all(line.endswith(" rows") for line in progress), result.stderr
    assert error.startswith("error: "), result.stderr
    return error


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table of the database with all its rows, in a comparable order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = MetaData()
            found.reflect(conn)
            return {name: sorted(map(tuple, conn.execute(select(t))), key=repr) for name, t in found.tables.items()}
    finally:
        engine.dispose()


def assert_same_rows(source_url: str, target_url: str) -> None:
    source, target = make_engine(source_url), make_engine(target_url)
    with source.connect() as before, target.connect() as after:
        for table in metadata.sorted_tables:
            count = select(func.count()).select_from(table)
            assert after.execute(count).scalar_one() == before.execute(count).scalar_one(), table.name
        for table in (orders, ticket_reasons):
            sample = select(table).order_by(*table.primary_key.columns).limit(50)
            assert [tuple(r) for r in after.execute(sample)] == [tuple(r) for r in before.execute(sample)]


def edit_a_reason(url: str) -> None:
    """The user renamed a seeded after-sales reason: the copy must carry the edit over the target's seed."""
    with transaction(make_engine(url)) as conn:
        conn.execute(update(ticket_reasons).where(ticket_reasons.c.code == "quality").values(label_zh="做工问题"))


def with_one_order(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-20261111-0001", ("PET-FOOD-2KG", 1))])
    engine.dispose()


def migrate_to_revision(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = make_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def test_the_demo_store_moves_into_a_brand_new_postgresql_database_whole_verified_and_working(demo_url, pg_new_url):
    edit_a_reason(demo_url)
    result = migrate_to(demo_url, pg_new_url)
    assert result.returncode == 0, result.stderr
    assert "verified: row counts match and stock invariants hold" in result.stdout
    assert_same_rows(demo_url, pg_new_url)
    assert_searchable(pg_new_url)
    target = make_engine(pg_new_url)
    with target.connect() as conn:
        assert {"ix_orders_channel_order_no_trgm", "ix_orders_phone_trgm"} <= {
            index["name"] for index in inspect(conn).get_indexes("orders")
        }  # pg_trgm could be created: searching by parts of numbers is served by an index
        label = select(ticket_reasons.c.label_zh).where(ticket_reasons.c.code == "quality")
        assert conn.execute(label).scalar_one() == "做工问题"
    with transaction(target) as conn:  # the copy keeps working: new rows get fresh ids
        paid = conn.execute(select(orders.c.id).where(orders.c.status == "paid").limit(1)).scalar_one()
        workflow.advance(conn, paid, SHIPPED, "仓库-小李")  # inserts events, ledger and outbox rows
    target.dispose()


def test_the_demo_store_moves_into_a_new_sqlite_file(demo_url, tmp_path):
    target_url = f"sqlite:///{tmp_path / 'new' / 'orderhub.db'}"
    result = migrate_to(demo_url, target_url)
    assert result.returncode == 0, result.stderr
    assert_same_rows(demo_url, target_url)
    assert_searchable(target_url)


def assert_searchable(url: str) -> None:
    """The copy's queue search finds an order by part of its number and by its phone's last four
    digits (its search index was made from the copied orders)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        order_id, number, phone = conn.execute(
            select(orders.c.id, orders.c.channel_order_no, orders.c.phone)
            .where(func.length(orders.c.phone) >= 11)
            .order_by(orders.c.id)
            .limit(1)
        ).one()
        for typed in (number[2:-2], phone[-4:]):
            found = {row["id"] for row in queue.page(conn, "admin", QueueFilter(search=typed), limit=1000).rows}
            assert order_id in found, typed
    engine.dispose()


def test_a_target_holding_one_real_order_is_refused_and_left_exactly_as_it_was(demo_url, pg_new_url):
    with_one_order(pg_new_url)
    before = snapshot(pg_new_url)
    result = migrate_to(demo_url, pg_new_url)
    assert result.returncode == 1
    message = error_line(result)
    assert message.startswith("error: The target database is not empty (")
    assert "orders" in message and "ticket_reasons" not in message  # the seeded tables are not the user's
    assert snapshot(pg_new_url) == before


def test_an_older_orderhub_database_with_data_is_refused_without_being_upgraded(demo_url, pg_new_url):
    migrate_to_revision(pg_new_url, OLDER_REVISION)
    with create_engine(pg_new_url).begin() as conn:
        conn.execute(text("INSERT INTO channels (code, name) VALUES ('shopify', 'Shopify')"))
    before = snapshot(pg_new_url)
    result = migrate_to(demo_url, pg_new_url)
    assert result.returncode == 1
    assert "not empty (channels)" in error_line(result)
    assert snapshot(pg_new_url) == before
    assert "stock_waits" not in before


def test_an_older_orderhub_database_without_data_is_upgraded_and_filled(sqlite_url, pg_new_url):
    with_one_order(sqlite_url)
    migrate_to_revision(pg_new_url, OLDER_REVISION)
    result = migrate_to(sqlite_url, pg_new_url)
    assert result.returncode == 0, result.stderr
    assert_same_rows(sqlite_url, pg_new_url)


def test_a_row_the_new_database_refuses_leaves_it_without_tables_and_names_no_data(demo_url, pg_new_url):
    long_address = "广东省深圳市南山区科技园路1号" * 30  # SQLite keeps it; PostgreSQL's column holds 300
    with transaction(make_engine(demo_url)) as conn:
        first = conn.execute(select(func.min(orders.c.id))).scalar_one()
        conn.execute(update(orders).where(orders.c.id == first).values(address=long_address))
    result = migrate_to(demo_url, pg_new_url)
    assert result.returncode == 1
    message = error_line(result)
    assert message.startswith("error: The target refused a row of orders (")
    assert "nothing was copied" in message
    assert "INSERT" not in message and "科技园" not in message
    target = create_engine(pg_new_url)
    assert inspect(target).get_table_names() == []
    target.dispose()


def test_an_unreachable_target_is_one_line(demo_url, pg_new_url):
    missing = pg_new_url.rsplit("/", 1)[0] + "/orderhub_no_such_database"
    result = migrate_to(demo_url, missing)
    assert result.returncode == 1
    assert error_line(result).startswith("error: The target database cannot be reached: ")


def test_a_target_from_a_newer_orderhub_is_refused_untouched(sqlite_url, tmp_path):
    target_url = f"sqlite:///{tmp_path / 'newer.db'}"
    with create_engine(target_url).begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('9999_from_the_future')"))
    before = snapshot(target_url)
    result = migrate_to(sqlite_url, target_url)
    assert result.returncode == 1
    assert "a schema this OrderHub cannot upgrade" in error_line(result)
    assert snapshot(target_url) == before
