"""`python cli.py import`: a summary for people, JSON for scripts, one line on stderr for a bad file."""

from __future__ import annotations

import json

import pytest

from tests.files.files_helpers import export


def test_json_output_lists_the_summary_and_every_rejected_row(cli):
    result = cli(
        "import",
        "--channel",
        "taobao",
        str(export("taobao_orders.gbk.csv")),
        "--items",
        str(export("taobao_items.gbk.csv")),
        "--json",
    )
    assert result.returncode == 3, result.stderr  # read, but some rows rejected
    summary = json.loads(result.stdout)
    assert (summary["new"], summary["rejected"], summary["rejected_orders"]) == (3, 8, 5)
    first = summary["rejected_rows"][0]
    assert first == {
        "file": "taobao_orders.gbk.csv",
        "row": 5,
        "code": "bad_date",
        "reason": "订单创建时间 '昨天下午' is not a date.",
    }
    assert result.stderr.strip() == "8 rows rejected (see import_errors)"


def test_running_the_same_import_again_reports_everything_unchanged(cli):
    cli("import", "--channel", "pdd", str(export("pdd.utf8bom.csv")))
    again = cli("import", "--channel", "pdd", str(export("pdd.utf8bom.csv")), "--json")
    summary = json.loads(again.stdout)
    assert (summary["new"], summary["updated"], summary["unchanged"]) == (0, 0, 4)


def test_a_clean_file_exits_zero_with_a_one_line_summary(cli, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_no,created_at,status,sku,qty,unit_price\nTB001,2026-01-05 10:00:00,paid,PET-FOOD-2KG,1,59.90\n",
        encoding="utf-8",
    )
    result = cli("import", "--channel", "generic", str(path), "--shop", "毛孩子旗舰店", "--history")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "1 rows, 1 orders: 1 new, 0 updated, 0 unchanged, 0 held for stock; 0 rows rejected"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "jd", "missing.csv"], "error: No such file or directory: missing.csv"),
        (["--channel", "taobao", str(export("jd.gbk.csv"))], "error: jd.gbk.csv lacks the column(s) 订单编号"),
    ],
)
def test_a_bad_file_gets_one_line_on_stderr_and_no_traceback(cli, args, message):
    result = cli("import", *args)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_the_summary_names_the_skus_it_created_and_the_rows_it_cut(cli, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_no,created_at,status,city,sku,qty,unit_price\n"
        f"TB001,2026-01-05 10:00:00,paid,{'市' * 60},NEW-BOWL,1,19.90\n",
        encoding="utf-8",
    )
    text = cli("import", "--channel", "generic", str(path)).stdout.splitlines()
    assert {
        "  warning: orders.csv row 2: city was longer than 50 characters and was cut to fit.",
        "New SKUs created (stock 0, details to fill in): NEW-BOWL.",
    } <= set(text[1:])
    again = json.loads(cli("import", "--channel", "generic", str(path), "--json").stdout)
    assert again["created_skus"] == []  # it exists now
    assert again["warnings"] == [
        {
            "file": "orders.csv",
            "row": 2,
            "code": "text_truncated",
            "reason": "city was longer than 50 characters and was cut to fit.",
        }
    ]
