"""Exports for people: Chinese or English headers and labels, amounts in 元, long numbers as text,
an XLSX with typed cells, and a hostile store's every export safe in every format for every role."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal

import analytics_factory as factory
import openpyxl
import pandas as pd
import pytest
from analytics_factory import EXPORTERS, FORMULA_START, HOSTILE, LANDLINE, MOBILE
from sqlalchemy import insert, select, update

from core import spreadsheet
from core.aftersales.tables import tickets
from core.analytics import export
from core.analytics.export_people import DROPPED, header
from core.identity import access
from core.orders.tables import orders
from core.store.db import make_engine, migrate, transaction

NOW = datetime(2026, 3, 16, 9, 30)
MARCH = (date(2026, 3, 1), date(2026, 3, 15))
CORPUS = [*HOSTILE, "\x1b[31m 控制字符 13812345678", "\u200f عنوان 13912345678 \u200e"]
FREE_TEXT = ("address", "buyer_remark", "seller_remark")


def long_number(prefix: str, order_id: int) -> str:
    """19 digits, more than a spreadsheet's 15 significant ones."""
    return f"{prefix}{order_id:015d}"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """Orders with 19-digit order and tracking numbers and hostile free text, shared by the module."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'orderhub.db'}")
    migrate(engine)
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 90, NOW)
    with transaction(engine) as conn:
        for order_id in conn.execute(select(orders.c.id).order_by(orders.c.id)).scalars().all():
            conn.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(
                    channel_order_no=long_number("3082", order_id),
                    tracking_no=long_number("7730", order_id),
                    carrier="SF",
                    address=CORPUS[order_id % len(CORPUS)],
                    buyer_remark=CORPUS[(order_id + 1) % len(CORPUS)],
                    seller_remark=CORPUS[(order_id + 2) % len(CORPUS)],
                )
            )
        conn.execute(update(orders).where(orders.c.id == 3).values(status="on_hold", hold_reason="review"))
    yield engine
    engine.dispose()


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def read_xlsx(path) -> list[list[openpyxl.cell.Cell]]:
    return [list(row) for sheet in openpyxl.load_workbook(path).worksheets for row in sheet.iter_rows()]


def read_cells(path, fmt: str) -> tuple[list[str], list[list[object]]]:
    """(header, rows) of an export file, cells as written (XLSX: the openpyxl cells)."""
    if fmt == "csv":
        rows = read_csv(path)
        return rows[0], rows[1:]
    if fmt == "xlsx":
        rows = read_xlsx(path)
        return [cell.value for cell in rows[0]], rows[1:]
    frame = pd.read_parquet(path)
    return list(frame.columns), frame.astype(object).where(frame.notna(), None).values.tolist()


def text_of(cell: object) -> str | None:
    value = cell.value if isinstance(cell, openpyxl.cell.Cell) else cell
    return value if isinstance(value, str) else None


@pytest.mark.parametrize("fmt", export.FORMATS)
@pytest.mark.parametrize("role", EXPORTERS)
def test_a_hostile_store_exports_safely_in_every_format_for_every_role(hostile_store, tmp_path, role, fmt):
    out = tmp_path / f"orders.{fmt}"
    written = export.export(hostile_store, "orders", out, fmt, role)
    names, rows = read_cells(out, fmt)
    assert written == len(rows) == 90
    raw = fmt == "parquet"
    column = {
        name: names.index(name if raw else header("orders", name, "zh")) for name in ("channel_order_no", "address")
    }
    texts = [text for row in rows for cell in row if (text := text_of(cell)) is not None]

    if fmt == "xlsx":
        assert [cell.coordinate for row in rows for cell in row if cell.data_type == "f"] == []
    if not raw:  # Parquet is for machines: raw values, "\t=1+1" included
        assert [text for text in texts if FORMULA_START.match(text)] == []

    leaked = [text for text in texts if MOBILE.search(text) or LANDLINE.search(text)]
    if access.FIELD_POLICY[role]["phone"] == "show":
        assert leaked
    else:
        assert leaked == []

    order_numbers = [row[column["channel_order_no"]] for row in rows]
    if fmt == "xlsx":
        assert {cell.data_type for cell in order_numbers} == {"s"}
        order_numbers = [cell.value for cell in order_numbers]
    if fmt == "csv":  # the invisible tab that keeps a spreadsheet from reading a number
        assert all(number.endswith("\t") for number in order_numbers)
        order_numbers = [number.removesuffix("\t") for number in order_numbers]
    assert order_numbers == [long_number("3082", order_id) for order_id in range(1, 91)]
    addresses = [text_of(row[column["address"]]) for row in rows]
    assert any("🐱 猫粮 \u202e RTL" in text for text in addresses)


def test_people_read_chinese_headers_labels_and_yuan_and_english_with_lang_en(hostile_store, tmp_path):
    with hostile_store.connect() as conn:
        want = pd.read_sql(select(orders).order_by(orders.c.id), conn)
    for lang, shipped, channel, paid, held in (
        ("zh", "已出库", "淘宝/天猫", "实付（元）", "待审核（异常订单）"),
        ("en", "Shipped", "Taobao/Tmall", "Paid (CNY)", "Held for review (exception)"),
    ):
        out = tmp_path / f"{lang}.csv"
        export.export(hostile_store, "orders", out, "csv", "finance", lang=lang)
        frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert shipped in set(frame[header("orders", "status", lang)]) and channel in set(
            frame[header("orders", "channel", lang)]
        )
        assert frame[paid].tolist() == [f"{cents / 100:.2f}" for cents in want["paid_cents"]]
        assert frame[header("orders", "created_at", lang)].str.fullmatch(r"2026-\d\d-\d\d \d\d:\d\d:\d\d").all()
        assert set(frame[header("orders", "carrier", lang)]) == {"顺丰速运" if lang == "zh" else "SF"}
        assert frame[header("orders", "hold_reason", lang)].tolist()[2] == held


def test_raw_keeps_codes_cents_and_snake_case_for_scripts(hostile_store, tmp_path):
    out = tmp_path / "raw.csv"
    export.export(hostile_store, "orders", out, "csv", "finance", raw=True)
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame.columns[0] == "channel_order_no" and "paid_cents" in frame.columns
    assert "shipped" in set(frame["status"]) and frame["paid_cents"].str.fullmatch(r"\d+").all()
    assert frame["channel_order_no"].str.fullmatch(r"\d{19}").all()  # no tab: scripts get the value


def test_every_column_of_every_dataset_has_a_header_in_both_languages():
    for dataset, spec in export.DATASETS.items():
        shown_columns = [c for c in [*spec.columns, *export.TAX_COLUMNS] if c not in DROPPED.get(dataset, ())]
        for column in shown_columns:
            for lang in ("zh", "en"):
                shown = header(dataset, column, lang)
                assert shown != column and not shown.startswith(("col.", "export.", "aftersales.")), (dataset, column)
            assert column == "sku" or any("\u4e00" <= char <= "\u9fff" for char in header(dataset, column, "zh"))


def test_tickets_show_their_type_status_and_reason_in_the_language(hostile_store, tmp_path):
    with transaction(hostile_store) as conn:
        opened = datetime(2026, 3, 10, 10)
        conn.execute(
            insert(tickets),
            {
                "number": "AS20260310-0001",
                "order_id": 5,
                "type": "return",
                "reason": "quality",
                "status": "awaiting_return",
                "created_by": "客服-小美",
                "created_at": opened,
                "first_response_due": opened,
                "resolution_due": opened,
                "updated_at": opened,
                "refund_cents": 4550,
            },
        )
    try:
        for lang, shown in (("zh", ["退货退款", "质量问题", "待买家退货", "45.50"]), ("en", ["Return and refund"])):
            out = tmp_path / f"tickets_{lang}.csv"
            export.export(hostile_store, "tickets", out, "csv", "finance", *MARCH, lang=lang)
            head, row = read_csv(out)
            assert all(value in row for value in shown), row
            assert "reason_label" not in head and header("tickets", "reason", lang) in head
    finally:
        with transaction(hostile_store) as conn:
            conn.execute(tickets.delete())


def test_an_xlsx_has_typed_cells_a_frozen_bold_header_and_readable_widths(hostile_store, tmp_path):
    out = tmp_path / "orders.xlsx"
    export.export(hostile_store, "orders", out, "xlsx", "finance")
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "订单" and sheet.freeze_panes == "A2"
    head = [cell.value for cell in sheet[1]]
    assert all(cell.font.bold for cell in sheet[1])
    row = {name: cell for name, cell in zip(head, sheet[2], strict=True)}
    paid = row["实付（元）"]
    assert paid.data_type == "n" and paid.number_format == "0.00"
    assert isinstance(row["下单时间"].value, datetime) and row["下单时间"].number_format.startswith("yyyy-mm-dd")
    assert row["运单号"].data_type == "s" and len(row["运单号"].value) == 19
    widths = {
        name: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i, name in enumerate(head, 1)
    }
    assert widths["订单号"] >= 19 and widths["收货地址"] > widths["渠道"]
    assert all("\x1b" not in (cell.value or "") for line in sheet.iter_rows() for cell in line if cell.data_type == "s")


def test_an_xlsx_larger_than_a_sheet_goes_on_to_the_next_sheet_with_its_header(hostile_store, tmp_path, monkeypatch):
    monkeypatch.setattr(spreadsheet, "XLSX_MAX_ROWS", 41)  # the header and 40 orders per sheet
    out = tmp_path / "orders.xlsx"
    assert export.export(hostile_store, "orders", out, "xlsx", "analyst", lang="en") == 90
    sheets = openpyxl.load_workbook(out).worksheets
    assert [sheet.title for sheet in sheets] == ["Orders", "Orders (2)", "Orders (3)"]
    assert [sheet.max_row for sheet in sheets] == [41, 41, 11]
    assert all(sheet["A1"].value == "Order no." and sheet.freeze_panes == "A2" for sheet in sheets)


def test_an_empty_xlsx_still_has_its_header(engine, tmp_path):
    out = tmp_path / "none.xlsx"
    assert export.export(engine, "stock", out, "xlsx", "analyst") == 0
    assert [cell.value for cell in openpyxl.load_workbook(out).active[1]][:2] == ["SKU", "名称"]


def test_the_cli_writes_an_english_xlsx(hostile_store, tmp_path, monkeypatch, capsys):
    import cli

    monkeypatch.setenv("ORDERHUB_DATABASE_URL", hostile_store.url.render_as_string(hide_password=False))
    out = tmp_path / "march.xlsx"
    args = ["export", "orders", "--format", "xlsx", "--lang", "en", "--role", "finance", "--out", str(out)]
    assert cli.main([*args, "--from", "2026-03-01", "--to", "2026-03-15"]) == 0
    head = [cell.value for cell in openpyxl.load_workbook(out).active[1]]
    assert head[:4] == ["Order no.", "Channel", "Shop", "Status"] and "Total incl. VAT (CNY)" in head
    assert "orders rows written" in capsys.readouterr().err


def test_an_amount_in_yuan_is_exact(hostile_store, tmp_path):
    out = tmp_path / "orders.parquet"
    export.export(hostile_store, "orders", out, "parquet", "finance", raw=False)
    frame = pd.read_parquet(out)
    assert all(isinstance(value, Decimal) and value.as_tuple().exponent == -2 for value in frame["实付（元）"])
