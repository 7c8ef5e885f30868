"""The command line for rules, purchasing and the sandbox, on a real SQLite store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import cli
from core.copies import sandbox
from core.errors import PermissionDenied
from core.identity.access import Actor
from core.restock import purchase_orders, supplier_link
from core.review import rules
from core.store.db import transaction
from tests.rules.shop import NOW


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_check_lists_the_open_exceptions_as_json(store, capsys):
    code, out, _ = run(capsys, "rules", "check", "--json")
    assert code == 0
    assert [(row["channel_order_no"], row["rules"]) for row in json.loads(out)] == [("3312600000001", ["buyer_remark"])]
    assert "phone" not in json.loads(out)[0]


def test_purchase_suggest_and_create_email_the_supplier(store, capsys):
    code, out, _ = run(capsys, "purchase", "suggest", "--json")
    assert code == 0 and json.loads(out)["汪汪宠物食品厂"][0]["sku"] == "PET-FOOD-2KG"
    code, out, _ = run(capsys, "purchase", "create", "--supplier", "汪汪宠物食品厂")
    assert code == 0 and "queued for e-mail" in out
    number = out.split()[0]
    code, out, _ = run(capsys, "purchase", "receive", number)
    assert code == 0 and f"{number} received" in out


def test_an_unknown_supplier_is_a_one_line_error_not_a_traceback(store, capsys):
    code, out, err = run(capsys, "purchase", "create", "--supplier", "不存在的工厂")
    assert code == 1 and err == "error: There is no supplier called 不存在的工厂.\n"


def test_sandbox_create_promote_and_drop_from_the_command_line(store, capsys):
    assert run(capsys, "sandbox", "create")[0] == 0
    assert sandbox.exists(store)
    code, out, _ = run(capsys, "sandbox", "promote")
    assert code == 0 and out.startswith("configuration promoted")
    assert run(capsys, "sandbox", "drop")[0] == 0
    assert not sandbox.exists(store)
    code, _, err = run(capsys, "sandbox", "drop")
    assert code == 1 and "no sandbox" in err


def test_a_purchase_order_link_expires_after_two_weeks(store):
    with transaction(store) as conn:
        _, link = purchase_orders.create_purchase_order(conn, "汪汪宠物食品厂", Actor("采购", "manager"), NOW)
    with store.connect() as conn:
        assert supplier_link.view(conn, link.split("token=")[1], NOW + timedelta(days=13))
        with pytest.raises(PermissionDenied):
            supplier_link.view(conn, link.split("token=")[1], NOW + timedelta(days=14, seconds=1))


def test_rules_are_switched_off_and_on_from_the_command_line(store, capsys):
    assert (
        run(capsys, "rules", "disable", "buyer_remark", "phone_invalid")[1] == "disabled: buyer_remark, phone_invalid\n"
    )
    with store.connect() as conn:
        config = rules.load_config(conn)
    assert not config["buyer_remark"].enabled and not config["phone_invalid"].enabled and config["blacklisted"].enabled
    assert run(capsys, "rules", "enable", "--all")[0] == 0
    code, _, err = run(capsys, "rules", "enable", "no_such_rule")
    assert code == 1 and err == "error: There is no review rule called no_such_rule.\n"
