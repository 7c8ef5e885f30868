"""Per-shop sync state in the store: watermark, last result, the pull lock and known listings.

The lock is taken with one conditional UPDATE (free, expired, or already ours) checked by its
row count, so two workers on any number of machines never pull the same shop at once, and a
dead worker's lock is taken over once it expires.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row

if TYPE_CHECKING:
    from core.intake.shop_locks import ShopLock

from core.intake.ingest import ensure_shops
from core.intake.tables import channel_listings, sync_state
from core.model import Listing
from core.stock.tables import skus
from core.store.db import transaction, upsert
from core.store.tables import shops

LOCK_TTL = timedelta(minutes=15)


def owner_id() -> str:
    """Who holds a lock: host, process and a random part (a restarted pid is a new owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_row(conn: Connection, shop_id: int) -> None:
    """The shop's sync_state row exists afterwards."""
    upsert(conn, sync_state, [{"shop_id": shop_id}], ["shop_id"])


def acquire(engine: Engine, shop_id: int, owner: str, now: datetime, ttl: timedelta = LOCK_TTL) -> bool:
    """Take the shop's lease-row lock if it is free, expired or already ours (the SQLite path;
    core/intake/shop_locks.py uses an advisory lock on PostgreSQL)."""
    with transaction(engine) as conn:
        ensure_row(conn, shop_id)
        taken = conn.execute(
            update(sync_state)
            .where(
                sync_state.c.shop_id == shop_id,
                or_(
                    sync_state.c.lock_owner.is_(None),
                    sync_state.c.lock_owner == owner,
                    sync_state.c.lock_expires_at < now,
                ),
            )
            .values(lock_owner=owner, lock_expires_at=now + ttl)
        )
        return taken.rowcount == 1


def still_ours(conn: Connection, shop_id: int, owner: str, now: datetime, ttl: timedelta = LOCK_TTL) -> bool:
    """Extend our lock (a heartbeat between windows); False when another worker took it over."""
    result = conn.execute(
        update(sync_state)
        .where(sync_state.c.shop_id == shop_id, sync_state.c.lock_owner == owner)
        .values(lock_expires_at=now + ttl)
    )
    return result.rowcount == 1


def release(engine: Engine, shop_id: int, owner: str) -> None:
    with transaction(engine) as conn:
        conn.execute(
            update(sync_state)
            .where(sync_state.c.shop_id == shop_id, sync_state.c.lock_owner == owner)
            .values(lock_owner=None, lock_expires_at=None)
        )


def watermark(engine: Engine, shop_id: int) -> datetime | None:
    with engine.connect() as conn:
        return conn.execute(select(sync_state.c.watermark).where(sync_state.c.shop_id == shop_id)).scalar()


def advance(conn: Connection, shop_id: int, to: datetime) -> None:
    """Move the bookmark forward (never back), in the caller's transaction."""
    conn.execute(
        update(sync_state)
        .where(sync_state.c.shop_id == shop_id, or_(sync_state.c.watermark.is_(None), sync_state.c.watermark < to))
        .values(watermark=to)
    )


def record(engine: Engine, shop_id: int, now: datetime, orders_in: int, error: str | None) -> None:
    """The outcome of a pull, for the status page."""
    with transaction(engine) as conn:
        conn.execute(
            update(sync_state)
            .where(sync_state.c.shop_id == shop_id)
            .values(last_pull_at=now, last_orders_in=orders_in, last_error=error)
        )


def status(engine: Engine) -> list[Row]:
    """Every shop with its sync state (shops never pulled have empty state)."""
    query = (
        select(
            shops.c.name.label("shop"),
            shops.c.channel,
            shops.c.active,
            sync_state.c.last_pull_at,
            sync_state.c.last_orders_in,
            sync_state.c.last_error,
            sync_state.c.watermark,
            sync_state.c.lock_owner,
        )
        .outerjoin(sync_state, sync_state.c.shop_id == shops.c.id)
        .order_by(shops.c.name)
    )
    with engine.connect() as conn:
        return conn.execute(query).all()


def remember_listings(conn: Connection, shop_id: int, listings: list[Listing]) -> None:
    """Store (or refresh) where the SKUs live on the shop's platform."""
    rows = {
        item.sku: {
            "shop_id": shop_id,
            "sku": item.sku,
            "item_id": item.item_id,
            "platform_sku_id": item.platform_sku_id,
        }
        for item in listings
    }
    if rows:
        upsert(conn, channel_listings, list(rows.values()), ["shop_id", "sku"], ("item_id", "platform_sku_id"))


def listing(engine: Engine, shop_id: int, sku: str) -> Listing | None:
    query = select(channel_listings).where(channel_listings.c.shop_id == shop_id, channel_listings.c.sku == sku)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return Listing(row.sku, row.item_id, row.platform_sku_id) if row else None


def sellable():
    """What a channel may sell: available stock above the safety stock, never negative."""
    above_safety = skus.c.on_hand - skus.c.reserved - skus.c.safety_stock
    return case((above_safety > 0, above_safety), else_=0)


def changed_listings(engine: Engine, shop_id: int) -> list[tuple[Listing, int]]:
    """The shop's listings whose sellable quantity differs from what was last pushed."""
    quantity = sellable()
    query = (
        select(channel_listings, quantity.label("sellable"))
        .join(skus, skus.c.sku == channel_listings.c.sku)
        .where(
            channel_listings.c.shop_id == shop_id,
            or_(channel_listings.c.pushed_available.is_(None), channel_listings.c.pushed_available != quantity),
        )
        .order_by(channel_listings.c.sku)
    )
    with engine.connect() as conn:
        return [(Listing(r.sku, r.item_id, r.platform_sku_id), r.sellable) for r in conn.execute(query)]


def mark_pushed(engine: Engine, shop_id: int, sku: str, available: int, now: datetime) -> None:
    with transaction(engine) as conn:
        conn.execute(
            update(channel_listings)
            .where(and_(channel_listings.c.shop_id == shop_id, channel_listings.c.sku == sku))
            .values(pushed_available=available, pushed_at=now)
        )


def ensure_shop(engine: Engine, name: str, channel: str) -> int:
    """The shop's id, creating the shop (and its channel) on first sight."""
    with transaction(engine) as conn:
        return ensure_shops(conn, {(name, channel)})[name].id


def finish_window(engine: Engine, lock: ShopLock, shop_id: int, listings: list[Listing], end: datetime) -> bool:
    """Remember a pulled window's listings and advance the watermark past it, in one transaction,
    only while this worker still holds the shop's lock; False (nothing written) once it lost it."""
    with transaction(engine) as conn:
        if not lock.held(conn):
            return False
        remember_listings(conn, shop_id, listings)
        advance(conn, shop_id, end)
    return True


def active_shops(engine: Engine, names: list[str]) -> list[tuple[str, str]]:
    """(name, channel) of those of the named shops that are in the store and active, oldest first."""
    query = select(shops.c.name, shops.c.channel).where(shops.c.name.in_(names), shops.c.active)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query.order_by(shops.c.id))]
