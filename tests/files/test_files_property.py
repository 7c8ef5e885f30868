"""Any valid order file, split, reordered and re-encoded, imports to the same store."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, RowMapping, Table, select

from connectors.files import import_file
from core.messages.tables import outbox
from core.orders.tables import orders
from core.schema import metadata
from core.stock import reservations as stock
from core.stock.tables import skus, stock_movements
from core.store.db import make_engine, migrate, transaction
from core.store.tables import shops

NOW = datetime(2026, 11, 26, 9, 30)  # every import of every variant happens at the same moment
COLUMNS = [
    "order_no", "created_at", "paid_at", "status", "buyer", "phone", "province", "city", "address", "shop",
    "sku", "qty", "unit_price", "discount", "shipping_fee",
]  # fmt: skip
# Enough of each for every order drawn: which order reserves first must not decide who waits.
STOCK = {"PET-FOOD-2KG": 500, "CAT-TOY-BALL": 500, "DOG-LEASH-L": 500, "CAT-LITTER-5KG": 500}
PLACES = [("广东", "深圳市"), ("浙江", "杭州市"), ("北京", "北京市"), ("四川", "成都市")]
SHOPS = ["萌宠天猫旗舰店", "汪星人小店"]
STATUSES = ["pending_payment", "paid", "shipped", "completed", "cancelled", "待付款", "已支付", "已发货", "已完成"]
UNPAID = {"pending_payment", "待付款"}
HANZI = "李王张刘陈杨黄赵吴周娜伟芳敏静丽强磊军洋"  # in GBK, so every encoding can carry them
STREET = '南山区科技园路中山大道西湖文三号楼单元室, "#-'  # with what a CSV must quote
# Foreign keys the dump shows by their natural key, so that ids given in another order compare equal.
NATURAL_KEYS = {"order_id": (orders, "channel_order_no"), "sku_id": (skus, "sku"), "shop_id": (shops, "name")}


@dataclass(frozen=True)
class Part:
    """One file a variant writes: which rows, in which format and encoding."""

    rows: list[list[str]]
    encoding: str  # utf-8, utf-8-sig or gbk; XLSX ignores it
    newline: str
    xlsx: bool


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@st.composite
def an_order(draw, number: int) -> list[list[str]]:
    """The rows of one valid order: order-level values repeat on each of its lines."""
    created = datetime(2026, 1, 1) + timedelta(minutes=draw(st.integers(0, 300_000)))
    status = draw(st.sampled_from(STATUSES))
    paid = "" if status in UNPAID else str(created + timedelta(minutes=draw(st.integers(1, 600))))
    province, city = draw(st.sampled_from(PLACES))
    head = [
        f"20261101{number:05d}",
        str(created),
        paid,
        status,
        draw(st.text(HANZI, min_size=2, max_size=3)),
        f"138{draw(st.integers(0, 99_999_999)):08d}",
        province,
        city,
        province + city + draw(st.text(STREET, min_size=2, max_size=12)) + f"{draw(st.integers(1, 999))}号",
        draw(st.sampled_from(SHOPS)),
    ]
    shipping = money(draw(st.integers(0, 2000)))
    codes = draw(st.lists(st.sampled_from(sorted(STOCK)), min_size=1, max_size=3, unique=True))
    lines = []
    for code in codes:
        qty, unit = draw(st.integers(1, 5)), draw(st.integers(1, 99_999))
        discount = draw(st.integers(0, qty * unit // 2))
        lines.append([*head, code, str(qty), money(unit), money(discount), shipping])
    return lines


@st.composite
def an_order_file(draw) -> list[list[str]]:
    """The rows of a valid generic export, order after order."""
    count = draw(st.integers(2, 6))
    return [row for number in range(count) for row in draw(an_order(number))]


def a_variant(rows: list[list[str]]) -> st.SearchStrategy[list[Part]]:
    """The same rows shuffled, in one file or two imported one after another (an order's rows
    stay in one file), each file in any encoding and format a seller's tools write."""
    numbers = sorted({row[0] for row in rows})
    form = st.tuples(st.sampled_from(["utf-8", "utf-8-sig", "gbk"]), st.sampled_from(["\n", "\r\n"]), st.booleans())

    def split(shuffled: list[list[str]], first: set[str], formats: list[tuple]) -> list[Part]:
        groups = [[r for r in shuffled if r[0] in first], [r for r in shuffled if r[0] not in first]]
        return [Part(group, *form) for group, form in zip([g for g in groups if g], formats)]

    return st.builds(
        split,
        st.permutations(rows),
        st.sets(st.sampled_from(numbers), max_size=len(numbers) - 1),
        st.lists(form, min_size=2, max_size=2),
    )


def write(part: Part, path: Path) -> Path:
    if part.xlsx:
        path = path.with_suffix(".xlsx")
        pd.DataFrame(part.rows, columns=COLUMNS).to_excel(path, index=False)
        return path
    text = io.StringIO()
    csv.writer(text, lineterminator=part.newline).writerows([COLUMNS, *part.rows])
    path.with_suffix(".csv").write_bytes(text.getvalue().encode(part.encoding))
    return path.with_suffix(".csv")


@pytest.fixture(scope="module")
def stocked_template(tmp_path_factory) -> Path:
    """A migrated store holding STOCK, built once: each import starts from a copy of it."""
    path = tmp_path_factory.mktemp("stocked") / "orderhub.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with transaction(engine) as conn:
        ids = stock.ensure_skus(conn, STOCK, NOW)
        for code, qty in STOCK.items():
            stock.receive(conn, ids[code], qty, "test", "opening stock", NOW)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def imported(parts: list[Part], template: Path, folder: Path) -> dict[str, list[tuple]]:
    """The canonical dump of a fresh store after importing the parts in turn, each rejecting nothing."""
    folder.mkdir()
    shutil.copyfile(template, folder / "orderhub.db")
    engine = make_engine(f"sqlite:///{folder / 'orderhub.db'}")
    try:
        for number, part in enumerate(parts):
            summary = import_file(engine, "generic", write(part, folder / f"export-{number}"), now=NOW)
            assert summary.errors == [], [(e.row, e.code) for e in summary.errors]
        return canonical(engine)
    finally:
        engine.dispose()


def canonical(engine: Engine) -> dict[str, list[tuple]]:
    """Every table's rows in a fixed order, each as comparable()."""
    with engine.connect() as conn:
        natural = {
            column: dict(conn.execute(select(table.c.id, table.c[key])).all())
            for column, (table, key) in NATURAL_KEYS.items()
        }
        return {
            table.name: sorted(
                (comparable(table, row, natural) for row in conn.execute(select(table)).mappings()), key=repr
            )
            for table in metadata.sorted_tables
        }


def comparable(table: Table, row: RowMapping, natural: dict[str, dict]) -> tuple:
    """The row without ids: foreign keys as natural keys, the outbox's idempotency key (made of
    the order's id) left out, and the order id a ledger reason quotes as the order's number."""
    values = {
        column: natural[column].get(value, value) if column in natural else value
        for column, value in row.items()
        if column != "id" and (table, column) != (outbox, "idempotency_key")
    }
    if table is stock_movements and row["order_id"] is not None:
        values["reason"] = row["reason"].replace(f"order {row['order_id']}", f"order {values['order_id']}")
    return tuple(values.values())


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_an_order_file_split_reordered_and_reencoded_imports_to_the_same_store(stocked_template, data):
    rows = data.draw(an_order_file(), label="rows")
    variant = data.draw(a_variant(rows), label="variant")
    with tempfile.TemporaryDirectory() as tmp:
        as_written = imported([Part(rows, "utf-8", "\n", xlsx=False)], stocked_template, Path(tmp) / "as-written")
        got = imported(variant, stocked_template, Path(tmp) / "variant")
        for table, rows_as_written in as_written.items():
            assert got[table] == rows_as_written, table


def test_a_re_sorted_export_of_the_same_orders_imports_as_unchanged(stocked_template, tmp_path):
    """What recognises an unchanged re-import does not depend on the order of an order's lines."""
    shutil.copyfile(stocked_template, tmp_path / "orderhub.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'orderhub.db'}")
    head = ["2026110100001", "2026-11-20 10:00:00", "2026-11-20 10:05:00", "paid", "李娜", "13812345678"]
    place = ["广东", "深圳市", "广东省深圳市南山区科技园路1号", "萌宠天猫旗舰店"]
    rows = [[*head, *place, code, "1", "59.90", "0.00", "8.00"] for code in ("PET-FOOD-2KG", "CAT-TOY-BALL")]
    first = import_file(engine, "generic", write(Part(rows, "utf-8", "\n", xlsx=False), tmp_path / "a"), now=NOW)
    again = import_file(engine, "generic", write(Part(rows[::-1], "utf-8", "\n", xlsx=False), tmp_path / "b"), now=NOW)
    engine.dispose()
    assert (first.new, again.new, again.updated, again.unchanged) == (1, 0, 0, 1)
