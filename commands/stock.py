"""`stock import|list|receive|adjust`: counted stock in, levels out, receipts and corrections."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from commands import acting
from commands.output import emit, table
from core.errors import InvalidInput
from core.restock import catalog, stock_levels
from core.store.db import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("stock", help="stock levels and movements")
    actions = parser.add_subparsers(dest="stock_command", required=True)
    imp = actions.add_parser(
        "import", help="set on_hand from a CSV: sku,on_hand[,name,safety_stock,unit_cost,supplier]"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=import_stock)
    lst = actions.add_parser("list", help="stock levels")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=list_stock)
    acting.needs(lst, "view_stock")
    for name, help_text in (("receive", "goods arrived"), ("adjust", "a counted correction (+/-)")):
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("sku")
        sub.add_argument("qty", type=int)
        sub.add_argument("--reason", default="" if name == "receive" else None, required=name == "adjust")
        acting.add_actor(sub)
        sub.set_defaults(handler=change_stock, kind=name)


def import_stock(args: argparse.Namespace) -> int:
    with args.file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"sku", "on_hand"} <= set(reader.fieldnames):
            raise InvalidInput(f"{args.file} needs at least the columns sku and on_hand.")
        rows = list(reader)
    engine = open_store()
    summary = catalog.import_stock(engine, rows, args.acting, args.file.name)
    emit(
        vars(summary),
        args.json,
        f"created {summary.created}, adjusted {summary.adjusted}, "
        f"unchanged {summary.unchanged}, rejected {len(summary.rejected)}"
        + "".join(f"\n  row {r['row']}: {r['reason']}" for r in summary.rejected),
    )
    return 1 if summary.rejected else 0


def list_stock(args: argparse.Namespace) -> int:
    with open_store().connect() as conn:
        levels = acting.shown(args, catalog.stock_levels(conn))
    columns = ["sku", "name", "on_hand", "reserved", "available", "safety_stock", "low"]
    emit(levels, args.json, table(levels, columns))
    return 0


def change_stock(args: argparse.Namespace) -> int:
    change = stock_levels.receive if args.kind == "receive" else stock_levels.adjust
    moved = change(open_store(), args.acting, args.sku, args.qty, args.reason)
    which = f": {', '.join(moved)}" if moved else ""
    print(f"{args.sku}: {args.kind} {args.qty}; {len(moved)} held orders resumed{which}")
    return 0
