"""Pulling shops: which shops to pull (the configured ones, or the demo feed), one pull with its
stock pushed back, every shop at once for the "sync now" button, and each shop's sync state."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from sqlalchemy import Engine

from connectors import config, sync
from connectors.config import ShopConfig
from connectors.demo import demo_shops
from core import clock
from core.errors import OrderHubError
from core.identity import access
from core.identity.access import Actor
from core.intake import shop_sync

log = logging.getLogger(__name__)
DEMO_EVERY_MINUTES = 1


def shops_to_pull(engine: Engine, demo: bool | None = None) -> list[ShopConfig]:
    """The configured shops; with none configured (the embedded default) the demo feed's shops.

    demo=True adds the demo feed, demo=False never runs it; ORDERHUB_DEMO_FEED=0 turns it off.
    """
    configured = config.load_shops()
    if demo is None:
        demo = not configured and os.environ.get("ORDERHUB_DEMO_FEED", "1") != "0"
    if not demo:
        return configured
    start = clock.now() - timedelta(minutes=10)  # a new feed starts now, not a day back
    feed = [
        ShopConfig(name, "demo", DEMO_EVERY_MINUTES, {"as_channel": channel, "start": start})
        for name, channel in demo_shops(engine)
    ]
    return configured + feed


def pull_shop(engine: Engine, shop: ShopConfig, owner: str | None = None) -> sync.PullResult:
    """Pull one shop and push its changed stock; a platform error is recorded, not raised."""
    connector = shop.connector(engine)
    try:
        result = sync.pull(engine, connector, owner=owner, push_stock=True)
    except OrderHubError as exc:
        log.warning("shop %s: %s", shop.name, exc)
        result = sync.PullResult(shop.name, connector.channel, error=str(exc))
    finally:
        connector.close()
    return result


def pull_all(engine: Engine, shops: list[ShopConfig], owner: str | None = None) -> list[sync.PullResult]:
    return [pull_shop(engine, shop, owner) for shop in shops]


def sync_now(engine: Engine, actor: Actor, shops: list[ShopConfig] | None = None) -> list[sync.PullResult]:
    """The "sync now" button and `cli.py pull`: the shops (every one) pulled at once, for a role allowed to."""
    access.authorize(actor, "sync")
    return pull_all(engine, shops_to_pull(engine) if shops is None else shops)


def shop_states(engine: Engine) -> list[dict]:
    """Per shop: channel, last pull, orders in, how far it is synced and its state."""
    rows = []
    for row in shop_sync.status(engine):
        if row.lock_owner:
            condition = "pulling"
        elif row.last_error:
            condition = "error"
        else:
            condition = "ok" if row.last_pull_at else "never"
        rows.append(
            {
                "shop": row.shop,
                "channel": row.channel,
                "last_pull": row.last_pull_at,
                "orders_in": row.last_orders_in or 0,
                "synced_to": row.watermark,
                "state": condition,
                "error": row.last_error or "",
            }
        )
    return rows
