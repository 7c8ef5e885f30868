"""The analytics snapshot: DuckDB in-process over an Arrow copy of the facts, refreshed by watermark.

The system of record is read with the ADBC drivers (core.arrow_source; rows arrive as Arrow) and
only rows changed since the last refresh are read again: new ids, plus everything whose order
changed since the newest orders.updated_at held (minus an overlap for transactions that were
still open at the last read). One Snapshot per database is shared by every session of the app
process; queries run on their own DuckDB cursor while a refresh swaps the changed rows in inside
one DuckDB transaction, so readers always see a whole refresh or none of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, inspect

from core.analytics_tables import SPECS, TableSpec
from core.arrow_source import arrow_source

# Writers stamp updated_at with the time their transaction started; one still open at our last
# read commits rows older than the watermark, so each refresh re-reads this much before it.
DEFAULT_OVERLAP = timedelta(minutes=2)


class Snapshot:
    """A DuckDB copy of the report tables of one system of record."""

    def __init__(self, engine: Engine, overlap: timedelta = DEFAULT_OVERLAP, threads: int = 2):
        self.engine = engine
        self.overlap = overlap
        self._db = duckdb.connect(":memory:", config={"threads": threads})
        self.source = arrow_source(engine)
        self._refresh_lock = threading.Lock()
        self._max_ids: dict[str, int] = {}
        self.watermarks: dict[str, datetime] = {}  # newest updated_at held, per table that has one
        self.refreshed_at: float | None = None  # time.monotonic() of the last finished refresh
        self.last_refresh_rows: dict[str, int] = {}

    # --- reading -------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a query on the snapshot (refreshing it first when it was never loaded)."""
        if self.refreshed_at is None:
            self.refresh()
        cursor = self._db.cursor()
        try:
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.close()

    def has_table(self, name: str) -> bool:
        return name in self._max_ids

    def ensure_fresh(self, max_age_seconds: float = 10.0) -> None:
        """Refresh unless another caller did so within max_age_seconds (many sessions, one read)."""
        if self.refreshed_at is None or time.monotonic() - self.refreshed_at > max_age_seconds:
            with self._refresh_lock:
                if self.refreshed_at is not None and time.monotonic() - self.refreshed_at <= max_age_seconds:
                    return
                self._refresh_locked()

    # --- refreshing ----------------------------------------------------------------------
    def refresh(self) -> dict[str, int]:
        """Read what changed since the last refresh; returns the rows read per table."""
        with self._refresh_lock:
            return self._refresh_locked()

    def _refresh_locked(self) -> dict[str, int]:
        present = [spec for spec in SPECS if spec.name in set(inspect(self.engine).get_table_names())]
        first_time = [spec for spec in present if spec.mode == "delta" and spec.name not in self._max_ids]
        read = self._load_side_by_side(first_time)
        writer = self._db.cursor()
        writer.begin()
        try:
            for spec in present:
                if spec not in first_time:
                    read[spec.name] = self._load(writer, spec, self._since(spec))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        self._note_marks(writer)
        writer.close()
        self.refreshed_at = time.monotonic()
        self.last_refresh_rows = read
        return read

    @property
    def watermark(self) -> datetime | None:
        """The newest orders.updated_at held: how far the snapshot has seen the order book."""
        return self.watermarks.get("orders")

    def _since(self, spec: TableSpec) -> datetime | None:
        mark = self.watermarks.get(spec.clock)
        return mark - self.overlap if mark else None

    def _load_side_by_side(self, specs: list[TableSpec]) -> dict[str, int]:
        """First loads of big tables, two at a time, each on its own cursor and reader process.

        Nothing reads a table before its first load has finished (query() waits for the first
        refresh), so these need no shared transaction; it is what makes a cold start bearable.
        """

        def load(spec: TableSpec) -> int:
            cursor = self._db.cursor()
            try:
                return self._load(cursor, spec, None)
            finally:
                cursor.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip([spec.name for spec in specs], pool.map(load, specs), strict=True))

    def _load(self, writer: duckdb.DuckDBPyConnection, spec: TableSpec, since: datetime | None) -> int:
        dialect = "sqlite" if self.engine.dialect.name == "sqlite" else "postgresql"
        incremental = spec.mode == "delta" and spec.name in self._max_ids
        sql = spec.select(dialect, self._max_ids.get(spec.name) if incremental else None, since)
        with self.source.stream(sql) as wire:
            if incremental:
                return _replace_rows(writer, spec, wire.read_all())
            # Streamed batch by batch into DuckDB: a cold load never holds the whole table as Arrow.
            writer.register("wire", wire)
            writer.execute(f"CREATE OR REPLACE TABLE {spec.name} AS {spec.typed('wire')}")
            writer.unregister("wire")
        return _scalar(writer, f"SELECT count(*) FROM {spec.name}")

    def _note_marks(self, writer: duckdb.DuckDBPyConnection) -> None:
        present = {row[0] for row in writer.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for spec in SPECS:
            if spec.name in present and "id" in spec.columns:
                self._max_ids[spec.name] = _scalar(writer, f"SELECT coalesce(max(id), 0) FROM {spec.name}")
            elif spec.name in present:
                self._max_ids[spec.name] = 0
            if spec.name in present and "updated_at" in spec.columns:
                mark = _scalar(writer, f"SELECT max(updated_at) FROM {spec.name}")
                if mark is not None:
                    self.watermarks[spec.name] = mark

    def close(self) -> None:
        """Close the DuckDB copy (the reader is shared per database: core.arrow_source.close_sources)."""
        self._db.close()


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> Any:
    # fetchall, not fetchone: DuckDB refuses further work on a cursor with an unfinished result.
    return conn.execute(sql).fetchall()[0][0]


def _replace_rows(writer: duckdb.DuckDBPyConnection, spec: TableSpec, delta: pa.Table) -> int:
    """Swap in the changed rows by id: delete the old copies, insert the new ones."""
    if delta.num_rows == 0:
        return 0
    writer.register("delta", delta)
    writer.execute(f"DELETE FROM {spec.name} WHERE id IN (SELECT CAST(id AS BIGINT) FROM delta)")
    writer.execute(f"INSERT INTO {spec.name} {spec.typed('delta')}")
    writer.unregister("delta")
    return delta.num_rows


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
