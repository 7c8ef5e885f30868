"""The demo channel feed: new orders for the demo shops, a few a minute, so a fresh store shows
trade arriving. It behaves like a platform: each minute's orders are fixed (seeded by the
minute), so overlapping windows see the same orders again and the store deduplicates them."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from connectors.base import ApiConnector, Listing, NormalisedOrder, Raw, Window
from core.intake import shop_sync
from demo import catalog as cat
from demo import shop as demo

log = logging.getLogger(__name__)
MINUTE = timedelta(minutes=1)
ORDERS_PER_MINUTE = [0, 1, 2, 3, 4]  # across all demo shops
WEIGHTS = [25, 30, 25, 12, 8]
# The quantities the demo "platform" was last told, by (shop, SKU): it has no remote side.
PUSHED: dict[tuple[str, str], int] = {}


def demo_shops(engine: Engine) -> list[tuple[str, str]]:
    """(name, channel) of the active demo-catalogue shops present in the store."""
    return shop_sync.active_shops(engine, [name for name, *_ in cat.SHOPS])


class DemoConnector(ApiConnector):
    platform = "Demo feed"
    max_window = timedelta(hours=6)

    def __init__(self, shop: str, settings: dict[str, Any], engine: Engine):
        super().__init__(shop, settings, engine)
        self.channel = settings.get("as_channel", "demo")  # a demo shop keeps its own channel (taobao, jd…)
        self.seed = settings.get("seed", "orderhub-demo-feed")

    def records(self, window: Window) -> Iterator[Raw]:
        minute = window.start.replace(second=0, microsecond=0)
        while minute <= window.end:
            for order in self._minute(minute):
                if order.shop == self.shop and window.start <= order.created_at <= window.end:
                    yield {"order": order}
            minute += MINUTE

    def _minute(self, minute) -> list[NormalisedOrder]:
        """The orders placed on the demo platform in one minute, the same every time it is asked."""
        rng = random.Random(f"{self.seed}:{minute:%Y%m%d%H%M}")
        placed = []
        for _ in range(rng.choices(ORDERS_PER_MINUTE, WEIGHTS)[0]):
            created = minute + timedelta(seconds=rng.randrange(60))
            order = demo.demo_order(rng, created)  # the seeded history's own order maker, so both look alike
            placed.append(replace(order, platform_updated_at=created, paid_at=created + timedelta(seconds=30)))
        return placed

    def normalise(self, raw: Raw) -> NormalisedOrder:
        return raw["order"]

    def listings(self, raw: Raw) -> Iterable[Listing]:
        return [Listing(line.sku, f"DEMO-{line.sku}") for line in raw["order"].lines]

    def update_stock(self, listing: Listing, available: int) -> None:
        PUSHED[(self.shop, listing.sku)] = available
        log.debug("demo feed: %s %s now %d", self.shop, listing.sku, available)
