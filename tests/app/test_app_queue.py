"""The order queue in core: keyset pages, filters, counts, hold explanations, masking per role."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from app_shop import NOW, PHONES, fill, order
from sqlalchemy import create_engine, inspect, select, update
from sqlalchemy.engine import make_url

from core.errors import InvalidInput, PermissionDenied
from core.identity.access import Actor
from core.intake import ingest
from core.orders import order_detail, queue
from core.orders.queue import QueueFilter, Shortage
from core.orders.tables import order_events, order_notes, orders
from core.restock import stock_levels
from core.stock.tables import skus
from core.store.db import MIGRATIONS, make_engine, migrate, transaction


def test_a_warehouse_clerk_never_sees_a_phone_number_or_an_amount_in_the_queue(shop, engine):
    with engine.connect() as conn:
        rows = queue.page(conn, "warehouse", QueueFilter()).rows
    assert rows, "the queue has orders"
    assert all("phone" not in row and "paid_cents" not in row for row in rows)
    assert not any(phone in str(row) for row in rows for phone in PHONES)


def test_managers_see_phones_masked_and_clerks_see_them_whole(shop, engine):
    only = QueueFilter(search="TB20261120001")
    with engine.connect() as conn:
        managed = queue.page(conn, "manager", only).rows
        clerked = queue.page(conn, "clerk", only).rows
    assert managed[0]["phone"] == "138****1234"
    assert clerked[0]["phone"] == "13812341234"
    assert managed[0]["paid_cents"] == clerked[0]["paid_cents"] == 17800


def test_the_queue_pages_newest_first_without_gaps_or_repeats(engine):
    start = datetime(2026, 10, 1, 8, 0)
    many = [order(f"TB2026100{n:05d}", "paid", "赵磊", "13600000000", [("PET-FOOD-2KG", 1, 8900)]) for n in range(123)]
    # Several orders share a created_at, so the id must break ties for the cursor to be exact.
    many = [o.__class__(**{**o.__dict__, "created_at": start + timedelta(minutes=n // 3)}) for n, o in enumerate(many)]
    ingest.ingest(engine, many, now=NOW)
    seen, cursor, pages = [], None, 0
    with engine.connect() as conn:
        while True:
            found = queue.page(conn, "clerk", QueueFilter(), after=cursor, limit=50)
            seen += found.rows
            pages += 1
            if found.next_cursor is None:
                break
            cursor = found.next_cursor
    assert pages == 3
    assert len(seen) == len({row["id"] for row in seen}) == 123
    keys = [(row["created_at"], row["id"]) for row in seen]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (QueueFilter(status="paid"), {"TB20261120001", "TB20261122003", "JD300000000005"}),
        (QueueFilter(channel="jd"), {"JD300000000004", "JD300000000005"}),
        (QueueFilter(province="浙江"), {"TB20261122003"}),
        (QueueFilter(sku="CAT-LITTER-10L"), {"TB20261121002", "TB20261122003"}),
        (QueueFilter(hold_reason="insufficient_stock"), {"JD300000000004"}),
        (QueueFilter(date_from=date(2026, 11, 21), date_to=date(2026, 11, 22)), {"TB20261121002", "TB20261122003"}),
        (QueueFilter(search="李"), {"TB20261122003"}),
        (QueueFilter(search="JD300000000005"), {"JD300000000005"}),
        (QueueFilter(channel="taobao", status="paid", sku="PET-FOOD-2KG"), {"TB20261120001", "TB20261122003"}),
    ],
)
def test_each_filter_narrows_the_queue_to_the_matching_orders(shop, engine, flt, expected):
    with engine.connect() as conn:
        rows = queue.page(conn, "clerk", flt).rows
    assert {row["channel_order_no"] for row in rows} == expected


def test_a_shop_filter_uses_the_shop_chosen_from_the_options(shop, engine):
    with engine.connect() as conn:
        options = queue.filter_options(conn)
        jd_shop = next(shop_id for shop_id, name in options["shops"] if name == "京东宠物专营店")
        rows = queue.page(conn, "clerk", QueueFilter(shop_id=jd_shop)).rows
    assert options["channels"] == ["jd", "taobao"]
    assert {row["shop"] for row in rows} == {"京东宠物专营店"}


def test_status_counts_follow_the_other_filters_but_not_the_status_tab(shop, engine):
    with engine.connect() as conn:
        everything = queue.status_counts(conn, QueueFilter(status="paid"), "clerk")
        taobao = queue.status_counts(conn, QueueFilter(channel="taobao"), "clerk")
    assert everything == {"paid": 3, "pending_payment": 1, "on_hold": 1}
    assert taobao == {"paid": 2, "pending_payment": 1}


def test_a_held_order_says_which_sku_lacks_how_much(shop, engine):
    with engine.connect() as conn:
        found = queue.hold_shortages(conn, list(shop.values()))
    assert found == {shop["JD300000000004"]: [Shortage("DOG-LEASH-M", 1, 0)]}


def test_the_queue_lists_each_orders_items(shop, engine):
    with engine.connect() as conn:
        rows = queue.page(conn, "clerk", QueueFilter(search="TB20261122003")).rows
    assert rows[0]["items"] == "CAT-LITTER-10L×2, PET-FOOD-2KG×1"


@pytest.mark.postgres
def test_the_queue_works_the_same_on_postgresql(pg_engine):
    ids = fill(pg_engine)
    with pg_engine.connect() as conn:
        first = queue.page(conn, "warehouse", QueueFilter(), limit=2)
        second = queue.page(conn, "warehouse", QueueFilter(), after=first.next_cursor, limit=2)
        counts = queue.status_counts(conn, QueueFilter(), "clerk")
        held = queue.hold_shortages(conn, list(ids.values()))
    assert [row["channel_order_no"] for row in first.rows + second.rows] == [
        "JD300000000005",
        "JD300000000004",
        "TB20261122003",
        "TB20261121002",
    ]
    assert all("phone" not in row for row in first.rows)
    assert counts == {"paid": 3, "pending_payment": 1, "on_hold": 1}
    assert held == {ids["JD300000000004"]: [Shortage("DOG-LEASH-M", 1, 0)]}


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("20261122", {"TB20261122003"}),  # part of the order number
        ("tb202611220", {"TB20261122003"}),  # typed in lower case
        ("20261122\x00", {"TB20261122003"}),  # a NUL pasted along, which PostgreSQL cannot compare
        ("TB20261120001\x00JD300000000005", {"TB20261120001", "JD300000000005"}),
        ("李", {"TB20261122003"}),  # the start of the buyer's name
        ("150 0000 1111", {"TB20261122003"}),  # the full phone, as people write it
        ("+86 15000001111", {"TB20261122003"}),
        ("1111", {"TB20261122003"}),  # the phone's last four digits
        ("DOG-LEASH-M", {"JD300000000004"}),  # a SKU
        ("TB20261120001\nJD300000000005, TB20261121002", {"TB20261120001", "JD300000000005", "TB20261121002"}),
        ("NOTHING-LIKE-THIS", set()),
    ],
)
def test_one_search_box_finds_by_number_buyer_phone_last_four_sku_or_a_pasted_list(any_engine, typed, found):
    fill(any_engine)
    with any_engine.connect() as conn:
        rows = queue.page(conn, "clerk", QueueFilter(search=typed)).rows
        counted = sum(queue.status_counts(conn, QueueFilter(search=typed), "clerk").values())
    assert {row["channel_order_no"] for row in rows} == found and counted == len(found)


def test_a_tracking_number_finds_its_order_and_a_role_without_phones_cannot_search_by_phone(shop, engine):
    with transaction(engine) as conn:
        conn.execute(update(orders).where(orders.c.channel_order_no == "TB20261120001").values(tracking_no="YT8812345"))
        tracked = queue.page(conn, "clerk", QueueFilter(search="YT8812345")).rows
        by_phone = queue.page(conn, "manager", QueueFilter(search="13812341234")).rows
        by_last_four = queue.page(conn, "manager", QueueFilter(search="1234")).rows
    assert [row["channel_order_no"] for row in tracked] == ["TB20261120001"]
    assert by_phone == [] and by_last_four == []  # a manager reads masked phones: no probing by them


def test_one_click_releases_every_held_order_the_stock_now_covers_audited_and_named(shop, engine):
    with transaction(engine) as conn:  # stock arrived the way no receipt says: a count set straight in the table
        conn.execute(update(skus).where(skus.c.sku == "DOG-LEASH-M").values(on_hand=1))
    with pytest.raises(PermissionDenied):
        stock_levels.release_fitting(engine, Actor("张仓管", "warehouse"))
    assert stock_levels.release_fitting(engine, Actor("李客服", "clerk"), now=NOW) == ["JD300000000004"]
    assert stock_levels.release_fitting(engine, Actor("李客服", "clerk"), now=NOW) == []  # nothing left to release
    with engine.connect() as conn:
        event = conn.execute(
            select(order_events.c.actor, order_events.c.to_status)
            .where(order_events.c.order_id == shop["JD300000000004"])
            .order_by(order_events.c.id.desc())
        ).first()
    assert tuple(event) == ("李客服", "paid")


def test_a_stock_adjustment_names_the_held_orders_it_resumed(shop, engine):
    assert stock_levels.adjust(engine, Actor("张仓管", "warehouse"), "DOG-LEASH-M", 2, "到货", now=NOW) == [
        "JD300000000004"
    ]
    assert stock_levels.adjust(engine, Actor("张仓管", "warehouse"), "DOG-LEASH-M", 2, "到货", now=NOW) == []


def test_a_whole_order_number_finds_that_order_alone_by_its_index(shop, engine):
    ingest.ingest(engine, [order("TB2026112000", "paid", "赵雷", PHONES[0], [("PET-FOOD-2KG", 1, 8900)], day=25)])
    with engine.connect() as conn:
        whole = queue.page(conn, "clerk", QueueFilter(search="TB2026112000")).rows
        part = queue.page(conn, "clerk", QueueFilter(search="TB202611200")).rows
    assert [row["channel_order_no"] for row in whole] == ["TB2026112000"]  # not TB20261120001 too
    assert {row["channel_order_no"] for row in part} == {"TB2026112000", "TB20261120001"}


def test_the_search_index_follows_a_changed_phone_and_a_new_order(any_engine):
    fill(any_engine)
    with transaction(any_engine) as conn:  # the platform corrected the buyer's phone
        conn.execute(update(orders).where(orders.c.channel_order_no == "TB20261122003").values(phone="15000002222"))
    ingest.ingest(any_engine, [order("TB20261199999", "paid", "赵雷", "13900009999", [("PET-FOOD-2KG", 1, 8900)])])
    with any_engine.connect() as conn:
        found = {
            typed: {row["channel_order_no"] for row in queue.page(conn, "clerk", QueueFilter(search=typed)).rows}
            for typed in ("1111", "2222", "611999", "9999")
        }
    assert found == {"1111": set(), "2222": {"TB20261122003"}, "611999": {"TB20261199999"}, "9999": {"TB20261199999"}}


def test_a_typed_wildcard_is_searched_for_as_itself(any_engine):
    fill(any_engine)
    ingest.ingest(any_engine, [order("SH%_1001", "paid", "Ann", "13900009999", [("PET-FOOD-2KG", 1, 8900)])])
    with any_engine.connect() as conn:
        found = [
            {row["channel_order_no"] for row in queue.page(conn, "clerk", QueueFilter(search=typed)).rows}
            for typed in ("%_1", "h%_", "%")
        ]
    assert found == [{"SH%_1001"}, {"SH%_1001"}, {"SH%_1001"}]


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "pg_new_url"])
def test_a_store_upgraded_to_the_search_index_finds_the_orders_it_held_before(request, url_fixture):
    url = request.getfixturevalue(url_fixture)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = make_engine(url)
    with engine.begin() as conn:  # a store as the release before the index left it
        config.attributes["connection"] = conn
        command.upgrade(config, "0009_waybills")
    fill(engine)
    migrate(engine)
    with engine.connect() as conn:
        found = {row["channel_order_no"] for row in queue.page(conn, "clerk", QueueFilter(search="1111")).rows}
        parts = {row["channel_order_no"] for row in queue.page(conn, "clerk", QueueFilter(search="261122")).rows}
    engine.dispose()
    assert found == parts == {"TB20261122003"}


def test_a_postgresql_user_who_may_not_create_extensions_still_gets_a_store_that_searches(pg_new_url):
    """A hosted database whose OrderHub user may make tables but not extensions: no trigram
    indexes, the same search by scanning."""
    role = f"orderhub_limited_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_new_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    engine = make_engine(make_url(pg_new_url).set(username=role).render_as_string(hide_password=False))
    try:
        migrate(engine)
        fill(engine)
        with engine.connect() as conn:
            indexes = {index["name"] for index in inspect(conn).get_indexes("orders")}
            found = {row["channel_order_no"] for row in queue.page(conn, "clerk", QueueFilter(search="261122")).rows}
        assert "ix_orders_channel_order_no_trgm" not in indexes and found == {"TB20261122003"}
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def test_a_nul_typed_into_a_form_is_refused_in_one_line_on_both_engines(any_engine):
    ids = fill(any_engine)
    clerk = Actor("李客服", "clerk")
    with pytest.raises(InvalidInput, match="NUL") as refused:
        order_detail.add_note(any_engine, clerk, ids["TB20261120001"], "买家来电\x00催发货")
    assert "SELECT" not in str(refused.value) and "INSERT" not in str(refused.value)
    with any_engine.connect() as conn, pytest.raises(InvalidInput, match="NUL"):
        order_detail.find(conn, "TB20261120001\x00")
    order_detail.add_note(any_engine, clerk, ids["TB20261120001"], "买家来电催发货")  # the store works on
    with any_engine.connect() as conn:
        notes = conn.execute(select(order_notes.c.text)).scalars().all()
    assert notes == ["买家来电催发货"]
