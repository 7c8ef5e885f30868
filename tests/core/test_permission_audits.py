"""Who may change a unit cost, and the audit of costs and roles; the CLI acting `--as` a user."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest
from sqlalchemy import insert, select

import cli as cli_main
from core.errors import PermissionDenied
from core.identity import users
from core.identity.access import Actor
from core.identity.tables import config_audit
from core.restock import catalog
from core.stock.tables import skus
from core.store.db import make_engine, transaction
from tests.core.helpers import T0

WAREHOUSE = Actor("张仓管", "warehouse")
MANAGER = Actor("王经理", "manager")
ACTOR_WITH_AS = "--actor names the local administrator only; with --as the user's own name is recorded."


@pytest.fixture
def food(sqlite_engine):
    """PET-FOOD-2KG: 20 on hand at a unit cost of ¥5.00."""
    with transaction(sqlite_engine) as conn:
        conn.execute(insert(skus).values(sku="PET-FOOD-2KG", name="全价成犬粮 2kg", updated_at=T0))
    catalog.import_stock(sqlite_engine, [{"sku": "PET-FOOD-2KG", "on_hand": "20", "unit_cost": "5"}], MANAGER, "a.csv")
    return sqlite_engine


def _sku(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return conn.execute(select(skus.c.on_hand, skus.c.unit_cost_cents).where(skus.c.sku == "PET-FOOD-2KG")).one()


def _audits(engine) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(config_audit.c.actor, config_audit.c.subject, config_audit.c.detail))
        return [(actor, subject, json.loads(detail)) for actor, subject, detail in rows]


def test_a_warehouse_count_that_would_change_a_unit_cost_is_refused_whole(food):
    before = _audits(food)
    rows = [{"sku": "PET-FOOD-2KG", "on_hand": "18", "unit_cost": "999"}]
    with pytest.raises(PermissionDenied, match="The warehouse role may not edit costs"):
        catalog.import_stock(food, rows, WAREHOUSE, "11月盘点.csv")
    assert _sku(food) == (20, 500)  # neither the cost nor the count moved
    assert _audits(food) == before


def test_a_warehouse_count_changes_counts_even_when_the_file_repeats_the_stored_cost(food):
    rows = [{"sku": "PET-FOOD-2KG", "on_hand": "18", "unit_cost": "5.00"}]
    assert catalog.import_stock(food, rows, WAREHOUSE, "11月盘点.csv").adjusted == 1
    assert _sku(food) == (18, 500)


def test_a_managers_cost_change_lands_with_an_audit_row(food):
    catalog.import_stock(food, [{"sku": "PET-FOOD-2KG", "on_hand": "20", "unit_cost": "9.99"}], MANAGER, "cost.csv")
    assert _sku(food) == (20, 999)
    assert _audits(food)[-1] == (
        "王经理",
        "unit cost PET-FOOD-2KG",
        {"from_cents": 500, "to_cents": 999, "source": "stock count from cost.csv"},
    )


def test_a_role_change_is_audited_with_who_made_it(sqlite_engine):
    with transaction(sqlite_engine) as conn:
        users.create(conn, "xiao.mei", "service", "long-enough-1", rounds=4)
    users.set_role(sqlite_engine, Actor("admin", "admin"), "xiao.mei", "manager")
    assert _audits(sqlite_engine)[-1] == ("admin", "user xiao.mei", {"role": "manager"})


class Ran(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(sqlite_url, tmp_path, monkeypatch, capsys):
    """cli.main in this process (as `python cli.py …` runs it), on a store with users of four roles."""
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)

    def run(*args: str) -> Ran:
        code = cli_main.main(list(args))
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    assert run("init").returncode == 0
    engine = make_engine(sqlite_url)
    with transaction(engine) as conn:
        for username, role in (("wang", "manager"), ("zhang", "warehouse"), ("li", "clerk"), ("gone", "clerk")):
            users.create(conn, username, role, "long-enough-1", rounds=4)
    users.set_active(engine, Actor("admin", "admin"), "gone", False)
    counts = tmp_path / "count.csv"
    counts.write_text("sku,on_hand,unit_cost\nPET-FOOD-2KG,20,5\n", encoding="utf-8")
    assert run("stock", "import", str(counts)).returncode == 0
    yield run, engine, tmp_path
    engine.dispose()


def _one_line_refusal(result, text: str) -> None:
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {text}" and "Traceback" not in result.stderr


def test_the_cli_acting_as_a_warehouse_user_may_count_but_not_change_a_cost(cli):
    run, engine, folder = cli
    costly = folder / "costly.csv"
    costly.write_text("sku,on_hand,unit_cost\nPET-FOOD-2KG,18,999\n", encoding="utf-8")
    _one_line_refusal(run("--as", "zhang", "stock", "import", str(costly)), "The warehouse role may not edit costs.")
    assert _sku(engine) == (20, 500)
    assert run("--as", "zhang", "stock", "adjust", "PET-FOOD-2KG", "-2", "--reason", "破损").returncode == 0
    assert _sku(engine) == (18, 500)


def test_the_cli_refuses_a_role_that_may_not_and_an_unknown_or_inactive_user(cli):
    run, _, _ = cli
    adjust = ("stock", "adjust", "PET-FOOD-2KG", "5", "--reason", "盘点")
    _one_line_refusal(run("--as", "li", *adjust), "The clerk role may not adjust stock.")
    _one_line_refusal(run("--as", "nobody", *adjust), "There is no user nobody.")
    _one_line_refusal(run("--as", "gone", *adjust), "The user gone is deactivated.")
    _one_line_refusal(run("--as", "wang", *adjust, "--actor", "someone"), ACTOR_WITH_AS)


def test_without_as_the_cli_is_the_local_administrator_and_audits_as_such(cli):
    run, engine, folder = cli
    costly = folder / "costly.csv"
    costly.write_text("sku,on_hand,unit_cost\nPET-FOOD-2KG,20,6\n", encoding="utf-8")
    assert run("stock", "import", str(costly)).returncode == 0
    assert _audits(engine)[-1][:2] == ("cli", "unit cost PET-FOOD-2KG")
    assert run("--as", "wang", "rules", "enable", "--all").returncode == 0
    assert _audits(engine)[-1][0] == "wang"


def test_the_cli_reads_as_the_user_sees_and_keeps_store_upkeep_for_the_administrator(cli):
    run, _, _ = cli
    levels = json.loads(run("--as", "zhang", "stock", "list", "--json").stdout)
    assert levels[0]["on_hand"] == 20 and "unit_cost_cents" not in levels[0]
    assert json.loads(run("stock", "list", "--json").stdout)[0]["unit_cost_cents"] == 500
    _one_line_refusal(run("--as", "zhang", "orders", "list"), "The warehouse role may not view orders.")
    _one_line_refusal(run("--as", "wang", "init"), "The manager role may not administer store.")
