"""Analyst exports: Excel-ready CSV and Parquet, masked per role, streamed, and the CLI around them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import analytics_factory as factory
import pandas as pd
import pytest
from sqlalchemy import insert, select, text

from core.aftersales.tables import tickets
from core.analytics import export
from core.errors import InvalidInput, PermissionDenied
from core.orders.tables import orders
from core.store import arrow_source
from core.store.db import transaction

NOW = datetime(2026, 3, 16, 9, 30)
ROOT = Path(__file__).resolve().parents[2]
MARCH = (date(2026, 3, 1), date(2026, 3, 15))


@pytest.fixture
def shop(engine):
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 400, NOW)
    return engine


@pytest.fixture
def any_shop(any_engine):
    factory.add_reference_data(any_engine, NOW)
    factory.seed(any_engine, 400, NOW)
    return any_engine


def orders_in(engine, start: date, end: date) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(select(orders).order_by(orders.c.id), conn)
    created = frame["created_at"]
    return frame[(created >= pd.Timestamp(start)) & (created < pd.Timestamp(end) + pd.Timedelta(days=1))]


def test_a_csv_export_opens_in_excel_with_chinese_intact(shop, tmp_path):
    out = tmp_path / "orders.csv"
    rows = export.export(shop, "orders", out, "csv", "analyst", *MARCH)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"手机号": str})
    want = orders_in(shop, *MARCH)
    assert rows == len(frame) == len(want)
    assert set(frame["订单号"]) == set(want["channel_order_no"])
    assert "旺财宠物天猫旗舰店" in set(frame["店铺"])
    assert frame["下单时间"].str.fullmatch(r"2026-03-\d\d \d\d:\d\d:\d\d").all()


def test_an_analyst_gets_masked_phones_and_an_admin_the_real_ones(any_shop, tmp_path):
    for role, pattern in (("analyst", r"138\*\*\*\*\d{4}"), ("admin", r"138\d{8}")):
        out = tmp_path / f"{role}.parquet"
        assert export.export(any_shop, "orders", out, "parquet", role, *MARCH) == len(orders_in(any_shop, *MARCH))
        phones = pd.read_parquet(out)["phone"]
        assert phones.str.fullmatch(pattern).all(), (role, phones.head())


def test_roles_without_the_export_action_are_refused(shop, tmp_path):
    for role in ("warehouse", "clerk", "service"):
        with pytest.raises(PermissionDenied):
            export.export(shop, "orders", tmp_path / "x.csv", "csv", role)
    assert not (tmp_path / "x.csv").exists()


def test_finance_gets_tax_inclusive_totals_and_the_vat_inside_them(shop, tmp_path):
    out = tmp_path / "finance.parquet"
    export.export(shop, "orders", out, "parquet", "finance", *MARCH)
    frame = pd.read_parquet(out)
    assert (frame["total_incl_tax_cents"] == frame["paid_cents"]).all()
    net = (frame["paid_cents"] / 1.13).round()
    assert (frame["tax_cents"] == frame["paid_cents"] - net).all()
    analyst = tmp_path / "analyst.parquet"
    export.export(shop, "orders", analyst, "parquet", "analyst", *MARCH)
    assert "tax_cents" not in pd.read_parquet(analyst).columns


def test_lines_and_stock_exports_carry_sku_codes_and_available_stock(shop, tmp_path):
    lines = tmp_path / "lines.csv"
    export.export(shop, "lines", lines, "csv", "manager", *MARCH, raw=True)
    frame = pd.read_csv(lines, encoding="utf-8-sig")
    assert set(frame["sku"]) <= {"PET-FOOD-2KG", "CAT-LITTER-10L", "DOG-LEASH-M", "CAT-TREATS-80G", "AQUARIUM-FILTER"}
    assert "unit_cost_cents" in frame.columns
    with transaction(shop) as conn:
        conn.execute(text("UPDATE skus SET on_hand = 120, reserved = 20 WHERE sku = 'PET-FOOD-2KG'"))
    stock = tmp_path / "stock.csv"
    export.export(shop, "stock", stock, "csv", "analyst", raw=True)
    row = pd.read_csv(stock, encoding="utf-8-sig").set_index("sku").loc["PET-FOOD-2KG"]
    assert (row["on_hand"], row["reserved"], row["available"]) == (120, 20, 100)


def test_small_batches_write_the_same_file_as_one_batch(engine, tmp_path):
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 400, NOW)
    export.export(engine, "orders", tmp_path / "one.parquet", "parquet", "admin", batch_rows=1_000_000)
    export.export(engine, "orders", tmp_path / "many.parquet", "parquet", "admin", batch_rows=37)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), pd.read_parquet(tmp_path / "many.parquet"))


def test_an_export_read_in_many_parts_is_the_same_file_in_id_order(any_shop, tmp_path, monkeypatch):
    export.export(any_shop, "orders", tmp_path / "one.csv", "csv", "finance", raw=True)
    with transaction(any_shop) as conn:  # a gap: parts with no rows at all arrive typed as integers
        gone = set(conn.execute(text("SELECT channel_order_no FROM orders WHERE id BETWEEN 27 AND 60")).scalars())
        for table, column in (("order_lines", "order_id"), ("order_events", "order_id"), ("orders", "id")):
            conn.execute(text(f"DELETE FROM {table} WHERE {column} BETWEEN 27 AND 60"))
    monkeypatch.setattr(arrow_source, "PART_IDS", 13)  # 31 parts read side by side, two of them empty
    export.export(any_shop, "orders", tmp_path / "many.csv", "csv", "finance", raw=True)
    one = pd.read_csv(tmp_path / "one.csv", encoding="utf-8-sig", dtype={"phone": str})
    many = pd.read_csv(tmp_path / "many.csv", encoding="utf-8-sig", dtype={"phone": str})
    assert len(gone) == 34 and len(many) == 400 - 34
    pd.testing.assert_frame_equal(many, one[~one["channel_order_no"].isin(gone)].reset_index(drop=True))


def test_an_empty_range_still_writes_the_header(engine, tmp_path):
    factory.add_reference_data(engine, NOW)
    out = tmp_path / "none.csv"
    assert export.export(engine, "orders", out, "csv", "manager", date(2020, 1, 1), date(2020, 1, 2), raw=True) == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(header) == 1 and '"channel_order_no"' in header[0] and '"goods_cents"' in header[0]


def test_tickets_export_with_their_order_reason_label_and_masked_phone(shop, tmp_path):
    def ticket(number: str, order_id: int, reason: str, opened: datetime, refund: int | None) -> dict:
        return {
            "number": number,
            "order_id": order_id,
            "type": "refund",
            "reason": reason,
            "status": "submitted",
            "created_by": "客服-小美",
            "created_at": opened,
            "first_response_due": opened,
            "resolution_due": opened,
            "updated_at": opened,
            "refund_cents": refund,
        }

    with transaction(shop) as conn:
        conn.execute(
            insert(tickets),
            [
                ticket("T20260315-001", 7, "quality", datetime(2026, 3, 15, 10), 4500),
                ticket("T20260201-001", 8, "changed_mind", datetime(2026, 2, 1, 10), None),
            ],
        )
        order_no, phone = conn.execute(select(orders.c.channel_order_no, orders.c.phone).where(orders.c.id == 7)).one()
    out = tmp_path / "tickets.csv"
    assert export.export(shop, "tickets", out, "csv", "analyst", *MARCH, raw=True) == 1
    row = pd.read_csv(out, encoding="utf-8-sig", dtype={"phone": str}).iloc[0]
    assert (row["number"], row["channel_order_no"], row["reason_label"]) == ("T20260315-001", order_no, "质量问题")
    assert row["phone"] == f"138****{phone[-4:]}" and row["refund_cents"] == 4500


def test_bad_requests_get_a_sentence_not_a_traceback(engine, tmp_path):
    with pytest.raises(InvalidInput, match="after the end date"):
        export.export(engine, "orders", tmp_path / "x.csv", "csv", "analyst", date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="Unknown export format"):
        export.export(engine, "orders", tmp_path / "x.ods", "ods", "analyst")
    with pytest.raises(InvalidInput, match="Unknown language"):
        export.export(engine, "orders", tmp_path / "x.csv", "csv", "analyst", lang="fr")
    with pytest.raises(InvalidInput, match="Unknown export"):
        export.export(engine, "customers", tmp_path / "x.csv", "csv", "analyst")


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORDERHUB_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "cli.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_cli_exports_a_masked_csv_for_a_role(engine, sqlite_url, tmp_path):
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 200, NOW)
    out = tmp_path / "march.csv"
    done = cli(
        "export",
        "orders",
        "--format",
        "csv",
        "--out",
        str(out),
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-15",
        "--role",
        "manager",
        "--raw",
        url=sqlite_url,
    )
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"phone": str})
    assert f"{len(frame):,} orders rows written" in done.stderr
    assert frame["phone"].str.contains(r"\*\*\*\*").all()


def test_the_cli_says_what_is_wrong_in_one_line(engine, sqlite_url, tmp_path, monkeypatch, capsys):
    import cli

    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    out = str(tmp_path / "x.csv")
    for args, message in (
        (("orders", "--out", out, "--role", "warehouse"), "may not export"),
        (("stock", "--out", out, "--from", "2026-03-01"), "do not apply"),
    ):
        assert cli.main(["export", *args]) == 1
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error and error.count("\n") == 1
    with pytest.raises(SystemExit) as exit_:
        cli.main(["export", "orders", "--out", out, "--from", "2026-13-01"])
    assert exit_.value.code == 2 and "not a date like 2026-03-01" in capsys.readouterr().err
