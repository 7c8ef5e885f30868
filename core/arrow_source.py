"""Rows from the system of record as Arrow record batches, read with the ADBC drivers.

PostgreSQL is read in-process. SQLite is read by a helper process: the ADBC driver bundles its
own copy of the SQLite library, and two copies in one process break each other's POSIX locks
(https://www.sqlite.org/howtocorrupt.html §2.2.1) — measured here as stale reads and "disk I/O
error" in the app's own connections. The helper streams Arrow IPC back through a FIFO, so the
parent's DuckDB loads batches while the helper is still reading: both cores work.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
BATCH_ROWS = 65_536


class SourceError(RuntimeError):
    """The system of record refused a snapshot or export query."""


class PostgresSource:
    """ADBC PostgreSQL in-process (binary COPY, no file locks to share); one connection, one query at a time."""

    def __init__(self, engine: Engine):
        self.url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._conn: Any = None

    @contextmanager
    def stream(self, sql: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatchReader]:
        import adbc_driver_postgresql.dbapi as driver

        with self._lock:
            if self._conn is None:
                self._conn = driver.connect(self.url, autocommit=True)
            try:
                with self._conn.cursor() as cursor:
                    cursor.execute(sql)
                    yield cursor.fetch_record_batch()
            except driver.OperationalError:
                self.close()  # a dropped connection is opened afresh by the next query
                raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class SqliteSource:
    """ADBC SQLite in helper processes: a small pool, so a cold snapshot can read tables side by side."""

    def __init__(self, engine: Engine, helpers: int = 2):
        self.path = engine.url.database
        self._idle: queue.LifoQueue[_Helper] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(helpers)

    @contextmanager
    def stream(self, sql: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatchReader]:
        with self._slots:
            helper = self._take()
            try:
                with helper.stream(sql, batch_rows) as reader:
                    yield reader
            finally:
                if helper.alive:  # a helper that died (killed, out of memory) is replaced next time
                    self._idle.put(helper)

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


class _Helper:
    """One reader process and its line protocol: a JSON request in, Arrow IPC through a FIFO, a JSON reply."""

    def __init__(self, path: str):
        self._dir = tempfile.mkdtemp(prefix="orderhub-arrow-")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "core.arrow_source", path],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    @contextmanager
    def stream(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatchReader]:
        fifo = os.path.join(self._dir, f"{uuid.uuid4().hex}.arrow")
        os.mkfifo(fifo)
        reply_pending = False
        try:
            self._proc.stdin.write(json.dumps({"sql": sql, "fifo": fifo, "batch_rows": batch_rows}) + "\n")
            self._proc.stdin.flush()
            reply_pending = True
            with open(fifo, "rb") as pipe:  # opens once the helper opens its end (a FIFO cannot seek)
                reader = _open(pipe)
                if reader is None:  # the helper failed before writing; its reply says why
                    reply_pending = False
                    _check(self._proc.stdout.readline())
                    raise SourceError("The SQLite reader process sent no rows.")
                yield reader
                for _ in reader:  # drain what a consumer left, so the helper can finish
                    pass
            reply_pending = False
            _check(self._proc.stdout.readline())
        finally:
            if reply_pending:  # we stopped early: the helper sees the closed pipe and still answers
                self._proc.stdout.readline()
            os.unlink(fifo)

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        if self.alive:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
        os.rmdir(self._dir)


def _open(pipe: Any) -> pa.RecordBatchReader | None:
    try:
        return pa.ipc.open_stream(pipe)
    except (pa.ArrowInvalid, OSError):
        return None


def _check(reply: str) -> None:
    answer = json.loads(reply) if reply else {"error": "the SQLite reader process stopped"}
    if "error" in answer:
        raise SourceError(answer["error"])


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
    """The helper: answer one JSON request per line of stdin, rows through the named FIFO.

    It uses the driver manager directly, not its DB-API layer, which would import pandas and
    make every start of the helper half a second slower.
    """
    import adbc_driver_manager
    import adbc_driver_sqlite

    database = adbc_driver_sqlite.connect(path)
    conn = adbc_driver_manager.AdbcConnection(database)  # autocommit: each query sees the latest commits
    for line in sys.stdin:
        request = json.loads(line)
        with open(request["fifo"], "wb", buffering=0) as pipe:  # unbuffered: no flush at close on a broken pipe
            try:
                statement = adbc_driver_manager.AdbcStatement(conn)
                statement.set_options(**{"adbc.sqlite.query.batch_rows": str(request["batch_rows"])})
                statement.set_sql_query(request["sql"])
                stream, _ = statement.execute_query()
                reader = pa.RecordBatchReader._import_from_c(stream.address)
                with pa.ipc.new_stream(pipe, reader.schema) as writer:
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
