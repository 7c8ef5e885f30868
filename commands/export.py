"""`export orders|lines|tickets|stock`: files for people (CSV with BOM, XLSX) or scripts (Parquet, --raw), masked."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from core.analytics import export
from core.errors import InvalidInput
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from core.identity.access import ROLES
from core.store.db import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write orders, lines, tickets or stock to CSV, XLSX or Parquet")
    parser.add_argument("dataset", choices=["orders", "lines", "tickets", "stock"])
    parser.add_argument("--format", dest="fmt", choices=export.FORMATS, default="csv")
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument("--from", dest="start", type=_day, help="first order date, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=_day, help="last order date, YYYY-MM-DD (inclusive)")
    parser.add_argument(
        "--role", choices=ROLES, default="analyst", help="mask columns as this role sees them (--as: the user's)"
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of headers and labels (csv, xlsx)"
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="snake_case headers, codes and amounts in fen, for scripts (always so for parquet)",
    )
    parser.set_defaults(handler=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-01") from None


def run(args: argparse.Namespace) -> int:
    if args.dataset == "stock" and (args.start or args.end):
        raise InvalidInput("Stock is a snapshot of today; --from and --to do not apply to it.")
    raw = True if args.raw else None  # None: the format's default (raw for parquet only)
    role = args.acting.role if args.as_user else args.role  # --as: masked as that user sees, if they may export
    rows = export.export(
        open_store(), args.dataset, args.out, args.fmt, role, args.start, args.end, lang=args.lang, raw=raw
    )
    print(f"{rows:,} {args.dataset} rows written to {args.out} ({args.fmt}, as {role})", file=sys.stderr)
    return 0
