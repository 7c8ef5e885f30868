"""Incremental pulls and stock push-back, the same for every channel.

A pull reads the shop's watermark, re-reads an overlap before it (orders modified at the edge
of the last window are not missed), walks windows no longer than the platform allows, commits
each window's orders through core.intake.ingest and only then advances the watermark. Holding the
shop's lock (core/intake/shop_locks.py) for the whole pull keeps a second worker away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine

from connectors.base import ApiConnector, ChannelError, NormalisedOrder, UnknownPlatformData, Window
from core import clock
from core.errors import OrderHubError
from core.intake import shop_sync
from core.intake.ingest import IngestSummary, ingest
from core.intake.shop_locks import ShopLock

log = logging.getLogger(__name__)
NUL = "\x00"
OVERLAP = timedelta(minutes=5)
FIRST_PULL = timedelta(days=1)


@dataclass
class PullResult:
    shop: str
    channel: str
    windows: int = 0
    fetched: int = 0
    summary: IngestSummary = field(default_factory=IngestSummary)
    skipped: bool = False  # another worker holds the shop's lock
    error: str | None = None
    pushed: int = 0  # listings whose stock was pushed back

    @property
    def orders_in(self) -> int:
        return self.summary.new + self.summary.updated


def plan(connector: ApiConnector, bookmark: datetime | None, now: datetime) -> list[Window]:
    """The windows of the next pull: from the bookmark less the overlap, to now less the settle time."""
    first = connector.settings.get("start")
    start = bookmark - OVERLAP if bookmark else (first or now - FIRST_PULL)
    end = now - connector.settle
    return Window(start, end).split(connector.max_window) if end > start else []


def pull(
    engine: Engine,
    connector: ApiConnector,
    now: datetime | None = None,
    owner: str | None = None,
    push_stock: bool = False,
) -> PullResult:
    """One incremental pull of the connector's shop (then, if asked, its stock push-back, under
    the same lock); raises OrderHubError after recording it for the status page."""
    now = now or clock.now()
    owner = owner or shop_sync.owner_id()
    result = PullResult(connector.shop, connector.channel)
    shop_id = shop_sync.ensure_shop(engine, connector.shop, connector.channel)
    lock = ShopLock(engine, shop_id, owner)
    if not lock.acquire():
        result.skipped = True
        return result
    try:
        for window in plan(connector, shop_sync.watermark(engine, shop_id), now):
            _pull_window(engine, connector, shop_id, lock, window, result)
        if push_stock:
            result.pushed = push_changed_stock(engine, connector)
        shop_sync.record(engine, shop_id, now, result.orders_in, None)
    except OrderHubError as exc:
        result.error = str(exc)
        shop_sync.record(engine, shop_id, now, result.orders_in, result.error)
        raise
    finally:
        lock.release()
    return result


def _pull_window(
    engine: Engine, connector: ApiConnector, shop_id: int, lock: ShopLock, window: Window, result: PullResult
) -> None:
    latest: dict[str, tuple[NormalisedOrder, dict]] = {}
    for raw in connector.records(window):
        order = _normalised(connector, raw)
        known = latest.get(order.channel_order_no)
        # A trade modified while we page can show up twice; keep its newest copy.
        if known is None or _changed_at(order) >= _changed_at(known[0]):
            latest[order.channel_order_no] = (order, raw)
    orders = sorted((order for order, _ in latest.values()), key=lambda o: (_changed_at(o), o.channel_order_no))
    result.summary.add(ingest(engine, orders, actor=f"sync:{connector.shop}"))
    result.windows += 1
    result.fetched += len(orders)
    listings = [item for _, raw in latest.values() for item in connector.listings(raw)]
    if not shop_sync.finish_window(engine, lock, shop_id, listings, window.end):
        raise ChannelError(f"Another worker took over the pull of shop {connector.shop}; it stopped here.")


def _normalised(connector: ApiConnector, raw: dict) -> NormalisedOrder:
    """The connector's mapping, with a malformed record (a field missing or unreadable) named."""
    try:
        order = connector.normalise(raw)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise UnknownPlatformData(
            f"{connector.platform} sent an order of shop {connector.shop} that OrderHub cannot read "
            f"({type(exc).__name__}: {exc}); the pull stopped before it and will retry."
        ) from exc
    return _without_nul(order, connector)


def _without_nul(order: NormalisedOrder, connector: ApiConnector) -> NormalisedOrder:
    """A NUL in a name, address or remark carries nothing anyone can read, and PostgreSQL cannot
    store it where SQLite can: it is dropped, and said in the log, so both engines keep the same
    order (stopping the pull would hold back every later order of the shop for one invisible byte)."""
    texts = {name: value for name, value in vars(order).items() if type(value) is str and NUL in value}
    lines = tuple(replace(line, sku=line.sku.replace(NUL, "")) if NUL in line.sku else line for line in order.lines)
    if not texts and lines == order.lines:
        return order
    cleaned = ", ".join([*texts, *(["sku"] if lines != order.lines else [])])
    where = f"{connector.platform} order {order.channel_order_no} of shop {connector.shop}"
    log.warning("%s: NUL removed from %s", where, cleaned)
    return replace(order, **{name: value.replace(NUL, "") for name, value in texts.items()}, lines=lines)


def _changed_at(order: NormalisedOrder) -> datetime:
    return order.platform_updated_at or order.created_at


def push_changed_stock(engine: Engine, connector: ApiConnector, now: datetime | None = None) -> int:
    """Push the sellable quantity of every listing whose stock changed since its last push."""
    shop_id = shop_sync.ensure_shop(engine, connector.shop, connector.channel)
    pushed = 0
    for listing, quantity in shop_sync.changed_listings(engine, shop_id):
        connector.update_stock(listing, quantity)
        shop_sync.mark_pushed(engine, shop_id, listing.sku, quantity, now or clock.now())
        pushed += 1
    return pushed
