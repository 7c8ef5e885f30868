"""`pull` and `worker`: channel orders in, stock back out, from a script or a service."""

from __future__ import annotations

import argparse
import logging

import worker
from commands import acting
from commands.output import emit, table
from connectors import pulls
from core.errors import NotFound
from core.store.db import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    pull = subparsers.add_parser("pull", help="pull new and changed orders from the channels now")
    pull.add_argument("--shop", help="only this shop (its name in data/channels.toml)")
    pull.add_argument("--demo", action="store_true", default=None, help="include the demo channel feed")
    pull.add_argument("--json", action="store_true")
    pull.set_defaults(handler=pull_now)
    run = subparsers.add_parser("worker", help="pull every shop on schedule, push stock, deliver the outbox")
    run.add_argument("--demo", action="store_true", default=None, help="run the demo channel feed as well")
    run.set_defaults(handler=run_worker)
    acting.needs(run, "administer_store")


def pull_now(args: argparse.Namespace) -> int:
    engine = open_store()
    shops = pulls.shops_to_pull(engine, args.demo)
    if args.shop:
        shops = [shop for shop in shops if shop.name == args.shop]
        if not shops:
            raise NotFound(f"No shop named {args.shop} is configured in data/channels.toml.")
    results = pulls.sync_now(engine, args.acting, shops)
    rows = [
        {
            "shop": r.shop,
            "channel": r.channel,
            "fetched": r.fetched,
            "new": r.summary.new,
            "updated": r.summary.updated,
            "unchanged": r.summary.unchanged,
            "held": r.summary.held,
            "stock_pushed": r.pushed,
            "result": "skipped: another worker is pulling" if r.skipped else (r.error or "ok"),
        }
        for r in results
    ]
    emit(rows, args.json, table(rows, list(rows[0])) if rows else "no shops to pull; see data/channels.example.toml")
    return 1 if any(r.error for r in results) else 0


def run_worker(args: argparse.Namespace) -> int:
    logging.getLogger("connectors").setLevel(logging.INFO)
    engine = open_store()
    shops = pulls.shops_to_pull(engine, args.demo)
    print(f"worker: pulling {len(shops)} shops; stop with Ctrl+C")
    worker.run(engine, shops)
    return 0
