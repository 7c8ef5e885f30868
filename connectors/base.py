"""The connector interface: normalised orders for a time window, a watermark, stock push-back.

A connector is a client class with three parts: `records(window)` fetches the platform's raw
orders modified inside the window (signing, paging, backoff), `normalise(raw)` maps one raw
order to core.model.NormalisedOrder, and `update_stock(listing, available)` calls the
platform's inventory update. The watermark, overlap and locking live in connectors.sync, so
every channel gets the same incremental behaviour.
"""

from __future__ import annotations

import importlib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import httpx
from sqlalchemy import Engine

from core.errors import NotFound, OrderHubError
from core.intake import shop_sync
from core.model import Listing, NormalisedOrder, OrderLine

__all__ = [
    "ApiConnector",
    "ChannelError",
    "ConfigError",
    "CredentialsRejected",
    "Listing",
    "NormalisedOrder",
    "OrderLine",
    "Throttled",
    "UnknownPlatformData",
    "Window",
    "cents",
    "last_page_first",
    "mapped_status",
    "platform_time",
]

Raw = dict[str, Any]


class ChannelError(OrderHubError):
    """A platform refused or failed a request; the message says which shop and why."""


class CredentialsRejected(ChannelError):
    """The platform refused our app key, secret or access token."""

    def __init__(self, shop: str, platform: str, detail: str):
        super().__init__(
            f"{platform} rejected the credentials of shop {shop} ({detail}); "
            "check app key, secret and access token in data/channels.toml."
        )


class Throttled(ChannelError):
    """The platform asked us to slow down; retried after `retry_after` seconds."""

    def __init__(self, platform: str, retry_after: float | None, detail: str):
        super().__init__(f"{platform} throttled the request ({detail}).")
        self.retry_after = retry_after


class UnknownPlatformData(ChannelError):
    """A platform record we cannot map (an unknown status, a missing field)."""


class ConfigError(OrderHubError):
    """The channel configuration (data/channels.toml or environment) is incomplete or wrong."""


@dataclass(frozen=True)
class Window:
    """Orders modified from start to end, business time (the platforms include both ends)."""

    start: datetime
    end: datetime

    def split(self, most: timedelta | None) -> list[Window]:
        """Consecutive windows no longer than the platform allows."""
        if most is None:
            return [self]
        parts, start = [], self.start
        while start < self.end:
            parts.append(Window(start, min(start + most, self.end)))
            start = parts[-1].end
        return parts


class ApiConnector(ABC):
    """One shop on one channel. Subclasses set the class attributes and implement the methods."""

    channel: str
    platform: str  # the platform's name, for messages
    max_window: timedelta | None = None  # the longest query window the platform accepts
    settle: timedelta = timedelta(0)  # how far behind "now" a window must end
    http: httpx.Client | None = None

    def __init__(self, shop: str, settings: dict[str, Any], engine: Engine):
        self.shop = shop
        self.settings = settings
        self.engine = engine

    @abstractmethod
    def records(self, window: Window) -> Iterator[Raw]:
        """Every raw order modified in the window, all pages, oldest change first."""

    @abstractmethod
    def normalise(self, raw: Raw) -> NormalisedOrder:
        """The platform's order as the store's normalised order."""

    @abstractmethod
    def listings(self, raw: Raw) -> Iterable[Listing]:
        """The platform listing ids of the SKUs in the raw order (for stock push-back)."""

    @abstractmethod
    def update_stock(self, listing: Listing, available: int) -> None:
        """Set the platform's sellable quantity of the listing."""

    def push_stock(self, sku: str, available: int) -> None:
        """Set the channel's sellable quantity of one of our SKUs."""
        listing = shop_sync.listing(self.engine, shop_sync.ensure_shop(self.engine, self.shop, self.channel), sku)
        if listing is None:
            raise NotFound(f"SKU {sku} has not been sold in shop {self.shop} yet, so its listing there is unknown.")
        self.update_stock(listing, available)

    def orders(self, window: Window) -> Iterator[NormalisedOrder]:
        """The interface in one call: normalised orders modified in the window."""
        return (self.normalise(raw) for raw in self.records(window))

    def close(self) -> None:
        """Release the connection pool, if the connector has one."""
        if self.http is not None:
            self.http.close()


def cents(amount: str | int | float | Decimal | None) -> int:
    """'1,234.50' or 1234.5 yuan as integer cents, rounded half up."""
    if amount in (None, ""):
        return 0
    try:
        value = Decimal(str(amount).replace(",", ""))
    except InvalidOperation as exc:
        raise UnknownPlatformData(f"{amount!r} is not an amount of money.") from exc
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def mapped_status(platform: str, order_no: str, status: str | int, table: dict) -> str:
    """A platform status through the connector's table, or a clear error for one we do not know."""
    if status not in table:
        raise UnknownPlatformData(f"{platform} order {order_no} has status {status!r}, which OrderHub does not know.")
    return table[status]


PLATFORM_TIME = "%Y-%m-%d %H:%M:%S"


def platform_time(value: str | None) -> datetime | None:
    """'2026-11-26 09:30:00' (Beijing time, as TOP, PDD and JD send it) as a naive datetime."""
    return datetime.fromisoformat(value) if value else None  # parses this format ~20x faster than strptime


# Every channel with an API connector, by channel code: "module:class", imported on demand.
CHANNELS: dict[str, str] = {
    "taobao": "connectors.taobao:TaobaoConnector",
    "pdd": "connectors.pdd:PddConnector",
    "jd": "connectors.jd:JdConnector",
    "shopify": "connectors.shopify:ShopifyConnector",
    "demo": "connectors.demo:DemoConnector",
}


def connector_class(channel: str) -> type[ApiConnector]:
    if channel not in CHANNELS:
        raise ConfigError(f"There is no connector for channel {channel!r}; known: {', '.join(CHANNELS)}.")
    module, name = CHANNELS[channel].split(":")
    return getattr(importlib.import_module(module), name)


def last_page_first(fetch: Callable[[int], tuple[list[Raw], int]], page_size: int) -> Iterator[Raw]:
    """Every record of a numbered-page query, reading the pages from the last one back.

    fetch(page) returns that page and the total count. Paging forwards skips a record when one
    before it leaves the window mid-way (it was modified again), because everything after it
    moves up a page; read backwards, records only move into pages already read, so nothing is
    skipped and the duplicates are dropped by the order key. Page 1 is read first only for
    the count, and again at the end.
    """
    first, total = fetch(1)
    last = max(1, math.ceil(total / page_size))
    if last == 1:
        yield from first
        return
    for page in range(last, 0, -1):
        yield from fetch(page)[0]
