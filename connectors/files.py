"""Importing channel order exports (Taobao, JD, Pinduoduo, Shopify, generic; CSV or XLSX) into core.intake.ingest.

Bad rows are quarantined before ingest, with their spreadsheet row number and reason, in
import_errors; an order with one bad row is rejected whole, so no order ever lands half (the
values refused are listed in file_checks). A SKU the store does not know is no bad row: ingest
creates it, as for an API pull, and the summary lists it. Re-running the same file changes nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError

from connectors.file_checks import ANY_CONTROL, MAX_CENTS, check_agreement, check_values, max_qty
from connectors.file_choice import Choice, choose, unmapped_columns
from connectors.file_mapping import Mapping
from connectors.file_orders import Built, build_orders, check_heads, check_line_sums, order_heads
from connectors.file_reading import Table, read_table
from connectors.file_rows import Rows, Source, check_orphans, check_rows, read_rows, reject_whole_orders
from core import clock
from core.errors import InvalidInput, StoreRefused
from core.i18n import t
from core.identity import access
from core.identity.access import Actor
from core.intake import quarantine
from core.intake.ingest import IngestSummary, ingest
from core.spreadsheet import inert_frame
from core.stock.reservations import sku_ids

Progress = Callable[[int, int], None]  # (rows done, rows in total)
_CONTROL = re.compile(ANY_CONTROL)


@dataclass(frozen=True)
class RowError:
    """A rejected row: where it is (spreadsheet row, header = 1), why, and what it held."""

    file: str
    file_sha256: str  # with row, the row's identity in import_errors
    row: int
    code: str
    params: dict
    raw: dict

    def reason(self, lang: str = "en") -> str:
        """One printable line: a cell quoted in it may hold a line break or a NUL, which
        PostgreSQL would refuse to store in import_errors."""
        params = {k: _CONTROL.sub("\ufffd", v) if isinstance(v, str) else v for k, v in self.params.items()}
        return t(f"import.reason.{self.code}", lang, **params)


@dataclass(frozen=True)
class RowWarning:
    """A row that lands changed (a remark cut to its column): where it is and what was done."""

    file: str
    row: int
    code: str
    params: dict

    reason = RowError.reason


@dataclass
class ImportSummary:
    rows: int = 0
    orders: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0
    rejected: int = 0  # rows
    rejected_orders: int = 0
    lines: int = 0  # accepted line rows
    statuses: dict[str, int] = field(default_factory=dict)  # accepted orders per status
    unmapped_columns: list[str] = field(default_factory=list)  # the files' columns no field took
    mapping: dict = field(default_factory=dict)  # the mapping used: name and source (Choice.as_dict)
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    created_skus: list[str] = field(default_factory=list)  # unknown codes made SKUs (by a dry run: to be)
    # Per phase: read, check, build (this module) and ingest (core.intake.ingest, which also makes the
    # NormalisedOrder objects as it asks for them).
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self, lang: str = "en") -> dict:
        listed = ("errors", "warnings", "created_skus", "seconds")
        counts = {k: v for k, v in vars(self).items() if k not in listed}
        rejects, warnings = (
            [{"file": e.file, "row": e.row, "code": e.code, "reason": e.reason(lang)} for e in notes]
            for notes in (self.errors, self.warnings)
        )
        return {
            **counts,
            "rejected_rows": rejects,
            "warnings": warnings,
            "created_skus": self.created_skus,
            "seconds": self.seconds,
        }


# An import nobody in particular started (a script, the tests): the machine, as the ledger names it.
UNATTENDED = Actor("import", "admin")


@dataclass
class Prepared:
    """An export read and checked, its orders ready to be made as ingest asks for them."""

    summary: ImportSummary  # rows, orders and rejects; new/updated/… come with ingest
    built: Built
    choice: Choice  # the mapping used and where it came from
    tables: list[Table]  # the file(s) as read


def import_file(
    engine: Engine,
    channel: str,
    path: str | Path,
    items: str | Path | None = None,
    shop: str | None = None,
    progress: Progress | None = None,
    actor: Actor = UNATTENDED,
    batch_size: int = 10000,
    now: datetime | None = None,
    names: tuple[str, str] | None = None,
    history: bool = False,
    mapping: Mapping | None = None,
    date_formats: dict[str, str] | None = None,
) -> ImportSummary:
    """Import one export (Taobao: the orders file, optionally with its items file).

    `channel` is a shipped mapping's name or "auto" (see file_choice.choose); a `mapping`
    given (the user's own) is used instead. `names` gives the files' own names when they were
    saved under another (an upload); `history` marks trade from before go-live (see
    core.intake.ingest: no messages, no stock taken for orders already shipped); `date_formats`
    answers AmbiguousDates (column → "m/d/Y" or "d/m/Y"). A person's import passes the person
    (`actor`), whose role must be allowed to import orders."""
    access.authorize(actor, "import_orders")
    now = now or clock.now()
    prepared = prepare(engine, channel, path, items, shop, names, mapping, date_formats, now)
    summary = prepared.summary
    started = time.perf_counter()
    options = dict(actor=actor, batch_size=batch_size, now=now, history=history)
    with _refusals_without_data():
        store_errors(engine, summary.errors, now)
        _ingest(engine, prepared.built, summary, progress, options)
    summary.seconds["ingest"] = round(time.perf_counter() - started, 3)
    return summary


@contextmanager
def _refusals_without_data() -> Iterator[None]:
    """The checks keep what the database cannot hold out of ingest; should the database refuse a
    batch all the same, the error says so in one line, without its SQL and buyers' data."""
    try:
        yield
    except StatementError as exc:
        raise StoreRefused.of(exc) from None


def prepare(
    engine: Engine,
    channel: str,
    path: str | Path,
    items: str | Path | None = None,
    shop: str | None = None,
    names: tuple[str, str] | None = None,
    mapping: Mapping | None = None,
    date_formats: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Prepared:
    """Read the file(s), find the bad rows and get the good orders ready; writes nothing.

    `now` is the import's time: a date more than a day after it is refused."""
    stopwatch = _Stopwatch()
    names = names or (Path(path).name, Path(items).name if items else "")
    table = read_table(path, names[0])
    items_table = read_table(items, names[1]) if items is not None else None
    choice = choose(table, items_table, channel, mapping)
    mapping = choice.mapping
    if items_table is not None and mapping.items is None:
        raise InvalidInput(f"A {choice.name} export has no separate items file.")
    sources = [Source(table, mapping.sheet, heads=True, lines=mapping.layout == "lines")]
    if items_table is not None:
        sources.append(Source(items_table, mapping.items, heads=False, lines=True))
    rows = read_rows(mapping, sources, date_formats)
    stopwatch.lap("read")
    qty_limit = max_qty()
    check_rows(rows)
    check_values(rows, mapping.row_key, now or clock.now(), qty_limit)
    if len(sources) > 1:
        check_orphans(rows)
    heads = order_heads(rows, mapping)
    check_heads(rows, heads, mapping)
    check_agreement(rows, heads)
    check_line_sums(rows, heads, qty_limit, MAX_CENTS)
    rejected = reject_whole_orders(rows)
    errors = row_errors(rows, sources)
    stopwatch.lap("check")
    built = build_orders(rows, heads, rejected, mapping, shop)
    stopwatch.lap("build")
    summary = ImportSummary(
        rows=len(rows.key),
        orders=built.count,
        rejected=len(errors),
        rejected_orders=int(rejected.sum()),
        lines=int((rows.is_line & ~rows.problems.bad).sum()),
        statuses=_statuses(heads, rejected),
        unmapped_columns=unmapped_columns(mapping, [src.table for src in sources]),
        mapping=choice.as_dict(),
        errors=errors,
        warnings=row_warnings(rows),
        created_skus=new_skus(engine, rows),
        seconds=stopwatch.laps,
    )
    return Prepared(summary, built, choice, [src.table for src in sources])


def dry_run(
    engine: Engine,
    path: str | Path,
    channel: str = "auto",
    mapping: Mapping | None = None,
    items: str | Path | None = None,
    shop: str | None = None,
    names: tuple[str, str] | None = None,
    date_formats: dict[str, str] | None = None,
) -> ImportSummary:
    """What importing the file would do (orders, lines, statuses, rejects, unmapped columns,
    the mapping used), writing nothing: not even the rejected rows."""
    summary = prepare(engine, channel, path, items, shop, names, mapping, date_formats).summary
    summary.dry_run = True
    return summary


def _statuses(heads: pd.DataFrame, rejected: np.ndarray) -> dict[str, int]:
    accepted = heads["_status"][~rejected[heads.index.to_numpy()]]
    return {str(status): int(count) for status, count in accepted.value_counts().items()}


def _ingest(engine: Engine, built: Built, summary: ImportSummary, progress: Progress | None, options: dict) -> None:
    """core.intake.ingest with progress in rows: the rejected ones first, then each batch's rows."""
    rows_after = np.cumsum([0, *built.row_counts])
    done = 0

    def on_batch(batch: IngestSummary) -> None:
        nonlocal done
        done += batch.new + batch.updated + batch.unchanged
        if progress:
            progress(summary.rejected + int(rows_after[done]), summary.rows)

    if progress:
        progress(summary.rejected, summary.rows)
    result = ingest(engine, built.orders, on_batch=on_batch, **options)
    summary.new, summary.updated, summary.unchanged, summary.held = (
        result.new,
        result.updated,
        result.unchanged,
        result.held,
    )


def new_skus(engine: Engine, rows: Rows) -> list[str]:
    """The codes of accepted lines that are no SKU yet: ingest creates them."""
    if "sku" not in rows.text:
        return []
    codes = set(rows.text["sku"][rows.is_line & ~rows.problems.bad].unique())
    with engine.connect() as conn:
        return sorted(codes - set(sku_ids(conn, codes)))


def row_warnings(rows: Rows) -> list[RowWarning]:
    """The warnings of rows that land, in file order."""
    landing = [(i, code, params) for i, code, params in rows.problems.warnings if not rows.problems.bad[i]]
    landing.sort(key=lambda note: (rows.source[note[0]], rows.row_no[note[0]]))
    return [RowWarning(**rows.where(i), code=code, params=params) for i, code, params in landing]


def row_errors(rows: Rows, sources: list[Source]) -> list[RowError]:
    """The rejected rows in file order, each with its cells as read."""
    bad = np.flatnonzero(rows.problems.bad)
    bad = bad[np.lexsort((rows.row_no[bad], rows.source[bad]))]
    errors = []
    for index, src in enumerate(sources):
        mine = bad[rows.source[bad] == index]
        raws = src.table.frame.iloc[rows.position[mine]].to_dict("records")
        errors += [
            RowError(
                src.table.name,
                src.table.sha256,
                int(rows.row_no[i]),
                rows.problems.codes[i],
                rows.problems.params[i],
                raw,
            )
            for i, raw in zip(mine, raws, strict=True)
        ]
    return errors


def store_errors(engine: Engine, errors: list[RowError], now: datetime) -> None:
    """Quarantine the rejected rows (core.intake.quarantine), each with its one-line reason."""
    if errors:
        quarantine.keep(
            engine,
            [
                {
                    "file_sha256": e.file_sha256,
                    "file_name": e.file,
                    "row_no": e.row,
                    "reason": e.reason(),
                    "raw": e.raw,
                    "created_at": now,
                }
                for e in errors
            ],
        )


def write_fixup(rows: list[dict], path: str | Path) -> None:
    """Quarantined rows as a file to correct and import again: the original headers, the cells
    as they were read (UTF-8 with BOM, so Excel shows Chinese text right; formula-like cells
    quoted, as in every file for people, and read back without the quote)."""
    if not rows:
        raise InvalidInput("There are no quarantined rows to write.")
    if len({tuple(r["raw"]) for r in rows}) > 1:
        raise InvalidInput("The quarantined rows come from files with different columns; choose one with --file.")
    inert_frame(pd.DataFrame([r["raw"] for r in rows], dtype="str")).to_csv(path, index=False, encoding="utf-8-sig")


class _Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now
