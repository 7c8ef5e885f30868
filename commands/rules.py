"""`rules check`, `purchase suggest|create|receive` and `sandbox create|promote|drop`."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from commands import acting
from commands.output import emit, table
from core.copies import sandbox
from core.restock import purchase_orders, purchasing
from core.review import review
from core.review import rules as review_rules
from core.store.db import open_store, transaction


def register(subparsers: argparse._SubParsersAction) -> None:
    rules = subparsers.add_parser("rules", help="order review rules").add_subparsers(
        dest="rules_command", required=True
    )
    check = rules.add_parser("check", help="re-run the rules over open orders and list the exceptions")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=check_rules)
    for name, on in (("enable", True), ("disable", False)):
        switch = rules.add_parser(name, help=f"{name} review rules (codes, or --all)")
        switch.add_argument("codes", nargs="*")
        switch.add_argument("--all", action="store_true")
        acting.add_actor(switch)
        switch.set_defaults(handler=switch_rules, on=on)

    purchase = subparsers.add_parser("purchase", help="purchasing").add_subparsers(
        dest="purchase_command", required=True
    )
    suggest = purchase.add_parser("suggest", help="what to order, grouped by supplier")
    suggest.add_argument("--json", action="store_true")
    suggest.set_defaults(handler=suggest_purchases)
    acting.needs(suggest, "purchasing")
    create = purchase.add_parser("create", help="e-mail a purchase order of the suggestions to a supplier")
    create.add_argument("--supplier", required=True)
    acting.add_actor(create)
    create.set_defaults(handler=create_purchase)
    receive = purchase.add_parser("receive", help="goods of a purchase order arrived (all outstanding)")
    receive.add_argument("number")
    acting.add_actor(receive)
    receive.set_defaults(handler=receive_purchase)

    box = subparsers.add_parser("sandbox", help="a copy of live to try configuration in")
    box.add_argument("action", choices=["create", "promote", "drop"])
    acting.add_actor(box)
    box.set_defaults(handler=sandbox_action)


def check_rules(args: argparse.Namespace) -> int:
    # Without a logged-in role the buyer's phone number stays out of the output.
    exceptions = review.recheck_open_orders(open_store(), args.acting)
    queue = [{k: v for k, v in row.items() if k != "phone"} for row in exceptions]
    rows = [{**row, "rules": ", ".join(row["rules"])} for row in queue]
    emit(queue, args.json, table(rows, ["channel_order_no", "shop", "buyer", "status", "rules"]))
    return 0


def switch_rules(args: argparse.Namespace) -> int:
    with transaction(open_store()) as conn:
        config = review_rules.load_config(conn)
        codes = list(config) if args.all else args.codes
        for code in codes:
            params = config[code].params if code in config else {}
            review_rules.save_rule(conn, code, args.on, params, args.acting)
    print(f"{'enabled' if args.on else 'disabled'}: {', '.join(codes) or 'nothing (name rules or use --all)'}")
    return 0


def suggest_purchases(args: argparse.Namespace) -> int:
    with open_store().connect() as conn:
        grouped = purchasing.suggest(conn)
    data = {supplier: [asdict(s) for s in items] for supplier, items in grouped.items()}
    columns = ["sku", "available", "incoming", "safety_stock", "per_day", "lead_time_days", "qty"]
    text = "\n\n".join(f"{supplier}\n{table(rows, columns)}" for supplier, rows in data.items()) or "nothing to order"
    emit(data, args.json, text)
    return 0


def create_purchase(args: argparse.Namespace) -> int:
    with transaction(open_store()) as conn:
        number, _ = purchase_orders.create_purchase_order(conn, args.supplier, args.acting)
    print(f"{number} queued for e-mail to {args.supplier}")
    return 0


def receive_purchase(args: argparse.Namespace) -> int:
    with transaction(open_store()) as conn:
        resumed = purchase_orders.receive_purchase_order(conn, args.number, args.acting)
    print(f"{args.number} received; {len(resumed)} held orders resumed")
    return 0


def sandbox_action(args: argparse.Namespace) -> int:
    live = open_store()
    if args.action == "create":
        print(f"sandbox ready: {sandbox.create(live, args.acting)}")
    elif args.action == "promote":
        changed = sandbox.promote(live, args.acting)
        print("configuration promoted: " + ", ".join(f"{t} {n}" for t, n in changed.items()))
    else:
        sandbox.drop(live, args.acting)
        print("sandbox dropped")
    return 0
