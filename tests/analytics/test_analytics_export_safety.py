"""What leaves OrderHub for a person is safe: no live formula in a CSV, no phone number of a
buyer inside free text for a role that may not see phones."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import analytics_factory as factory
import pandas as pd
import pytest
from analytics_factory import EXPORTERS, FORMULA_START, HOSTILE, LANDLINE, MOBILE
from sqlalchemy import select, update

from core import phones
from core.analytics import export
from core.identity import access
from core.orders.tables import orders
from core.spreadsheet import inert, inert_frame
from core.store.db import transaction

NOW = datetime(2026, 3, 16, 9, 30)
ROOT = Path(__file__).resolve().parents[2]
MARCH = (date(2026, 3, 1), date(2026, 3, 15))


@pytest.fixture
def hostile_shop(any_engine):
    factory.add_reference_data(any_engine, NOW)
    factory.seed(any_engine, 120, NOW)
    with transaction(any_engine) as conn:
        ids = conn.execute(select(orders.c.id).order_by(orders.c.id)).scalars().all()
        for i, order_id in enumerate(ids):
            text = HOSTILE[i % len(HOSTILE)]
            conn.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(address=text, buyer_remark=HOSTILE[(i + 1) % len(HOSTILE)], seller_remark=text[:200])
            )
    return any_engine


def cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("role", EXPORTERS)
def test_no_exported_csv_cell_runs_as_a_formula_and_masked_roles_see_no_phone(hostile_shop, tmp_path, role):
    out = tmp_path / f"{role}.csv"
    export.export(hostile_shop, "orders", out, "csv", role, *MARCH, raw=True)
    rows = cells(out)
    header, body = rows[0], rows[1:]
    assert body, "the export has rows"
    live = [cell for row in body for cell in row if FORMULA_START.match(cell)]
    assert live == []
    free = [header.index(name) for name in ("address", "buyer_remark", "seller_remark")]
    texts = [row[i] for row in body for i in free]
    assert any(t.startswith("'=HYPERLINK") for t in texts)  # kept, as text
    assert any("3082612345678901234" in t for t in texts)  # a long order number is no phone
    leaked = [t for t in texts if MOBILE.search(t) or LANDLINE.search(t)]
    if access.FIELD_POLICY[role]["phone"] == "show":
        assert leaked, "a role that sees phones keeps them"
    else:
        assert leaked == []
        assert any("139****5678" in t for t in texts)


def test_a_parquet_export_keeps_raw_values_for_machines(hostile_shop, tmp_path):
    out = tmp_path / "orders.parquet"
    export.export(hostile_shop, "orders", out, "parquet", "admin", *MARCH)
    addresses = set(pd.read_parquet(out)["address"])
    assert HOSTILE[0] in addresses and "\t=1+1" in addresses


def test_phones_inside_text_are_masked_but_other_numbers_kept():
    assert phones.mask_in_text("上海市 联系电话13912345678") == "上海市 联系电话139****5678"
    assert phones.mask_in_text("电话 +86 139-1234-5678") == "电话 139****5678"
    assert phones.mask_in_text("座机 0755 1234567") == "座机 0755-****4567"
    assert phones.mask_in_text("订单 3082612345678901234 与 SKU 20261130") == "订单 3082612345678901234 与 SKU 20261130"


def test_masked_rows_and_frames_mask_free_text_for_roles_without_phones():
    row = {"phone": "13912345678", "address": "北京 13912345678", "buyer_remark": "call 13812345678"}
    assert access.mask_rows("analyst", [row]) == [
        {"phone": "139****5678", "address": "北京 139****5678", "buyer_remark": "call 138****5678"}
    ]
    assert access.mask_rows("admin", [row]) == [row]
    frame = access.mask_frame("warehouse", pd.DataFrame([row]))
    assert "phone" not in frame and frame.loc[0, "address"] == "北京 139****5678"


def test_frames_for_download_and_single_cells_are_made_inert():
    frame = inert_frame(pd.DataFrame({"a": ["=1+1", "ok", None], "n": [1, -2, 3]}))
    assert frame["a"].tolist()[:2] == ["'=1+1", "ok"] and frame["n"].tolist() == [1, -2, 3]
    assert inert("@x") == "'@x" and inert(-5) == -5 and inert("a=b") == "a=b"


def test_no_table_offers_its_own_download_or_copy_button():
    """Grid downloads would bypass the export right, masks and formula neutralising."""
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "\ndisableDataExport = true\n" in shown
