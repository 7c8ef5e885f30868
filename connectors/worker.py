"""The worker: pulls every shop on its own schedule, pushes changed stock back to the channels
and delivers the outbox. Several workers may run at once: the per-shop lock in the store makes
sure a shop is pulled by one of them at a time."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from http.server import ThreadingHTTPServer

import schedule
from sqlalchemy import Engine

from connectors import config, state, sync, tracking_callback, waybill_service
from connectors.config import ShopConfig
from connectors.demo import demo_shops
from core import access, clock, returns_sla, sandbox, workflow
from core.errors import OrderHubError
from notify import deliver_pending

log = logging.getLogger(__name__)
DEMO_EVERY_MINUTES = 1
# Housekeeping beside the pulls: (every N seconds, job taking the engine, tag).
HOUSEKEEPING: list[tuple[int, Callable[[Engine], object], str]] = [
    (15, deliver_pending, "outbox"),
    (300, workflow.cancel_unpaid_past_timeout, "payment-timeouts"),
    (900, returns_sla.send_reminders, "sla-reminders"),
    (60, waybill_service.cancel_released, "waybill-cancel"),
    (120, waybill_service.poll_tracking, "tracking"),
]


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


def scheduler_for(engine: Engine, shops: list[ShopConfig], owner: str) -> schedule.Scheduler:
    scheduler = schedule.Scheduler()
    for shop in shops:
        scheduler.every(shop.every_minutes).minutes.do(_guarded, pull_shop, engine, shop, owner).tag(shop.name)
    for seconds, job, tag in HOUSEKEEPING:
        scheduler.every(seconds).seconds.do(_guarded, job, engine).tag(tag)
    return scheduler


def _guarded(job: Callable, *args) -> None:
    """A job's unexpected failure (a bug, the database gone) is logged; the worker keeps running."""
    try:
        job(*args)
    except Exception:  # noqa: BLE001 - the worker loop is a boundary, like the CLI's main()
        log.exception("worker job %s failed", job.__name__)


def run(engine: Engine, shops: list[ShopConfig], stop: threading.Event | None = None, tick: float = 1.0) -> None:
    """Run every job once now, then on schedule until stop is set (SIGTERM and SIGINT set it)."""
    if sandbox.is_sandbox(engine):  # it would push the copy's stock to the channels and send its messages
        raise sandbox.SandboxError("The worker runs on the live store only, never on a sandbox copy.")
    stop = stop or _stop_on_signals()
    owner = state.owner_id()
    _serve_tracking_pushes(engine)
    scheduler = scheduler_for(engine, shops, owner)
    log.info("worker %s: %d shops", owner, len(shops))
    scheduler.run_all()
    while not stop.is_set():
        scheduler.run_pending()
        stop.wait(tick)


def _serve_tracking_pushes(engine: Engine) -> ThreadingHTTPServer | None:
    """The aggregator's tracking pushes (docs/waybills.md) on ORDERHUB_CALLBACK_PORT; where another
    worker on this machine serves the port already, this one polls only."""
    port = os.environ.get("ORDERHUB_CALLBACK_PORT")
    if not port:
        return None
    try:
        return tracking_callback.serve(engine, int(port))
    except OSError as exc:
        log.warning("tracking callback not served on port %s: %s", port, exc)
        return None


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    return stop


def sync_now(engine: Engine, role: str) -> list[sync.PullResult]:
    """The "sync now" button: every shop pulled at once, for a role allowed to."""
    access.require(role, "sync")
    return pull_all(engine, shops_to_pull(engine))


def shop_states(engine: Engine) -> list[dict]:
    """Per shop: channel, last pull, orders in, how far it is synced and its state."""
    rows = []
    for row in state.status(engine):
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
