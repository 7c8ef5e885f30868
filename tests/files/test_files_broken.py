"""The broken-file corpus (tests/fixtures/broken) lands the same on SQLite and PostgreSQL: each bad
value rejects its row and order with a one-line reason free of SQL and personal data, the rest lands."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from connectors import files
from connectors.files import ImportSummary, import_file
from core.errors import StoreRefused
from core.orders.tables import order_lines, orders
from core.stock.tables import skus
from tests.files.conftest import stock_up

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "broken"
NOW = datetime(2026, 6, 15, 12, 0)
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|VALUES|WHERE|parameters)\b|\[SQL", re.IGNORECASE)

EXPECTED_REJECTS = [
    ("controls.csv", 2, "control_character", "buyer contains a control character (such as NUL)."),
    ("controls.csv", 3, "control_character", "sku contains a control character (such as NUL)."),
    ("controls.csv", 4, "control_character", "address contains a control character (such as NUL)."),
    ("controls.csv", 6, "bad_date", "created_at '2026-06-01\ufffd' is not a date."),  # quoted printable
    ("dates.csv", 2, "date_out_of_range", "created_at '1999-12-31 23:59:59' is before 2000 or more than a day ahead."),
    ("dates.csv", 3, "date_out_of_range", "created_at '2027-06-15 12:00:00' is before 2000 or more than a day ahead."),
    ("dates.csv", 4, "paid_before_created", "paid_at is before the order was created."),
    ("disagree.csv", 2, "order_rejected", "The whole order is rejected: row 3 of disagree.csv is bad."),
    ("disagree.csv", 3, "order_rows_disagree", "The rows of this order disagree on buyer (first given in row 2)."),
    ("disagree.csv", 4, "order_rejected", "The whole order is rejected: row 5 of disagree.csv is bad."),
    ("disagree.csv", 5, "order_rows_disagree", "The rows of this order disagree on status (first given in row 4)."),
    ("money.csv", 2, "negative_amount", "unit_price '-5.00' cannot be negative."),
    ("money.csv", 3, "negative_amount", "shipping_fee '-8.00' cannot be negative."),
    ("money.csv", 4, "amount_too_large", "unit_price '99999999.99' is larger than an amount the store can hold."),
    ("money.csv", 5, "order_total_too_large", "The order's goods and shipping come to more than 21,474,836.47."),
    ("money.csv", 6, "order_rejected", "The whole order is rejected: row 5 of money.csv is bad."),
    ("per_unit.csv", 8, "order_rejected", "The whole order is rejected: row 9 of per_unit.csv is bad."),
    (
        "per_unit.csv",
        9,
        "sku_prices_differ",
        "The same SKU is listed at prices whose average is not a whole cent (first in row 8).",
    ),
    ("quantities.csv", 3, "qty_too_large", "The quantity 12345678901234567890 is over the limit of 10,000 per line."),
    ("quantities.csv", 4, "qty_too_large", "The quantity 3000000000 is over the limit of 10,000 per line."),
    ("quantities.csv", 5, "qty_too_large", "The quantity 10001 is over the limit of 10,000 per line."),
    ("text.csv", 2, "text_too_long", "address is longer than 300 characters."),
    ("text.csv", 3, "text_too_long", "phone is longer than 32 characters."),
    ("text.csv", 4, "text_too_long", "sku is longer than 64 characters."),
    ("text.csv", 6, "text_too_long", "order_no is longer than 64 characters."),
]
EXPECTED_WARNINGS = [("text.csv", 5, "text_truncated", "city was longer than 50 characters and was cut to fit.")]
# Order → status and lines {sku: (qty, unit price cents)}.
EXPECTED_ORDERS = {
    "C4": ("paid", {"PET-FOOD-2KG": (1, 5990)}),  # a tab inside an address is text layout, kept
    "D4": ("paid", {"PET-FOOD-2KG": (1, 5990)}),  # twelve hours ahead of the import: a clock a little fast
    "M5": ("paid", {"PET-FOOD-2KG": (1, 5990)}),
    "P1": ("paid", {"PET-FOOD-2KG": (3, 5990), "CAT-TOY-BALL": (1, 990)}),  # a row per unit
    "P2": ("paid", {"DOG-LEASH-L": (2, 4000)}),  # 39.00 + 41.00: the weighted price is exact
    "Q1": ("paid", {"PET-FOOD-2KG": (1, 5990)}),
    "R3": ("paid", {"PET-FOOD-2KG": (1, 5990), "CAT-TOY-BALL": (1, 990)}),  # an empty buyer is no disagreement
    "T4": ("paid", {"PET-FOOD-2KG": (1, 5990)}),
    "U1": ("on_hold", {"NEW-SKU-1": (2, 5990)}),  # created with no stock: held for it
    "U2": ("completed", {"NEW-SKU-2": (1, 5990)}),
}
# SKU → (on hand, reserved, needs details): the store's own SKUs as stocked (the fixture creates
# them the way intake does, hence flagged), the new ones at zero. Q3's three billion took nothing.
EXPECTED_SKUS = {
    "CAT-LITTER-5KG": (1, 0, True),
    "CAT-TOY-BALL": (100, 2, True),
    "DOG-LEASH-L": (100, 2, True),
    "PET-FOOD-2KG": (100, 9, True),
    "NEW-SKU-1": (0, 0, True),
    "NEW-SKU-2": (0, 0, True),
}


def import_corpus(engine: Engine) -> list[ImportSummary]:
    stock_up(engine)
    return [import_file(engine, "generic", path, now=NOW) for path in sorted(BROKEN.glob("*.csv"))]


def dump(engine: Engine, summaries: list[ImportSummary]) -> dict:
    """What the corpus left, in plain values: equal dumps mean equal outcomes."""
    with engine.connect() as conn:
        stored = {r.channel_order_no: r for r in conn.execute(select(orders))}
        lines = conn.execute(
            select(orders.c.channel_order_no, skus.c.sku, order_lines.c.qty, order_lines.c.unit_price_cents)
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .join(skus, skus.c.id == order_lines.c.sku_id)
        ).all()
        levels = conn.execute(select(skus.c.sku, skus.c.on_hand, skus.c.reserved, skus.c.needs_details)).all()
    by_order = {no: {} for no in stored}
    for no, sku, qty, unit in lines:
        by_order[no][sku] = (qty, unit)
    return {
        "orders": {no: (row.status, by_order[no]) for no, row in stored.items()},
        "details": {no: (row.city, row.address, row.created_at, row.goods_cents) for no, row in stored.items()},
        "skus": {sku: (on_hand, reserved, bool(flag)) for sku, on_hand, reserved, flag in levels},
        "rejects": [(e.file, e.row, e.code, e.reason()) for s in summaries for e in s.errors],
        "warnings": [(w.file, w.row, w.code, w.reason()) for s in summaries for w in s.warnings],
        "created": [sku for s in summaries for sku in s.created_skus],
    }


def test_the_broken_corpus_lands_its_good_orders_and_names_each_bad_row(any_engine):
    summaries = import_corpus(any_engine)
    got = dump(any_engine, summaries)
    assert got["rejects"] == EXPECTED_REJECTS
    assert got["warnings"] == EXPECTED_WARNINGS
    assert got["orders"] == EXPECTED_ORDERS
    assert got["skus"] == EXPECTED_SKUS
    assert got["created"] == ["NEW-SKU-1", "NEW-SKU-2"]
    assert got["details"]["T4"][0] == "市" * 50  # cut to its column, with the warning above
    assert got["details"]["C4"][1] == "南山区\t科技园路1号"
    assert got["details"]["P2"][3] == 8000


def test_sqlite_and_postgresql_keep_the_same_store_from_the_corpus(sqlite_engine, pg_engine):
    assert dump(sqlite_engine, import_corpus(sqlite_engine)) == dump(pg_engine, import_corpus(pg_engine))


def test_no_reason_holds_sql_or_the_rows_personal_data(sqlite_engine):
    summaries = import_corpus(sqlite_engine)
    errors = [e for s in summaries for e in s.errors]
    assert errors
    for error in errors:
        personal = [str(error.raw[c]) for c in ("buyer", "phone", "address") if error.raw.get(c)]
        for lang in ("en", "zh"):
            reason = error.reason(lang)
            assert "\n" not in reason and not SQL_WORDS.search(reason)
            assert not any(value in reason for value in personal), (error.row, reason)


def test_a_refusal_by_postgresql_is_one_line_without_sql_or_buyers_data(pg_engine, monkeypatch):
    """Were a value to slip past the checks, PostgreSQL's refusal must still not print the SQL
    and the buyers' data it carries."""
    monkeypatch.setattr(files, "check_values", lambda *args: None)
    stock_up(pg_engine)
    with pytest.raises(StoreRefused) as refused:
        import_file(pg_engine, "generic", BROKEN / "text.csv", now=NOW)
    message = str(refused.value)
    assert "\n" not in message and not SQL_WORDS.search(message)
    assert "张伟" not in message and "13800138000" not in message and "路路路" not in message
    assert "StringDataRightTruncation" in message


def test_the_quantity_limit_is_a_setting(sqlite_engine, monkeypatch):
    monkeypatch.setenv("ORDERHUB_IMPORT_MAX_QTY", "20000")
    stock_up(sqlite_engine)
    summary = import_file(sqlite_engine, "generic", BROKEN / "quantities.csv", now=NOW)
    assert [(e.row, e.code) for e in summary.errors] == [(3, "qty_too_large"), (4, "qty_too_large")]
    assert summary.new == 2  # Q4's 10,001 is within the raised limit
