"""`migrate-to --url URL`: copy this store into an empty database (e.g. PostgreSQL for a team)."""

from __future__ import annotations

import argparse
import sys

from commands import acting
from commands.output import emit
from core.copies.transfer import copy_store
from core.store.db import make_engine


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("migrate-to", help="copy this database into an empty one and verify the copy")
    parser.add_argument("--url", required=True, help="target, e.g. postgresql+psycopg://user@host/orderhub")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=migrate_to)
    acting.needs(parser, "administer_store")


def migrate_to(args: argparse.Namespace) -> int:
    def show(table: str, rows: int) -> None:
        print(f"\r{table}: {rows:,} rows", end="", file=sys.stderr, flush=True)

    try:
        report = copy_store(make_engine(), make_engine(args.url), progress=None if args.json else show)
    finally:  # end the progress line, so that a report or an error starts a line of its own
        if not args.json:
            print(file=sys.stderr)
    verdict = "verified: row counts match and stock invariants hold" if report.ok else "VERIFICATION FAILED"
    emit(
        {"rows": report.rows, "problems": report.problems, "ok": report.ok},
        args.json,
        "\n".join([*(f"{t}: {n:,}" for t, n in report.rows.items() if n), verdict, *report.problems]),
    )
    return 0 if report.ok else 1
