"""The per-shop pull lock, decided by the database: a PostgreSQL advisory lock, or a lease row.

On PostgreSQL the lock is a session-level advisory lock held on a connection of its own for as
long as the pull runs. It belongs to that server session, so a worker killed by SIGKILL (or a
machine that drops off the network) loses it the moment its connection goes, and the next worker
takes the shop over on its next scheduled pull instead of waiting for a lease to expire.
On SQLite (one machine) the lease row in sync_state (core/intake/shop_sync.py) is the lock.
Either way the shop's lock_owner column is written so the status page can show "pulling".
"""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from core import clock
from core.intake import shop_sync
from core.intake.tables import sync_state
from core.store.db import is_postgres, transaction

# The first key of every shop-pull advisory lock, so OrderHub's locks never meet anyone else's.
NAMESPACE = zlib.crc32(b"orderhub:shop-pull") & 0x7FFFFFFF
# Does this session hold the lock? (pg_locks splits a two-int4 key into classid/objid, objsubid 2.)
HOLDING = text(
    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = :namespace AND objid = :shop"
    " AND objsubid = 2 AND pid = pg_backend_pid() AND granted"
)


class ShopLock:
    """acquire() once, held() between windows, release() at the end (also after a failure)."""

    def __init__(self, engine: Engine, shop_id: int, owner: str):
        self.engine, self.shop_id, self.owner = engine, shop_id, owner
        self._session: Connection | None = None  # the advisory lock's own connection (PostgreSQL)

    def acquire(self, now: datetime | None = None) -> bool:
        if not is_postgres(self.engine):
            return shop_sync.acquire(self.engine, self.shop_id, self.owner, now or clock.now())
        session = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = session.execute(select(func.pg_try_advisory_lock(NAMESPACE, self.shop_id))).scalar_one()
        except BaseException:
            session.close()
            raise
        if not taken:
            session.close()
            return False
        self._session = session
        try:
            self._show_owner(self.owner)
        except BaseException:
            self.release()  # never keep a lock the caller does not know it has
            raise
        return True

    def held(self, conn: Connection, now: datetime | None = None) -> bool:
        """Still ours? On PostgreSQL: is the lock's session alive and holding it (a database
        restart ends the session, and another worker may have the shop by now)."""
        if self._session is None:
            return shop_sync.still_ours(conn, self.shop_id, self.owner, now or clock.now())
        try:
            return bool(self._session.execute(HOLDING, {"namespace": NAMESPACE, "shop": self.shop_id}).first())
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        if self._session is None:
            shop_sync.release(self.engine, self.shop_id, self.owner)
            return
        session, self._session = self._session, None
        try:
            session.execute(select(func.pg_advisory_unlock(NAMESPACE, self.shop_id)))
            session.close()
        except SQLAlchemyError:
            session.invalidate()  # the session is gone, and its lock with it
        self._show_owner(None, only_if=self.owner)

    def _show_owner(self, owner: str | None, only_if: str | None = None) -> None:
        """lock_owner is only for display on PostgreSQL: the advisory lock decides."""
        with transaction(self.engine) as conn:
            shop_sync.ensure_row(conn, self.shop_id)
            mine = sync_state.c.shop_id == self.shop_id
            if only_if:
                mine &= sync_state.c.lock_owner == only_if  # a worker that took over keeps its name
            conn.execute(update(sync_state).where(mine).values(lock_owner=owner, lock_expires_at=None))
