"""`init`: create or migrate the store, optionally with the demo shop."""

from __future__ import annotations

import argparse

from commands import acting
from core.store.db import database_url, open_store
from demo import shop as demo


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("init", help="create or upgrade the database")
    parser.add_argument("--demo", action="store_true", help="fill an empty database with 90 days of demo data")
    parser.set_defaults(handler=init)
    acting.needs(parser, "administer_store")


def init(args: argparse.Namespace) -> int:
    engine = open_store()
    if not args.demo:
        print(f"database ready: {database_url()}")
    elif demo.is_empty(engine):
        made = demo.seed_demo(engine)
        print(f"demo data created: {made['orders']} orders, {made['skus']} SKUs, {made['shops']} shops")
    else:
        print("database already has orders; demo data not added")
    return 0
