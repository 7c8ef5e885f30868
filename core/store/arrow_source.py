"""Rows from the system of record as Arrow, read with the ADBC drivers, one part per query.

A caller hands over several queries (a table cut into id ranges, say) and gets one Arrow part
per query, in order. PostgreSQL is read in-process, one query after another. SQLite is read by
helper processes: the ADBC driver bundles its own copy of the SQLite library, and two copies in
one process break each other's POSIX locks (https://www.sqlite.org/howtocorrupt.html §2.2.1) —
measured here as stale reads and "disk I/O error" in the app's own connections. Each helper
writes its part as an Arrow IPC file in shared memory and the caller maps it (no copy, no pipe
to wait on), so both cores read while the caller loads the parts already written.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]
BATCH_ROWS = 65_536
# Parts written ahead of the one being consumed, per helper: enough to keep the helpers busy,
# few enough that shared memory holds a handful of parts, not a whole table.
AHEAD_PER_HELPER = 2
# Ids per part when a table is read in parts: enough parts that the helpers and the caller work
# at the same time even at a million rows, few enough that the per-part round trip is noise.
PART_IDS = 250_000
SHARED_MEMORY = "/dev/shm"
SCRATCH_ROOM = 1 << 30

Part = pa.Table | pa.RecordBatchReader


class SourceError(RuntimeError):
    """The system of record refused a snapshot or export query."""


class PostgresSource:
    """ADBC PostgreSQL in-process (binary COPY, no file locks to share); one connection, one query at a time."""

    helpers = 1

    def __init__(self, engine: Engine):
        self.url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._conn: Any = None

    @contextmanager
    def parts(self, queries: Sequence[str], batch_rows: int = BATCH_ROWS) -> Iterator[Iterator[Part]]:
        """Each query's rows as a record batch reader, streamed one query after another."""
        import adbc_driver_postgresql.dbapi as driver

        with self._lock:
            if self._conn is None:
                self._conn = driver.connect(self.url, autocommit=True)
            try:
                yield self._each(queries)
            except driver.OperationalError:
                self.close()  # a dropped connection is opened afresh by the next query
                raise

    def _each(self, queries: Sequence[str]) -> Iterator[Part]:
        for sql in queries:
            with self._conn.cursor() as cursor:
                cursor.execute(sql)
                yield cursor.fetch_record_batch()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class SqliteSource:
    """ADBC SQLite in helper processes, one per core, reading parts side by side."""

    def __init__(self, engine: Engine, helpers: int = 2):
        self.path = engine.url.database
        self.helpers = helpers
        self._idle: queue.LifoQueue[_Helper] = queue.LifoQueue()

    @contextmanager
    def parts(self, queries: Sequence[str], batch_rows: int = BATCH_ROWS) -> Iterator[Iterator[Part]]:
        """Each query's rows as an Arrow table mapped from shared memory, in the order asked.

        The helpers read a few parts ahead of the caller; leaving the block early stops them.
        """
        folder = tempfile.mkdtemp(prefix="orderhub-arrow-", dir=_scratch_dir())
        pool = ThreadPoolExecutor(self.helpers, thread_name_prefix="sqlite-reader")
        try:
            yield self._in_order(pool, queries, folder, batch_rows)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            shutil.rmtree(folder, ignore_errors=True)

    def _in_order(
        self, pool: ThreadPoolExecutor, queries: Sequence[str], folder: str, batch_rows: int
    ) -> Iterator[Part]:
        work = ((sql, os.path.join(folder, f"{n}.arrow")) for n, sql in enumerate(queries))
        pending: deque[Future[str]] = deque()

        def top_up() -> None:
            for sql, out in itertools.islice(work, self.helpers * AHEAD_PER_HELPER - len(pending)):
                pending.append(pool.submit(self._read, sql, out, batch_rows))

        top_up()
        while pending:
            out = pending.popleft().result()
            top_up()
            yield pa.ipc.open_file(pa.memory_map(out)).read_all()
            os.unlink(out)  # its memory goes once the caller drops the table mapped from it

    def _read(self, sql: str, out: str, batch_rows: int) -> str:
        helper = self._take()
        try:
            helper.write(sql, out, batch_rows)
        finally:
            if helper.alive:  # a helper that died (killed, out of memory) is replaced next time
                self._idle.put(helper)
        return out

    def _take(self) -> _Helper:
        while True:
            try:
                helper = self._idle.get_nowait()
            except queue.Empty:
                return _Helper(self.path)
            if helper.alive:
                return helper
            helper.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _scratch_dir() -> str | None:
    """Shared memory when it has room for the parts in flight, else the temporary directory.

    (A container's /dev/shm is often 64 MB; a few orders parts in flight take a few hundred.)
    """
    try:
        room = shutil.disk_usage(SHARED_MEMORY).free
    except OSError:
        return None
    return SHARED_MEMORY if room >= SCRATCH_ROOM and os.access(SHARED_MEMORY, os.W_OK) else None


class _Helper:
    """One reader process and its line protocol: a JSON request in, an Arrow IPC file written, a JSON reply."""

    def __init__(self, path: str):
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "core.store.arrow_source", path],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def write(self, sql: str, out: str, batch_rows: int) -> None:
        self._proc.stdin.write(json.dumps({"sql": sql, "out": out, "batch_rows": batch_rows}) + "\n")
        self._proc.stdin.flush()
        _check(self._proc.stdout.readline())

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        if self.alive:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)


def _check(reply: str) -> None:
    answer = json.loads(reply) if reply else {"error": "the SQLite reader process stopped"}
    if "error" in answer:
        raise SourceError(answer["error"])


def id_ranges(
    source: PostgresSource | SqliteSource, table: str, size: int | None = None
) -> list[tuple[int, int | None]]:
    """The table's ids cut into (low, high) ranges of `size` (default PART_IDS) ids, low <= id < high.

    The last range is open-ended (high None) so rows added meanwhile are read too; an empty
    table gets one open range, so a reader still learns the columns.
    """
    with source.parts([f"SELECT min(id) AS low, max(id) AS high FROM {table}"]) as parts:
        low, high = whole(next(parts)).to_pylist()[0].values()
    size = size or PART_IDS
    starts = list(range(low, high + 1, size)) if low is not None else [0]
    return [(start, start + size) for start in starts[:-1]] + [(starts[-1], None)]


def whole(part: Part) -> pa.Table:
    """A part as one table (PostgreSQL's parts are streams, read once)."""
    return part.read_all() if isinstance(part, pa.RecordBatchReader) else part


_sources: dict[str, PostgresSource | SqliteSource] = {}
_sources_lock = threading.Lock()


def arrow_source(engine: Engine) -> PostgresSource | SqliteSource:
    """The process-wide reader of this engine's database (one helper process per SQLite file)."""
    key = engine.url.render_as_string(hide_password=False)
    with _sources_lock:
        if key not in _sources:
            _sources[key] = SqliteSource(engine) if engine.dialect.name == "sqlite" else PostgresSource(engine)
        return _sources[key]


@atexit.register
def close_sources() -> None:
    """Stop every helper process and close every connection (at exit, or when a test is done)."""
    with _sources_lock:
        for source in _sources.values():
            source.close()
        _sources.clear()


def serve(path: str) -> None:
    """The helper: answer one JSON request per line of stdin, writing the rows to the named Arrow IPC file.

    It uses the driver manager directly, not its DB-API layer, which would import pandas and
    make every start of the helper half a second slower.
    """
    import adbc_driver_manager
    import adbc_driver_sqlite

    database = adbc_driver_sqlite.connect(path)
    conn = adbc_driver_manager.AdbcConnection(database)  # autocommit: each query sees the latest commits
    for line in sys.stdin:
        request = json.loads(line)
        try:
            statement = adbc_driver_manager.AdbcStatement(conn)
            statement.set_options(**{"adbc.sqlite.query.batch_rows": str(request["batch_rows"])})
            statement.set_sql_query(request["sql"])
            stream, _ = statement.execute_query()
            reader = pa.RecordBatchReader._import_from_c(stream.address)
            with pa.OSFile(request["out"], "wb") as sink, pa.ipc.new_file(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
            statement.close()
            answer: dict = {"ok": True}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
            answer = {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    conn.close()
    database.close()


if __name__ == "__main__":
    serve(sys.argv[1])
