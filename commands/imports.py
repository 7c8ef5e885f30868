"""`cli.py import`: load an order export (CSV or XLSX) into the store; `import suggest` proposes
a mapping for a file; `import errors` lists the quarantined rows or writes them out to be fixed.

One `import` parser takes all three: the first word after it says which (a file literally named
`suggest` or `errors` is given as ./suggest). Options belong to one of them; one given to
another is a usage error rather than silently ignored.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from commands import acting
from commands.output import emit
from connectors.file_inference import propose_file, suggestion_toml
from connectors.file_mapping import channels, read_mapping
from connectors.file_values import DATE_ORDERS
from connectors.files import ImportSummary, dry_run, import_file, write_fixup
from core.intake.quarantine import quarantined_rows
from core.store.db import make_engine, migrate

SHOWN_REJECTS = 50  # in text output; --json lists them all
PARTIAL = 3  # exit code: the file was read, but some rows were rejected
USAGE = (
    "cli.py import FILE [--channel NAME|auto] [--mapping MAP.toml] [--items ITEMS] [--shop SHOP] [--history]"
    " [--date-format COLUMN=FORMAT] [--dry-run] [--json]\n"
    "       cli.py import suggest FILE > MAP.toml\n"
    "       cli.py import errors [--file NAME] [--json] [--out FILE.csv]"
)
# Which options each form takes (by dest); "import" is the plain FILE form.
OPTIONS = {
    "import": {"channel", "mapping", "items", "shop", "history", "date_format", "dry_run", "json"},
    "suggest": set(),
    "errors": {"file", "json", "out"},
}
ARITY = {
    "import": "give one FILE to import",
    "suggest": "`import suggest` takes one FILE",
    "errors": "`import errors` takes no file (use --file NAME)",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        usage=USAGE,
        help="import an order export file; `import suggest FILE`, `import errors`",
        description="Import an order export. Bad rows are reported with their spreadsheet row number "
        "(header = row 1) and kept in import_errors; the rest of the file lands. Re-running changes nothing. "
        "`import suggest FILE` prints a mapping proposed for the file, to edit and pass as --mapping; "
        "`import errors` lists the quarantined rows.",
        epilog=f"Exit code 0: every row imported; {PARTIAL}: some rows rejected; 1: the file could not be imported.",
    )
    parser.add_argument("words", nargs="+", metavar="FILE | suggest FILE | errors")
    importing = parser.add_argument_group("import FILE")
    importing.add_argument(
        "--channel",
        default="auto",
        choices=["auto", *channels()],
        help="the export's channel; auto (default): the shipped or saved mapping that fits, else a proposed one",
    )
    importing.add_argument("--mapping", type=Path, help="a mapping file (TOML, as `import suggest` writes)")
    importing.add_argument("--items", type=Path, help="Taobao: the items export (宝贝报表) joined by 订单编号")
    importing.add_argument("--shop", help="the shop the orders belong to (default: the file's shop column or channel)")
    importing.add_argument(
        "--history",
        action="store_true",
        help="trade from before go-live: no buyer messages, shipped orders take no stock",
    )
    importing.add_argument(
        "--date-format",
        action="append",
        type=_date_format,
        default=[],
        metavar="COLUMN=FORMAT",
        help=f"how to read a column whose dates fit both orders ({' or '.join(DATE_ORDERS)}); repeatable",
    )
    importing.add_argument("--dry-run", action="store_true", help="check and summarise only: write nothing")
    errors = parser.add_argument_group("import errors")
    errors.add_argument("--file", help="only the rows of this file (its name as imported)")
    errors.add_argument(
        "--out", type=Path, help="write the rows as a CSV with the original columns, to fix and re-import"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run, parser=parser)
    acting.needs(parser, "import_orders")


def _date_format(text: str) -> tuple[str, str]:
    column, _, order = text.rpartition("=")
    if not column or order not in DATE_ORDERS:
        raise argparse.ArgumentTypeError(f"expected COLUMN=FORMAT with FORMAT one of {', '.join(DATE_ORDERS)}")
    return column, order


def run(args: argparse.Namespace) -> int:
    form = args.words[0] if args.words[0] in ("suggest", "errors") else "import"
    operands = args.words[1:] if form != "import" else args.words
    if len(operands) != (form != "errors"):
        args.parser.error(ARITY[form])
    stray = [
        f"--{dest.replace('_', '-')}"
        for dest, value in vars(args).items()
        if dest in set().union(*OPTIONS.values()) - OPTIONS[form] and value != args.parser.get_default(dest)
    ]
    if stray:
        args.parser.error(f"{', '.join(stray)} does not apply to `import {form if form != 'import' else 'FILE'}`")
    if form == "suggest":
        return _suggest(Path(operands[0]))
    engine = make_engine()
    migrate(engine)
    return _errors(engine, args) if form == "errors" else _import(engine, Path(operands[0]), args)


def _import(engine, path: Path, args: argparse.Namespace) -> int:
    if args.mapping and args.channel != "auto":
        args.parser.error("give --channel or --mapping, not both")
    mapping = read_mapping(args.mapping) if args.mapping else None
    if args.dry_run:
        summary = dry_run(
            engine, path, args.channel, mapping, items=args.items, shop=args.shop, date_formats=dict(args.date_format)
        )
    else:
        progress = _ProgressLine() if sys.stderr.isatty() and not args.json else None
        summary = import_file(
            engine,
            args.channel,
            path,
            items=args.items,
            shop=args.shop,
            progress=progress,
            actor=args.acting,
            history=args.history,
            mapping=mapping,
            date_formats=dict(args.date_format),
        )
        if progress:
            progress.finish()
    emit(summary.as_dict(), args.json, _text(summary))
    if summary.rejected:
        where = "would be rejected (dry run)" if summary.dry_run else "rejected (see import_errors)"
        print(f"{summary.rejected} rows {where}", file=sys.stderr)
        return PARTIAL
    return 0


def _suggest(path: Path) -> int:
    sys.stdout.write(suggestion_toml(propose_file(path), path.name))
    return 0


def _errors(engine, args: argparse.Namespace) -> int:
    rows = quarantined_rows(engine, args.file)
    if args.out:
        write_fixup(rows, args.out)
        print(f"{len(rows)} rows written to {args.out}: correct them and import the file again.", file=sys.stderr)
    text = "\n".join(f"{r['file']} row {r['row']}: {r['reason']}  {_cells(r['raw'])}" for r in rows)
    emit(rows, args.json, text or "No quarantined rows.")
    return 0


def _cells(raw: dict) -> str:
    return " | ".join(f"{column}={value}" for column, value in raw.items() if value != "")


def _text(summary: ImportSummary) -> str:
    if summary.dry_run:
        lines = [
            f"Dry run, nothing written: {summary.rows} rows, {summary.orders} orders would land; "
            f"{summary.rejected} rows rejected ({summary.rejected_orders} orders)."
        ]
    else:
        lines = [
            f"{summary.rows} rows, {summary.orders} orders: {summary.new} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.held} held for stock; {summary.rejected} rows rejected "
            f"({summary.rejected_orders} orders)."
        ]
    statuses = ", ".join(f"{status} {count}" for status, count in summary.statuses.items()) or "none"
    lines += [
        f"Lines: {summary.lines}; orders by status: {statuses}.",
        f"Mapping: {summary.mapping['name']} ({summary.mapping['source']}).",
        f"Columns no field took: {', '.join(summary.unmapped_columns) or 'none'}.",
    ]
    lines += [f"  {e.file} row {e.row}: {e.reason()}" for e in summary.errors[:SHOWN_REJECTS]]
    if len(summary.errors) > SHOWN_REJECTS:
        lines.append(f"  … and {len(summary.errors) - SHOWN_REJECTS} more (use --json for all).")
    lines += [f"  warning: {w.file} row {w.row}: {w.reason()}" for w in summary.warnings[:SHOWN_REJECTS]]
    if summary.created_skus:
        made = "to be created" if summary.dry_run else "created"
        lines.append(f"New SKUs {made} (stock 0, details to fill in): {', '.join(summary.created_skus)}.")
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
