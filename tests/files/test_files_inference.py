"""Files no shipped mapping was written for: a proposed mapping, status from what the file has,
saved mappings offered again, every column no field took listed, and dry runs that write nothing."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.file_choice import choose, save_mapping
from connectors.file_inference import mapping_from_columns, propose, propose_file, suggestion_toml
from connectors.file_mapping import StatusRule, channels, load_mapping, mapping_toml, parse_mapping, read_mapping
from connectors.file_reading import read_table
from connectors.files import dry_run, import_file
from core.errors import InvalidInput
from core.orders.tables import orders
from tests.files.files_helpers import EXPORTS, quarantined, stored

REAL = EXPORTS.parent / "real"
FIXTURES = sorted(p.name for p in REAL.glob("inf_*.csv"))
SUPERSTORE_UNMAPPED = [
    "Row ID",
    "Ship Mode",
    "Customer ID",
    "Segment",
    "Postal Code",
    "Region",
    "Category",
    "Sub-Category",
    "Product Name",
    "Discount",
    "Profit",
]


def real(name: str) -> Path:
    return REAL / name


def guesses(name: str) -> dict[str, str | None]:
    return {g.column: g.field for g in propose_file(real(name)).columns}


def test_an_english_order_report_is_read_by_a_proposed_mapping(store):
    assert guesses("inf_superstore_orders.csv") == {
        **dict.fromkeys(SUPERSTORE_UNMAPPED),
        "Order ID": "order_no",
        "Order Date": "created_at",
        "Ship Date": "shipped_at",
        "Customer Name": "buyer",
        "Country": "country",
        "City": "city",
        "State": "province",
        "Product ID": "sku",
        "Sales": "line_total",
        "Quantity": "qty",
    }
    summary = import_file(store, "auto", real("inf_superstore_orders.csv"))
    assert summary.mapping == {"name": "proposed", "source": "proposed"}
    assert (summary.orders, summary.lines, summary.new, summary.rejected) == (4, 6, 4, 0)
    # No status column: shipped where the file has a ship date, the rest paid.
    assert summary.statuses == {"shipped": 3, "paid": 1}
    assert summary.unmapped_columns == SUPERSTORE_UNMAPPED
    got = stored(store)
    assert got["CA-2026-152156"]["lines"] == {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (3, 990)}
    assert (got["CA-2026-138688"]["status"], got["CA-2026-138688"]["province"]) == ("paid", "California")


def test_a_chinese_erp_export_with_its_own_header_names_imports(store):
    summary = import_file(store, "auto", real("inf_erp_lines.csv"))
    assert (summary.mapping["source"], summary.new, summary.lines) == ("proposed", 2, 3)
    assert summary.unmapped_columns == ["商品名称", "仓库"]
    assert summary.statuses == {"paid": 2}  # by their payment time
    # Its only time is the payment time: an order without one has no date, and says so.
    assert [(e.row, e.code) for e in summary.errors] == [(5, "missing_date")]
    got = stored(store)
    first = got["E202601050001"]
    assert first["lines"] == {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (1, 990)}  # 实付金额 is the line total
    assert (first["goods_cents"], first["buyer"], first["phone"], first["province"]) == (
        12970,
        "张伟",
        "13800138000",
        "广东",
    )
    assert str(first["created_at"]) == "2026-01-05 10:02:11"  # no order time: the payment time


def test_status_words_of_a_status_column_are_recognised_and_others_stay_unknown(store, tmp_path):
    summary = import_file(store, "auto", real("inf_erp_with_status.csv"))
    assert summary.statuses == {"shipped": 1, "paid": 1, "completed": 1}
    odd = tmp_path / "odd.csv"
    odd.write_text(
        real("inf_erp_with_status.csv").read_text(encoding="utf-8").replace("待发货", "神秘状态"), encoding="utf-8"
    )
    summary = dry_run(store, odd)
    assert [(e.row, e.code) for e in summary.errors] == [(3, "unknown_status")]


def test_an_order_only_report_derives_each_status_and_keeps_its_refund_column(store):
    summary = import_file(store, "auto", real("inf_order_report.csv"))
    assert (summary.new, summary.lines, summary.rejected) == (4, 0, 0)
    assert summary.unmapped_columns == []  # 退款金额 is the orders' refund: nothing dropped
    got = stored(store)
    assert {no: got[no]["status"] for no in got} == {
        "R1001": "shipped",  # ship time
        "R1002": "paid",  # payment time only
        "R1003": "pending_payment",  # neither
        "R1004": "shipped",  # a tracking number
    }
    assert (got["R1001"]["paid_cents"], got["R1001"]["tracking_no"]) == (12800, "SF1234567890")
    assert got["R1004"]["province"] == "California"


def test_a_shipped_mapping_that_fits_is_used_and_the_extra_columns_are_listed(store):
    summary = import_file(store, "auto", real("inf_extra_columns.csv"))
    assert summary.mapping == {"name": "generic", "source": "shipped"}
    assert summary.unmapped_columns == ["gift_wrap", "utm_source", "order_total"]
    assert (summary.new, summary.rejected) == (2, 0)


def test_every_import_lists_the_columns_its_mapping_left_out(store):
    summary = import_file(store, "jd", EXPORTS / "jd.gbk.csv")
    assert summary.mapping == {"name": "jd", "source": "shipped"}
    assert summary.as_dict()["unmapped_columns"] == summary.unmapped_columns
    assert set(summary.unmapped_columns) == set(read_table(EXPORTS / "jd.gbk.csv").frame.columns) - set(
        load_mapping("jd").columns_taken()
    )


def test_an_order_only_mapping_is_not_chosen_for_a_file_with_lines():
    """Taobao's order report fits by its required columns, but would drop this file's SKUs."""
    table = read_table(real("inf_erp_with_status.csv"))
    assert {"订单编号", "订单创建时间", "订单状态"} <= set(table.frame.columns)
    assert choose(table).source == "proposed"
    assert choose(read_table(EXPORTS / "taobao_orders.gbk.csv")).name == "taobao"


@pytest.mark.parametrize("name", FIXTURES)
def test_a_proposed_mapping_survives_toml_unchanged(name):
    mapping = propose_file(real(name)).mapping
    assert parse_mapping(tomllib.loads(mapping_toml(mapping)), Path("x.toml")) == mapping
    assert parse_mapping(tomllib.loads(suggestion_toml(propose_file(real(name)), name)), Path("x.toml")) == mapping


@pytest.mark.parametrize("channel", channels())
def test_every_shipped_mapping_written_out_reads_back_the_same(channel):
    mapping = load_mapping(channel)
    assert parse_mapping(tomllib.loads(mapping_toml(mapping)), Path(f"{channel}.toml")) == mapping


def test_a_saved_mapping_is_offered_again_for_files_with_the_same_headers(store, saved_mappings, tmp_path):
    table = read_table(real("inf_erp_lines.csv"))
    edited = mapping_from_columns(table, {**{g.column: g.field for g in propose(table).columns}, "仓库": "shop"})
    path = save_mapping(edited, "my-erp")
    assert path == saved_mappings / "my-erp.toml"
    assert read_mapping(path) == edited
    again = tmp_path / "next_week.csv"  # another export of the same tool
    again.write_text(real("inf_erp_lines.csv").read_text(encoding="utf-8").replace("E2026", "F2026"), encoding="utf-8")
    summary = import_file(store, "auto", again)
    assert summary.mapping == {"name": "my-erp", "source": "saved"}
    assert summary.unmapped_columns == ["商品名称"]
    assert stored(store)["F202601050002"]["shop"] == "华东仓"


def test_a_column_given_the_same_field_twice_is_read_first_non_empty():
    table = read_table(real("inf_order_report.csv"))
    mapping = mapping_from_columns(table, {"订单号": "order_no", "付款时间": "created_at", "下单时间": "created_at"})
    assert mapping.sheet.columns["created_at"] == ("下单时间", "付款时间")  # in file order
    assert (mapping.layout, mapping.default_status) == ("orders", "paid")
    with pytest.raises(InvalidInput, match="order number"):
        mapping_from_columns(table, {"下单时间": "created_at"})


def test_a_default_status_applies_where_no_rule_matches_and_without_one_the_order_is_refused(store, tmp_path):
    table = read_table(real("inf_order_report.csv"))
    fields = {"订单号": "order_no", "下单时间": "created_at", "付款时间": "paid_at"}
    completed = mapping_from_columns(table, fields, default_status="completed")
    assert dry_run(store, real("inf_order_report.csv"), mapping=completed).statuses == {"paid": 3, "completed": 1}
    no_default = replace(completed, default_status=None)
    refused = dry_run(store, real("inf_order_report.csv"), mapping=no_default)
    assert [(e.row, e.code) for e in refused.errors] == [(4, "unknown_status")]


def test_a_mapping_with_neither_status_rules_nor_default_is_broken(tmp_path):
    path = tmp_path / "bare.toml"
    path.write_text('channel = "generic"\nlayout = "orders"\n[sheet.columns]\norder_no = "单号"\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="no status rules and no default status"):
        read_mapping(path)
    path.write_text(path.read_text(encoding="utf-8") + '[status]\ndefault = "paid"\n', encoding="utf-8")
    assert read_mapping(path).default_status == "paid"


def test_a_dry_run_writes_nothing_and_reports_what_the_import_would(store, tmp_path):
    bad = tmp_path / "orders.csv"
    bad.write_text(
        real("inf_erp_lines.csv").read_text(encoding="utf-8").replace(",1,45.00,", ",two,45.00,"), encoding="utf-8"
    )
    trial = dry_run(store, bad)
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 0
    assert quarantined(store) == 0
    real_run = import_file(store, "auto", bad)
    same = ("rows", "orders", "lines", "statuses", "rejected", "rejected_orders", "unmapped_columns", "mapping")
    assert {k: getattr(trial, k) for k in same} == {k: getattr(real_run, k) for k in same}
    assert (trial.dry_run, trial.orders, [(e.row, e.code) for e in trial.errors]) == (
        True,
        1,
        [(4, "bad_qty"), (5, "missing_date")],
    )


def test_a_file_without_an_order_number_column_cannot_be_proposed_for(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("备注,数量\n你好,1\n", encoding="utf-8")
    assert propose_file(path).mapping is None
    with pytest.raises(InvalidInput, match="no column looks like an order number"):
        choose(read_table(path))


def test_a_mapping_name_never_becomes_a_path_elsewhere(saved_mappings):
    mapping = propose_file(real("inf_erp_lines.csv")).mapping
    for name in ("../evil", "a/b", "", ".hidden"):
        with pytest.raises(InvalidInput):
            save_mapping(mapping, name)
    assert list(saved_mappings.iterdir()) == []


def test_with_a_status_column_a_ship_date_is_left_out_and_listed(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        "Order ID,Order Date,Ship Date,Order Status,SKU,Quantity,Unit Price\n"
        "A1,2026-01-02,2026-01-03,Shipped,PET-FOOD-2KG,1,59.90\n",
        encoding="utf-8",
    )
    proposal = propose_file(path)
    assert {g.column: g.field for g in proposal.columns}["Ship Date"] is None
    assert "shipped_at" not in proposal.mapping.sheet.columns
    assert proposal.mapping.status_rules == (StatusRule("status", "shipped", frozenset({"Shipped"})),)


def test_an_edited_table_may_only_name_fields_the_import_reads():
    table = read_table(real("inf_order_report.csv"))
    with pytest.raises(InvalidInput, match="Unknown field.*gift_note"):
        mapping_from_columns(table, {"订单号": "order_no", "收货人": "gift_note"})


@pytest.mark.parametrize(
    ("name", "channel"),
    [
        ("generic.xlsx", "generic"),
        ("jd.gbk.csv", "jd"),
        ("pdd.utf8bom.csv", "pdd"),
        ("shopify.csv", "shopify"),
        ("taobao_orders.utf8bom.csv", "taobao"),
    ],
)
def test_auto_finds_the_channel_of_each_shipped_export(store, name, channel):
    auto = dry_run(store, EXPORTS / name)
    assert auto.mapping == {"name": channel, "source": "shipped"}
    named = dry_run(store, EXPORTS / name, channel)
    assert [(e.row, e.code) for e in auto.errors] == [(e.row, e.code) for e in named.errors]


def test_auto_with_an_items_file_takes_the_mapping_that_has_one(store):
    summary = import_file(store, "auto", EXPORTS / "taobao_orders.gbk.csv", items=EXPORTS / "taobao_items.gbk.csv")
    assert summary.mapping == {"name": "taobao", "source": "shipped"}
    with pytest.raises(InvalidInput, match="No mapping fits jd.gbk.csv with taobao_items.gbk.csv"):
        dry_run(store, EXPORTS / "jd.gbk.csv", items=EXPORTS / "taobao_items.gbk.csv")


@pytest.mark.parametrize(
    ("header", "row", "expected", "statuses"),
    [
        (  # WooCommerce's order export (columns named "(Shipping)", wc- statuses)
            "Order Number,Order Status,Order Date,First Name (Shipping),City (Shipping),State Code (Shipping),"
            "Country Code (Shipping),Phone (Billing),Order Shipping Amount,Order Total Amount,SKU,Item Name,"
            "Quantity (- Refund),Item Cost",
            "1001,wc-processing,2026-01-02 10:00:00,Ann,Austin,TX,US,5551234,5.00,64.90,PET-FOOD-2KG,Dog food,1,59.90",
            {
                "Order Number": "order_no",
                "Order Status": "status",
                "Order Date": "created_at",
                "City (Shipping)": "city",
                "State Code (Shipping)": "province",
                "Country Code (Shipping)": "country",
                "Phone (Billing)": "phone",
                "Order Shipping Amount": "shipping_fee",
                "Order Total Amount": "paid",
                "SKU": "sku",
                "Quantity (- Refund)": "qty",
                "Item Cost": "unit_price",
            },
            {"wc-processing": "paid"},
        ),
        (  # Amazon's order report: hyphenated names, prefixed with what they belong to
            "amazon-order-id,purchase-date,order-status,sku,quantity,item-price,ship-city,ship-state,ship-country",
            "111-222,2026-01-02T10:00:00+00:00,Shipped,PET-FOOD-2KG,1,59.90,Seattle,WA,US",
            {
                "amazon-order-id": "order_no",
                "purchase-date": "created_at",
                "order-status": "status",
                "sku": "sku",
                "quantity": "qty",
                "item-price": "unit_price",
                "ship-city": "city",
                "ship-state": "province",
                "ship-country": "country",
            },
            {"Shipped": "shipped"},
        ),
    ],
)
def test_other_tools_exports_get_a_proposal_that_reads_them(tmp_path, header, row, expected, statuses):
    path = tmp_path / "export.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    proposal = propose_file(path)
    assert {g.column: g.field for g in proposal.columns if g.field} == expected
    assert {next(iter(r.values)): r.status for r in proposal.mapping.status_rules} == statuses
