"""Exports as spreadsheet programs and platforms write them (tests/fixtures/real): any delimiter,
title lines above the header, European numbers, US and European dates, dates that read either way."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.file_reading import read_table
from connectors.files import import_file
from core.errors import AmbiguousDates, InvalidInput
from core.orders.tables import order_lines, orders
from core.stock.tables import skus
from tests.files.files_helpers import quarantined, rejects

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def stored(engine) -> dict[str, tuple]:
    """Orders by number: (created_at, paid_at, shipping fee cents, {sku: (qty, unit price cents)})."""
    with engine.connect() as conn:
        found = {
            r.channel_order_no: (r.created_at, r.paid_at, r.shipping_fee_cents, {})
            for r in conn.execute(select(orders))
        }
        for r in conn.execute(
            select(orders.c.channel_order_no, skus.c.sku, order_lines.c.qty, order_lines.c.unit_price_cents)
            .select_from(orders)
            .join(order_lines)
            .join(skus)
        ):
            found[r.channel_order_no][3][r.sku] = (r.qty, r.unit_price_cents)
    return found


EXPECTED = {
    # `;` and decimal commas: 1.234,50 is 1234.50; dates day-first because 20/02 can be nothing else.
    "eu_semicolon.csv": {
        "EU-1001": (
            datetime(2011, 2, 20, 14, 5),
            datetime(2011, 2, 20, 14, 7),
            450,
            {"PET-FOOD-2KG": (2, 5990), "CAT-TOY-BALL": (1, 123450)},
        ),
        "EU-1002": (datetime(2011, 3, 3, 9), None, 0, {"DOG-LEASH-L": (1, 3900)}),
    },
    "unicode_text.txt": {
        "TAB-1": (datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 1, 9, 31), 0, {"PET-FOOD-2KG": (1, 5990)}),
        "TAB-2": (datetime(2026, 3, 2, 10), None, 0, {"DOG-LEASH-L": (2, 3900)}),
    },
    "pipe.csv": {
        "PIPE-1": (datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 1, 9, 31), 0, {"CAT-TOY-BALL": (3, 990)}),
        "PIPE-2": (datetime(2026, 3, 5, 18, 45), datetime(2026, 3, 5, 18, 46), 600, {"PET-FOOD-2KG": (1, 5990)}),
    },
    "gbk_title_lines.csv": {
        "GBK-1": (datetime(2026, 3, 1, 10), datetime(2026, 3, 1, 10, 2), 0, {"PET-FOOD-2KG": (1, 5990)}),
        "GBK-2": (datetime(2026, 3, 2, 11), None, 0, {"DOG-LEASH-L": (1, 3900)}),
    },
    "title_row.xlsx": {
        "XL-1": (datetime(2026, 3, 1, 10), datetime(2026, 3, 1, 10, 2), 0, {"PET-FOOD-2KG": (2, 5990)}),
        "XL-2": (datetime(2026, 3, 2, 11), None, 0, {"DOG-LEASH-L": (1, 3900)}),
    },
    # Month-first because 11/20 can be nothing else; 11/8/2018 is then 8 November.
    "us_dates.csv": {
        "US-1": (datetime(2018, 11, 8, 9, 15), datetime(2018, 11, 8, 9, 20), 0, {"PET-FOOD-2KG": (1, 5990)}),
        "US-2": (datetime(2018, 11, 20, 16, 40), datetime(2018, 11, 20, 16, 41), 0, {"CAT-TOY-BALL": (2, 990)}),
    },
    "us_short_year.csv": {
        "US-11": (datetime(2011, 2, 20, 11, 39), datetime(2011, 2, 20, 11, 40), 0, {"PET-FOOD-2KG": (1, 5990)}),
        "US-12": (datetime(2010, 12, 1, 8, 26), None, 0, {"DOG-LEASH-L": (1, 3900)}),
    },
    "eu_dates.csv": {
        "EUD-1": (datetime(2011, 2, 20), datetime(2011, 2, 20), 0, {"PET-FOOD-2KG": (1, 5990)}),
        "EUD-2": (datetime(2011, 3, 5), None, 0, {"DOG-LEASH-L": (1, 3900)}),
    },
}
# The row ordering nothing (quantity 0), numbered as Excel shows it below the title lines.
REJECTS = {
    "gbk_title_lines.csv": [("gbk_title_lines.csv", 6, "zero_qty")],
    "title_row.xlsx": [("title_row.xlsx", 7, "zero_qty")],
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_real_export_lands_its_orders_with_their_dates_and_amounts_exact(store, name):
    summary = import_file(store, "generic", REAL / name)
    assert rejects(summary) == REJECTS.get(name, [])
    assert summary.new == len(EXPECTED[name])
    assert stored(store) == EXPECTED[name]


@pytest.mark.parametrize(
    ("name", "sep", "header_row"),
    [
        ("eu_semicolon.csv", ";", 1),
        ("unicode_text.txt", "\t", 1),
        ("pipe.csv", "|", 1),
        ("gbk_title_lines.csv", ",", 3),
    ],
)
def test_the_delimiter_and_the_header_row_are_found(name, sep, header_row):
    table = read_table(REAL / name)
    assert list(table.frame.columns[:3]) == ["order_no", "created_at", "paid_at"]
    assert table.rows[0] == header_row + 1
    assert len(table.frame.columns) == 14


def test_title_and_summary_rows_as_excel_saves_them_are_skipped_and_rows_keep_their_numbers(tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(
        "订单报表,,,,\r\n导出时间:,2026-11-30,,,\r\n,,,,\r\n"
        "order_no,created_at,status,sku,qty\r\nA1,2026-01-05,paid,PET-FOOD-2KG,1\r\n,,,,\r\nA2,2026-01-06,paid,CAT-TOY-BALL,2\r\n".encode(
            "utf-8-sig"
        )
    )
    table = read_table(path)
    assert list(table.frame.columns) == ["order_no", "created_at", "status", "sku", "qty"]
    assert table.frame["order_no"].tolist() == ["A1", "A2"]
    assert table.rows.tolist() == [5, 7]


def test_a_file_without_title_lines_keeps_its_first_row_as_header_even_if_it_has_numbers(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"order_no,2026,qty\n1,2,3\n")
    assert list(read_table(path).frame.columns) == ["order_no", "2026", "qty"]


def test_a_semicolon_file_keeps_commas_that_are_not_decimal_commas(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_bytes(b"order_no;address;unit_price;qty\n1;Weg 1,5;12,50;1\n2;Platz 2;1.234;2\n")
    frame = read_table(path).frame
    assert frame["address"].tolist() == ["Weg 1,5", "Platz 2"]
    assert frame["unit_price"].tolist() == ["12.50", "1234"]


def test_quoted_cells_with_the_other_delimiters_do_not_decide_the_delimiter(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_bytes(b'order_no,address,qty\n1,"Rue A; B; C|D",1\n2,"Weg; 1",2\n3,"x;y;z;w",3\n')
    table = read_table(path)
    assert list(table.frame.columns) == ["order_no", "address", "qty"]
    assert table.frame["address"].tolist() == ["Rue A; B; C|D", "Weg; 1", "x;y;z;w"]


def test_dates_that_read_either_way_are_asked_about_and_nothing_is_written(store):
    with pytest.raises(AmbiguousDates) as raised:
        import_file(store, "generic", REAL / "ambiguous_dates.csv")
    assert raised.value.choices == {"created_at": ("m/d/Y", "d/m/Y"), "paid_at": ("m/d/Y", "d/m/Y")}
    assert isinstance(raised.value, InvalidInput)
    assert "\n" not in str(raised.value) and "--date-format 'created_at=m/d/Y'" in str(raised.value)
    assert stored(store) == {} and quarantined(store) == 0


@pytest.mark.parametrize(
    ("order", "created"),
    [
        ("d/m/Y", [datetime(2026, 2, 1, 10), datetime(2026, 4, 3, 11), datetime(2026, 10, 11, 12)]),
        ("m/d/Y", [datetime(2026, 1, 2, 10), datetime(2026, 3, 4, 11), datetime(2026, 11, 10, 12)]),
    ],
)
def test_the_users_choice_reads_ambiguous_dates(store, order, created):
    summary = import_file(
        store, "generic", REAL / "ambiguous_dates.csv", date_formats={"created_at": order, "paid_at": order}
    )
    assert (summary.new, summary.rejected) == (3, 0)
    got = stored(store)
    assert [got[n][0] for n in ("AMB-1", "AMB-2", "AMB-3")] == created
    assert got["AMB-1"][1] == created[0].replace(minute=5)


def test_a_date_format_that_is_not_an_order_is_refused(store):
    with pytest.raises(InvalidInput, match="Unknown date format 'Y/d/m'"):
        import_file(store, "generic", REAL / "ambiguous_dates.csv", date_formats={"created_at": "Y/d/m"})
