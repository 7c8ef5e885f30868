"""The CLI as scripts use it: exit codes, --json output, one-line errors, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.store.db import ROOT


def runner(url: str):
    def invoke(*args: str) -> subprocess.CompletedProcess:
        env = os.environ | {"ORDERHUB_DATABASE_URL": url}
        return subprocess.run(
            [sys.executable, "cli.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    return invoke


@pytest.fixture
def run(sqlite_url):
    return runner(sqlite_url)


@pytest.fixture
def run_demo(demo_url):
    return runner(demo_url)


def test_init_creates_an_empty_store_and_is_repeatable(run):
    assert run("init").returncode == 0
    again = run("init")
    assert again.returncode == 0 and "database ready" in again.stdout
    assert json.loads(run("report", "--json").stdout)["orders"] == 0


def test_stock_import_lands_good_rows_and_reports_bad_ones_by_row_number(run, tmp_path):
    counts = tmp_path / "count.csv"
    counts.write_text(
        "sku,on_hand,name,unit_cost\nPET-FOOD-2KG,120,全价成犬粮 2kg,41.00\n"
        ",5,,\nCAT-STRIP-30,-3,,\nTOY-FEATHER-WAND,abc,,\nCAT-STRIP-30,40,猫条,15\n",
        encoding="utf-8",
    )
    run("init")
    result = run("stock", "import", str(counts), "--json")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert (summary["created"], summary["adjusted"]) == (2, 0)
    assert [(r["row"], r["reason"].split()[0]) for r in summary["rejected"]] == [
        (3, "The"),
        (4, "on_hand"),
        (5, "on_hand"),
    ]
    levels = {s["sku"]: s for s in json.loads(run("stock", "list", "--json").stdout)}
    assert (levels["PET-FOOD-2KG"]["on_hand"], levels["PET-FOOD-2KG"]["unit_cost_cents"]) == (120, 4100)
    again = json.loads(run("stock", "import", str(counts), "--json").stdout)
    assert (again["created"], again["adjusted"], again["unchanged"]) == (0, 0, 2)


def test_the_demo_store_answers_every_read_command(run):
    assert run("init", "--demo").returncode == 0
    report = json.loads(run("report", "--json").stdout)
    assert report["orders"] > 20_000 and report["by_status"]["on_hold"] > 0
    held = json.loads(run("orders", "list", "--status", "on_hold", "--json").stdout)
    assert held and {o["hold_reason"] for o in held} == {"insufficient_stock", "review"}  # review: rules demo
    assert "already has orders" in run("init", "--demo").stdout


def test_moving_an_order_by_number_and_refusing_an_illegal_step(run_demo):
    paid = json.loads(run_demo("orders", "list", "--status", "paid", "--limit", "1", "--json").stdout)[0]
    assert run_demo("orders", "advance", paid["channel_order_no"], "shipped").returncode == 0
    refused = run_demo("orders", "advance", paid["channel_order_no"], "paid")
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"error: Order {paid['channel_order_no']} cannot go from shipped to paid."


def test_orders_list_searches_as_the_queue_does(run_demo):
    some = json.loads(run_demo("orders", "list", "--limit", "2", "--json").stdout)
    numbers = [order["channel_order_no"] for order in some]
    pasted = json.loads(run_demo("orders", "list", "--search", "\n".join(numbers), "--json").stdout)
    part = json.loads(run_demo("orders", "list", "--search", numbers[0][2:-2], "--json").stdout)
    assert {o["channel_order_no"] for o in pasted} == set(numbers)
    assert numbers[0] in {o["channel_order_no"] for o in part}


def test_errors_are_one_line_on_stderr_without_a_traceback(run, tmp_path):
    missing = run("stock", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "nope.csv" in missing.stderr
    run("init")
    unknown = run("orders", "advance", "NO-SUCH-ORDER", "shipped")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: Order NO-SUCH-ORDER does not exist."


def test_a_database_refusal_is_one_line_without_the_statement_or_its_values(pg_url, tmp_path):
    """PostgreSQL refuses a SKU longer than its column; its own message would print the INSERT
    with every value of the row."""
    counts = tmp_path / "count.csv"
    counts.write_text(f"sku,on_hand,supplier\n{'X' * 80},1,宠物用品批发张老板 13800138000\n", encoding="utf-8")
    refused = runner(pg_url)("stock", "import", str(counts))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        "error: The database refused the change (StringDataRightTruncation); nothing of the failed batch was stored."
    )


def test_a_role_that_may_not_read_phones_cannot_find_an_order_by_one(run_demo):
    order = json.loads(run_demo("orders", "list", "--limit", "1", "--json").stdout)[0]
    by_admin = json.loads(run_demo("orders", "list", "--search", order["phone"], "--json").stdout)
    as_manager = run_demo("--as", "manager", "orders", "list", "--search", order["phone"], "--json")
    assert order["channel_order_no"] in {o["channel_order_no"] for o in by_admin}
    assert as_manager.returncode == 0 and json.loads(as_manager.stdout) == []  # the manager sees phones masked
