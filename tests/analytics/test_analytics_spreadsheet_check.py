"""What a finance clerk sees when a spreadsheet program opens the exports: LibreOffice Calc, headless.

`make test` installs Debian's libreoffice-calc; without it this test fails and says so, rather
than passing unseen. One soffice start converts both files to CSV "as shown" (the text of each
cell as the sheet displays it), about two seconds.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal

import analytics_factory as factory
import pytest
from sqlalchemy import select, update

from core.analytics import export
from core.analytics.export_people import header
from core.orders.tables import orders
from core.store.db import transaction

NOW = datetime(2026, 3, 16, 9, 30)
# Comma, double quote, UTF-8, from line 1, …, detect numbers and dates, save cell contents as shown.
AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"
# Read a CSV as UTF-8, as Excel does on seeing the BOM (headless Calc would guess Latin-1).
CSV_UTF8 = "--infilter=CSV:44,34,76,1"


@pytest.fixture
def finance_files(engine, tmp_path):
    """The finance clerk's CSV and XLSX of a shop whose order numbers have 19 digits; and the orders."""
    factory.add_reference_data(engine, NOW)
    factory.seed(engine, 40, NOW)
    with transaction(engine) as conn:
        for order_id in conn.execute(select(orders.c.id)).scalars().all():
            conn.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(channel_order_no=f"3082{order_id:015d}", address='=HYPERLINK("http://evil.example","点我")')
            )
        want = conn.execute(select(orders.c.channel_order_no, orders.c.paid_cents).order_by(orders.c.id)).all()
    files = tmp_path / "files"
    files.mkdir()
    export.export(engine, "orders", files / "finance.csv", "csv", "finance")
    export.export(engine, "orders", files / "finance_book.xlsx", "xlsx", "finance")
    return files, want


def soffice_as_shown(tmp_path, workbook, text) -> dict[str, list[dict[str, str]]]:
    """The XLSX and the CSV opened by LibreOffice Calc and saved as their cells show, by file stem."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: `make test` installs it (apt-get install libreoffice-calc)")
    shown = tmp_path / "shown"
    profile = (tmp_path / "profile").as_uri()  # its own profile: never waits on another soffice's lock
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", AS_SHOWN]
    # --infilter applies to the files after it: the workbook comes first and opens as a workbook.
    files = [str(workbook), CSV_UTF8, str(text)]
    done = subprocess.run([*command, "--outdir", str(shown), *files], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    result = {}
    for path in (workbook, text):
        with open(shown / f"{path.stem}.csv", encoding="utf-8-sig", newline="") as handle:
            result[path.stem] = list(csv.DictReader(handle))
    return result


def test_libreoffice_shows_finance_all_19_digits_and_amounts_in_yuan(finance_files, tmp_path):
    files, want = finance_files
    sheets = soffice_as_shown(tmp_path, files / "finance_book.xlsx", files / "finance.csv")
    order_no, paid, address = (header("orders", name, "zh") for name in ("channel_order_no", "paid_cents", "address"))
    for stem, rows in sheets.items():
        assert [row[order_no].strip() for row in rows] == [number for number, _ in want], stem
        assert [Decimal(row[paid]) for row in rows] == [Decimal(cents) / 100 for _, cents in want], stem
        assert {row[address] for row in rows} == {'\'=HYPERLINK("http://evil.example","点我")'}, stem
    # A workbook carries its formats: two decimals, as a clerk expects 元 to read.
    assert [row[paid] for row in sheets["finance_book"]] == [f"{cents / 100:.2f}" for _, cents in want]
