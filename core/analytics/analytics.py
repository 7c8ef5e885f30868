"""The analytics snapshot: DuckDB in-process over an Arrow copy of the facts, refreshed by watermark.

The system of record is read with the ADBC drivers (core.store.arrow_source; rows arrive as Arrow) and
only rows changed since the last refresh are read again: new ids, plus everything whose order
changed since the newest orders.updated_at held (minus an overlap for transactions that were
still open at the last read; on PostgreSQL, only those of its rows the last read may have
missed, by transaction id). One Snapshot per database is shared by every session of the app
process; queries run on their own DuckDB cursor while a refresh swaps the changed rows in inside
one DuckDB transaction, so readers always see a whole refresh or none of it.

A table is copied the first time a query names it (or refresh() asks for it), so the big screen,
which reads orders only, never waits for order lines or the audit log. A first copy reads the
table in id ranges that the source's helper processes read side by side.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import Engine, inspect

from core.analytics.analytics_tables import SPECS, TableSpec
from core.store.arrow_source import Part, arrow_source, id_ranges, whole

# Writers stamp updated_at with the time their transaction started; one still open at our last
# read commits rows older than the watermark, so each refresh re-reads this much before it.
# (It also covers rows changed while a first copy was being read, which takes far less.)
DEFAULT_OVERLAP = timedelta(minutes=2)
# The oldest transaction still running, and the next to start (as 64-bit xids, with their epoch).
XID_HORIZON = "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint FROM pg_current_snapshot() s"
LOAD_SETTINGS = {
    # Row order means nothing in a copy (every report sorts), and keeping it makes loads three
    # times slower: DuckDB then appends the parts' batches one after another.
    "preserve_insertion_order": False,
    # An in-memory database still checkpoints (compressing every table again) each time 16 MiB
    # were appended: a first copy of 10M orders spent most of its time there (measured 7x).
    "checkpoint_threshold": "1TB",
}


class Snapshot:
    """A DuckDB copy of the report tables of one system of record."""

    def __init__(self, engine: Engine, overlap: timedelta = DEFAULT_OVERLAP, threads: int = 2):
        self.engine = engine
        self.overlap = overlap
        self._db = duckdb.connect(":memory:", config={"threads": threads, **LOAD_SETTINGS})
        self.source = arrow_source(engine)
        self._dialect = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
        self._refresh_lock = threading.Lock()
        self._max_ids: dict[str, int] = {}  # the tables held, with the highest id of each
        self._wanted: set[str] = set()  # tables asked for (held, or not in the store yet)
        self.watermarks: dict[str, datetime] = {}  # newest updated_at held, per table that has one
        self._horizon: int | None = None  # PostgreSQL: xid8 before which the last refresh saw every commit
        self.refreshed_at: float | None = None  # time.monotonic() of the last finished refresh
        self.last_refresh_rows: dict[str, int] = {}

    # --- reading -------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a query on the snapshot, first copying any table it names that is not held yet."""
        self._hold(_tables_in(sql))
        cursor = self._db.cursor()
        try:
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.close()

    def has_table(self, name: str) -> bool:
        """Whether the store has the table (it is then copied, if it was not yet)."""
        self._hold({name})
        return name in self._max_ids

    def ensure_fresh(self, max_age_seconds: float = 10.0) -> None:
        """Refresh unless another caller did so within max_age_seconds (many sessions, one read)."""
        if self.refreshed_at is None or time.monotonic() - self.refreshed_at > max_age_seconds:
            with self._refresh_lock:
                if self.refreshed_at is not None and time.monotonic() - self.refreshed_at <= max_age_seconds:
                    return
                self._refresh_locked(set())

    def refresh_behind(self, max_age_seconds: float = 10.0) -> None:
        """ensure_fresh without the wait, once something is held: a page shows the copy it has at
        once while a background thread reads what changed, for the page's next run (a read of a
        million-order store's changes takes a few tenths of a second, every time a page asks)."""
        if self.refreshed_at is None:
            self.ensure_fresh(max_age_seconds)
        elif time.monotonic() - self.refreshed_at > max_age_seconds and not self._refresh_lock.locked():
            threading.Thread(target=self.ensure_fresh, args=(max_age_seconds,), daemon=True).start()

    def _hold(self, names: set[str]) -> None:
        if names <= self._max_ids.keys():
            return
        with self._refresh_lock:  # after a refresh, a wanted table not held is one the store lacks
            if not names <= self._wanted:
                self._refresh_locked(names)

    # --- refreshing ----------------------------------------------------------------------
    def refresh(self, tables: Collection[str] | None = None) -> dict[str, int]:
        """Read what changed in the tables held, and copy `tables` (default: all) not held yet.

        Returns the rows read per table.
        """
        with self._refresh_lock:
            return self._refresh_locked({spec.name for spec in SPECS} if tables is None else set(tables))

    def _refresh_locked(self, tables: set[str]) -> dict[str, int]:
        wanted = self._wanted | tables
        # A table's changes are found through its clock table's watermark, so that comes along.
        wanted |= {spec.clock for spec in SPECS if spec.name in wanted and spec.mode == "delta"}
        in_store = set(inspect(self.engine).get_table_names())
        present = [spec for spec in SPECS if spec.name in wanted and spec.name in in_store]
        held = [spec for spec in present if spec.name in self._max_ids]
        horizon, unseen_from = self._horizons()  # before anything is read
        read = self._copy([spec for spec in present if spec not in held])
        writer = self._db.cursor()
        writer.begin()
        try:
            queries = [
                spec.select(self._dialect, self._max_ids[spec.name], self._since(spec), unseen_from_xid=unseen_from)
                for spec in held
            ]
            with self.source.parts(queries) as parts:
                for spec, part in zip(held, parts, strict=True):
                    read[spec.name] = _update(writer, spec, part)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        self._note_marks(writer, present)
        self._horizon = horizon
        writer.close()
        self._wanted = wanted
        self.refreshed_at = time.monotonic()
        self.last_refresh_rows = read
        return read

    @property
    def watermark(self) -> datetime | None:
        """The newest orders.updated_at held: how far the snapshot has seen the order book."""
        return self.watermarks.get("orders")

    def _horizons(self) -> tuple[int | None, int | None]:
        """PostgreSQL: (this refresh's horizon, the last one's as the 32-bit xid rows carry, or None).

        A refresh re-reads the overlap's rows (minutes of them, under load) to catch writers that
        were still open at its last read. Which rows that read may have missed, PostgreSQL can say
        exactly: only those written by a transaction from the oldest one running before it began
        (the snapshot's xmin, which never goes back), whose ids compare as 32 bits in one epoch.
        Across an epoch's end (every 4 billion transactions), the whole overlap is read again."""
        if self._dialect != "postgresql":
            return None, None
        with self.engine.connect() as conn:
            oldest, upcoming = conn.exec_driver_sql(XID_HORIZON).one()
        last = self._horizon
        same_epoch = last is not None and last >> 32 == upcoming >> 32
        return oldest, last & 0xFFFFFFFF if same_epoch else None

    def _since(self, spec: TableSpec) -> datetime | None:
        mark = self.watermarks.get(spec.clock)
        return mark - self.overlap if mark else None

    def _copy(self, specs: list[TableSpec]) -> dict[str, int]:
        """First copies: every table cut into id ranges, the parts loaded as the helpers deliver them.

        Nothing reads a table before it is held (query() waits on the refresh lock), so a first
        copy needs no transaction; a failed one is replaced whole by the next refresh.
        """
        plan = [(spec, sql) for spec in specs for sql in self._parts_of(spec)]
        created: set[str] = set()
        writer = self._db.cursor()
        with self.source.parts([sql for _, sql in plan]) as parts:
            for (spec, _), part in zip(plan, parts, strict=True):
                verb = f"INSERT INTO {spec.name}" if spec.name in created else f"CREATE OR REPLACE TABLE {spec.name} AS"
                _load(writer, f"{verb} {spec.typed('part')}", part)
                created.add(spec.name)
                del part  # its shared memory is freed while the next part is awaited
        writer.close()
        return {spec.name: _scalar(self._db, f"SELECT count(*) FROM {spec.name}") for spec in specs}

    def _parts_of(self, spec: TableSpec) -> list[str]:
        if spec.mode != "delta":
            return [spec.select(self._dialect)]
        return [spec.select(self._dialect, ids=ids) for ids in id_ranges(self.source, spec.name)]

    def _note_marks(self, writer: duckdb.DuckDBPyConnection, specs: list[TableSpec]) -> None:
        for spec in specs:
            has_id = "id" in spec.columns
            self._max_ids[spec.name] = _scalar(writer, f"SELECT coalesce(max(id), 0) FROM {spec.name}") if has_id else 0
            if "updated_at" in spec.columns:
                mark = _scalar(writer, f"SELECT max(updated_at) FROM {spec.name}")
                if mark is not None:
                    self.watermarks[spec.name] = mark

    def close(self) -> None:
        """Close the DuckDB copy (the reader is shared per database: core.store.arrow_source.close_sources)."""
        self._db.close()


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> Any:
    # fetchall, not fetchone: DuckDB refuses further work on a cursor with an unfinished result.
    return conn.execute(sql).fetchall()[0][0]


def _load(writer: duckdb.DuckDBPyConnection, sql: str, part: Part) -> int:
    """Run an INSERT or CREATE TABLE AS reading the Arrow part as `part`; returns the rows it wrote."""
    writer.register("part", part)
    try:
        return _scalar(writer, sql)
    finally:
        writer.unregister("part")


def _update(writer: duckdb.DuckDBPyConnection, spec: TableSpec, part: Part) -> int:
    """Apply a refresh's rows: a small table is replaced; a delta's rows replace their old copies by id."""
    if spec.mode != "delta":
        return _load(writer, f"CREATE OR REPLACE TABLE {spec.name} AS {spec.typed('part')}", part)
    delta = whole(part)  # read twice below
    if delta.num_rows == 0:
        return 0
    _load(writer, f"DELETE FROM {spec.name} WHERE id IN (SELECT CAST(id AS BIGINT) FROM part)", delta)
    return _load(writer, f"INSERT INTO {spec.name} {spec.typed('part')}", delta)


def _tables_in(sql: str) -> set[str]:
    """The snapshot tables a query names (by word: a column called orders only copies orders sooner).

    Not duckdb.get_table_names, which cannot parse a statement with ? parameters.
    """
    return {spec.name for spec in SPECS if re.search(rf"\b{spec.name}\b", sql)}


_shared: dict[str, Snapshot] = {}
_shared_lock = threading.Lock()


def shared_snapshot(engine: Engine) -> Snapshot:
    """The process-wide snapshot of this engine's database (one per URL, for every session)."""
    key = engine.url.render_as_string(hide_password=False)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Snapshot(engine)
        return _shared[key]


def forget_shared() -> None:
    """Drop every shared snapshot (tests, or after restoring a backup)."""
    with _shared_lock:
        for snapshot in _shared.values():
            snapshot.close()
        _shared.clear()
