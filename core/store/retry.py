"""Whole transactions run again when the database, not a business rule, refused them.

Transient means: a deadlock or serialisation failure, a locked SQLite file, or a lost
connection (a restarted or failed-over PostgreSQL server). The pool replaces connections the
server closed while they were idle (core.store.db); this module makes the retry of the interrupted
transaction explicit. A rolled-back transaction left nothing behind, so running it again is
safe; the one ambiguous case is a connection lost during COMMIT itself, which is why
OrderHub's writes re-check their preconditions (status, idempotency key, conditional UPDATE)
inside the transaction.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from core.store.db import transaction

log = logging.getLogger(__name__)
T = TypeVar("T")
# deadlock, serialisation failure, admin/crash shutdown, "the database system is starting up"
TRANSIENT_SQLSTATES = {"40P01", "40001", "57P01", "57P02", "57P03"}
GIVE_UP_AFTER = 60.0  # seconds: long enough for a server restart, short enough to surface an outage


def is_transient(exc: DBAPIError) -> bool:
    """Would the same transaction, run again, probably succeed?"""
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None)
    if code:
        return code in TRANSIENT_SQLSTATES or code.startswith("08")  # class 08: connection exception
    if "database is locked" in str(exc.orig):
        return True
    # psycopg raises OperationalError without a SQLSTATE when it cannot reach the server at all.
    return isinstance(exc, OperationalError) and type(exc.orig).__module__.startswith("psycopg")


def run(
    engine: Engine,
    work: Callable[[Connection], T],
    give_up_after: float = GIVE_UP_AFTER,
    on_retry: Callable[[Exception], None] | None = None,
    also_retry: Callable[[Exception], bool] | None = None,
) -> T:
    """work(conn) inside transaction(engine), run again with jittered backoff while the failure
    is transient (or, per also_retry, a race the caller knows another run will win); business
    errors (OrderHubError) and anything else propagate at once."""
    deadline, pause = time.monotonic() + give_up_after, 0.01
    while True:
        try:
            with transaction(engine) as conn:
                return work(conn)
        except Exception as exc:
            transient = isinstance(exc, DBAPIError) and is_transient(exc)
            if not (transient or (also_retry and also_retry(exc))) or time.monotonic() > deadline:
                raise
            log.info("transaction retried: %s", getattr(exc, "orig", exc))
            if on_retry:
                on_retry(exc)
        time.sleep(random.uniform(pause / 2, pause))
        pause = min(pause * 2, 1.0)
