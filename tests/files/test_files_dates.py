"""Dates written day and month first: read in the one order their whole column fits, asked about
when it fits both (AmbiguousDates), answered per column (`date_formats`, `--date-format`)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectors.file_values import BAD, EMPTY, OK, to_time
from core.errors import AmbiguousDates

ROOT = Path(__file__).resolve().parents[2]
AMBIGUOUS = ROOT / "tests" / "fixtures" / "real" / "ambiguous_dates.csv"


def read(texts: list[str], date_format: str | None = None) -> tuple[list, list]:
    parsed, state = to_time(pd.Series(texts, dtype="str"), date_format, column="Created at")
    return [None if pd.isna(t) else t.to_pydatetime() for t in parsed], state.tolist()


def test_month_first_dates_in_the_ways_spreadsheets_write_them():
    got, state = read(["11/8/2018", "2/20/11 11:39", "12/31/2019 11:39 PM", "1/2/2020 9:05:07 am", "7/4/2026 12:00 AM"])
    assert got == [
        datetime(2018, 11, 8),
        datetime(2011, 2, 20, 11, 39),
        datetime(2019, 12, 31, 23, 39),
        datetime(2020, 1, 2, 9, 5, 7),
        datetime(2026, 7, 4, 0, 0),
    ]
    assert state == [OK] * 5


def test_day_first_dates_with_slashes_dots_and_dashes():
    got, state = read(["20/02/2011", "1.2.2020", "03-04-2019 13:00", "31/12/25 23:59:59"])
    assert got == [
        datetime(2011, 2, 20),
        datetime(2020, 2, 1),
        datetime(2019, 4, 3, 13),
        datetime(2025, 12, 31, 23, 59, 59),
    ]
    assert state == [OK] * 4


@pytest.mark.parametrize(("year", "expected"), [("00", 2000), ("26", 2026), ("69", 2069), ("70", 1970), ("99", 1999)])
def test_two_digit_years_up_to_69_are_this_century(year, expected):
    got, _ = read([f"13/1/{year}", f"31/12/{year} 23:59"])
    assert got == [datetime(expected, 1, 13), datetime(expected, 12, 31, 23, 59)]


def test_a_column_that_fits_both_orders_is_asked_about():
    with pytest.raises(AmbiguousDates) as raised:
        read(["01/02/2026 10:00", "03/04/2026 11:00"])
    assert raised.value.choices == {"Created at": ("m/d/Y", "d/m/Y")}


def test_one_date_of_the_whole_column_decides_its_order():
    # Only the last value (a million rows down it could be) tells the column is day-first.
    texts = ["01/02/2026"] * 30_000 + ["13/02/2026"]
    got, state = read(texts)
    assert got[0] == datetime(2026, 2, 1) and got[-1] == datetime(2026, 2, 13)
    assert set(state) == {OK}


def test_dates_that_read_the_same_either_way_are_not_asked_about():
    got, _ = read(["1/1/2026", "2/2/2026 10:00"])
    assert got == [datetime(2026, 1, 1), datetime(2026, 2, 2, 10)]


def test_the_choice_decides_and_dates_that_cannot_be_read_so_are_bad():
    got, state = read(["01/02/2026", "13/02/2026"], "m/d/Y")
    assert got == [datetime(2026, 1, 2), None]
    assert state == [OK, BAD]


def test_a_column_mixing_both_orders_is_read_the_way_most_of_it_is_and_the_rest_are_bad():
    got, state = read(["13/1/2026", "14/1/2026", "1/13/2026", "garbage 1/1"])
    assert got == [datetime(2026, 1, 13), datetime(2026, 1, 14), None, None]
    assert state == [OK, OK, BAD, BAD]


def test_the_order_is_decided_on_the_day_and_month_first_dates_wherever_they_are_in_the_column():
    got, state = read(["2026-01-01 10:00:00", "", "1/13/2026", "2/14/2026", "13/2/2026", "2026/1/5", "3/4/2026"])
    assert got == [
        datetime(2026, 1, 1, 10),
        None,
        datetime(2026, 1, 13),
        datetime(2026, 2, 14),
        None,
        datetime(2026, 1, 5),
        datetime(2026, 3, 4),
    ]
    assert state == [OK, EMPTY, OK, OK, BAD, OK, OK]


def test_other_formats_in_the_column_are_read_as_before():
    got, state = read(["2026/1/5 10:00", "2026-01-05 10:00:00", "46027.4375", "20/02/2011"])
    assert got == [
        datetime(2026, 1, 5, 10),
        datetime(2026, 1, 5, 10),
        datetime(2026, 1, 5, 10, 30),
        datetime(2011, 2, 20),
    ]
    assert state == [OK] * 4


def test_a_large_month_first_column_is_read_in_vectorised_passes():
    stamps = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(200_000) * 61, unit="s")
    parsed, state = to_time(pd.Series(stamps.strftime("%m/%d/%Y %H:%M"), dtype="str"))
    assert (state == OK).all()
    assert (parsed.to_numpy() == stamps.floor("min").to_numpy()).all()


@pytest.fixture
def cli(store, sqlite_url):
    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "ORDERHUB_DATABASE_URL": sqlite_url}
        return subprocess.run(
            [sys.executable, "cli.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    return run


def test_the_cli_names_the_ambiguous_columns_and_takes_the_answer(cli):
    refused = cli("import", "--channel", "generic", str(AMBIGUOUS))
    assert refused.returncode == 1
    assert "created_at, paid_at" in refused.stderr and "--date-format 'created_at=m/d/Y'" in refused.stderr
    answered = cli(
        "import",
        "--channel",
        "generic",
        str(AMBIGUOUS),
        "--date-format",
        "created_at=d/m/Y",
        "--date-format",
        "paid_at=d/m/Y",
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.startswith("3 rows, 3 orders: 3 new")


def test_the_cli_refuses_a_date_format_it_does_not_know(cli):
    result = cli("import", "--channel", "generic", str(AMBIGUOUS), "--date-format", "created_at=Y/d/m")
    assert result.returncode == 2
    assert "COLUMN=FORMAT with FORMAT one of m/d/Y, d/m/Y" in result.stderr
