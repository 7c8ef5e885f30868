"""The import CLI's contract, through the real command line: suggest → edit → --mapping, dry runs,
and quarantined rows written out, corrected and imported again."""

from __future__ import annotations

import csv
import json

import pytest

from tests.files.files_helpers import EXPORTS, quarantined, stored

REAL = EXPORTS.parent / "real"
SUPERSTORE = str(REAL / "inf_superstore_orders.csv")


def test_a_suggested_mapping_edited_by_the_user_is_the_one_the_import_uses(cli, store, tmp_path):
    suggested = cli("import", "suggest", SUPERSTORE)
    assert suggested.returncode == 0, suggested.stderr
    assert "# Columns no field took: Row ID (1, 2, 3); Ship Mode (Second Class, Standard Class)" in suggested.stdout
    # The user gives Ship Mode to the carrier and takes delivered orders as completed.
    edited = suggested.stdout.replace('city = "City"', 'city = "City"\ncarrier = "Ship Mode"').replace(
        'status = "shipped"', 'status = "completed"'
    )
    mapping = tmp_path / "superstore.toml"
    mapping.write_text(edited, encoding="utf-8")
    result = cli("import", SUPERSTORE, "--mapping", str(mapping), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["mapping"] == {"name": "proposed for inf_superstore_orders.csv", "source": "given"}
    assert summary["statuses"] == {"completed": 3, "paid": 1}
    assert "Ship Mode" not in summary["unmapped_columns"] and "Segment" in summary["unmapped_columns"]
    assert stored(store)["US-2026-108966"]["carrier"] == "Standard Class"


def test_auto_is_the_default_and_the_text_summary_says_which_mapping_and_what_was_left_out(cli):
    result = cli("import", str(REAL / "inf_extra_columns.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "Lines: 2; orders by status: paid 1, shipped 1.",
        "Mapping: generic (shipped).",
        "Columns no field took: gift_wrap, utm_source, order_total.",
    ]


def test_a_dry_run_writes_nothing_not_even_its_rejected_rows(cli, store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        (REAL / "inf_erp_lines.csv").read_text(encoding="utf-8").replace(",1,45.00,", ",two,45.00,"), encoding="utf-8"
    )
    result = cli("import", str(path), "--dry-run", "--json")
    assert result.returncode == 3
    assert result.stderr.strip() == "2 rows would be rejected (dry run)"
    summary = json.loads(result.stdout)
    assert (summary["dry_run"], summary["orders"], summary["lines"], summary["new"]) == (True, 1, 2, 0)
    assert [(r["row"], r["code"]) for r in summary["rejected_rows"]] == [(4, "bad_qty"), (5, "missing_date")]
    assert summary["unmapped_columns"] == ["商品名称", "仓库"]
    assert (stored(store), quarantined(store)) == ({}, 0)
    text = cli("import", str(path), "--dry-run")
    assert text.stdout.startswith("Dry run, nothing written: 4 rows, 1 orders would land; 2 rows rejected")


def test_quarantined_rows_written_out_corrected_and_imported_again_land(cli, store, tmp_path):
    path = tmp_path / "week1.csv"
    path.write_text(
        (REAL / "inf_erp_with_status.csv").read_text(encoding="utf-8").replace(",1,45.00,", ",1件,45.00,"),
        encoding="utf-8",
    )
    assert cli("import", str(path)).returncode == 3
    listed = cli("import", "errors", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["file"], r["row"]) for r in rows] == [("week1.csv", 3)]
    assert rows[0]["raw"]["购买数量"] == "1件" and "1件" in rows[0]["reason"]
    text = cli("import", "errors").stdout.strip()
    cells = "订单编号=T5002 | 订单创建时间=2026-03-02 09:00:00 | 订单状态=待发货 | 商家编码=DOG-LEASH-L | 购买数量=1件"
    assert text == f"week1.csv row 3: {rows[0]['reason']}  {cells} | 价格=45.00 | 买家留言=尽快发货"

    fixup = tmp_path / "fix.csv"
    written = cli("import", "errors", "--file", "week1.csv", "--out", str(fixup))
    assert written.returncode == 0, written.stderr
    with fixup.open(encoding="utf-8-sig", newline="") as file:
        cells = list(csv.reader(file))
    assert cells[0] == ["订单编号", "订单创建时间", "订单状态", "商家编码", "购买数量", "价格", "买家留言"]
    assert cells[1][0] == "T5002" and cells[1][4] == "1件"
    fixup.write_text(fixup.read_text(encoding="utf-8-sig").replace("1件", "1"), encoding="utf-8-sig")
    again = cli("import", str(fixup), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new"] == 1
    assert stored(store)["T5002"]["lines"] == {"DOG-LEASH-L": (1, 4500)}


def test_errors_for_a_file_without_quarantined_rows_says_so(cli):
    result = cli("import", "errors", "--file", "nothing.csv")
    assert (result.returncode, result.stdout.strip()) == (0, "No quarantined rows.")
    out = cli("import", "errors", "--out", "x.csv")
    assert (out.returncode, out.stderr.strip()) == (1, "error: There are no quarantined rows to write.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["suggest"], "`import suggest` takes one FILE"),
        (["errors", "x.csv"], "`import errors` takes no file (use --file NAME)"),
        (["suggest", SUPERSTORE, "--dry-run"], "--dry-run does not apply to `import suggest`"),
        (["errors", "--items", "x.csv"], "--items does not apply to `import errors`"),
        ([SUPERSTORE, "--out", "x.csv"], "--out does not apply to `import FILE`"),
        ([SUPERSTORE, "--channel", "jd", "--mapping", "m.toml"], "give --channel or --mapping, not both"),
    ],
)
def test_options_of_another_form_are_usage_errors(cli, args, message):
    result = cli("import", *args)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f"error: {message}")


def test_suggest_for_a_file_without_an_order_number_fails_in_one_line(cli, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("备注,数量\n你好,1\n", encoding="utf-8")
    result = cli("import", "suggest", str(path))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "error: notes.csv: no column looks like an order number; write the mapping by hand.\n"
