"""`cli.py import`: load a channel's order export (CSV or XLSX) into the store."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from commands.output import emit
from connectors.file_mapping import channels
from connectors.files import ImportSummary, import_file
from core.db import make_engine, migrate

SHOWN_REJECTS = 50  # in text output; --json lists them all
PARTIAL = 3  # exit code: the file was read, but some rows were rejected


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import a channel's order export file",
        description="Import an order export. Bad rows are reported with their spreadsheet row number "
        "(header = row 1) and kept in import_errors; the rest of the file lands. Re-running changes nothing.",
        epilog=f"Exit code 0: every row imported; {PARTIAL}: some rows rejected; 1: the file could not be imported.",
    )
    parser.add_argument("--channel", required=True, choices=channels())
    parser.add_argument("file", type=Path, help="the orders export (.csv or .xlsx)")
    parser.add_argument("--items", type=Path, help="Taobao: the items export (宝贝报表) joined by 订单编号")
    parser.add_argument("--shop", help="the shop the orders belong to (default: the file's shop column or the channel)")
    parser.add_argument(
        "--history",
        action="store_true",
        help="trade from before go-live: no buyer messages, shipped orders take no stock",
    )
    parser.add_argument("--json", action="store_true", help="print the summary and rejected rows as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    engine = make_engine()
    migrate(engine)
    progress = _ProgressLine() if sys.stderr.isatty() and not args.json else None
    summary = import_file(
        engine,
        args.channel,
        args.file,
        items=args.items,
        shop=args.shop,
        progress=progress,
        actor="cli",
        history=args.history,
    )
    if progress:
        progress.finish()
    emit(summary.as_dict(), args.json, _text(summary))
    if summary.rejected:
        print(f"{summary.rejected} rows rejected (see import_errors)", file=sys.stderr)
        return PARTIAL
    return 0


def _text(summary: ImportSummary) -> str:
    lines = [
        f"{summary.rows} rows, {summary.orders} orders: {summary.new} new, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.held} held for stock; {summary.rejected} rows rejected "
        f"({summary.rejected_orders} orders)."
    ]
    lines += [f"  {e.file} row {e.row}: {e.reason()}" for e in summary.errors[:SHOWN_REJECTS]]
    if len(summary.errors) > SHOWN_REJECTS:
        lines.append(f"  … and {len(summary.errors) - SHOWN_REJECTS} more (use --json for all).")
    lines += [f"  warning: {w.file} row {w.row}: {w.reason()}" for w in summary.warnings[:SHOWN_REJECTS]]
    if summary.created_skus:
        lines.append(f"New SKUs created (stock 0, details to fill in): {', '.join(summary.created_skus)}.")
    return "\n".join(lines)


class _ProgressLine:
    """`12,000 / 100,000 rows` on one terminal line, redrawn at most ten times a second."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self._last > 0.1 or done == total:
            self._last = time.monotonic()
            sys.stderr.write(f"\r{done:,} / {total:,} rows ({100 * done // max(total, 1)}%)")
            sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")
