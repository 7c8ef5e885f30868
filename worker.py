"""The worker, run beside the app (`python worker.py` or `python cli.py worker`): pulls every shop
on its own schedule, pushes changed stock back to the channels and delivers the outbox. Several
workers may run at once: the per-shop lock in the store makes sure a shop is pulled by one of them
at a time."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer

import schedule
from sqlalchemy import Engine

from connectors import pulls, tracking_callback, waybill_service
from connectors.config import ShopConfig
from core.aftersales import returns_sla
from core.copies import sandbox
from core.intake import shop_sync
from core.orders import workflow
from notify import deliver_pending

log = logging.getLogger(__name__)
# Housekeeping beside the pulls: (every N seconds, job taking the engine, tag).
HOUSEKEEPING: list[tuple[int, Callable[[Engine], object], str]] = [
    (15, deliver_pending, "outbox"),
    (300, workflow.cancel_unpaid_past_timeout, "payment-timeouts"),
    (900, returns_sla.send_reminders, "sla-reminders"),
    (60, waybill_service.cancel_released, "waybill-cancel"),
    (120, waybill_service.poll_tracking, "tracking"),
]


def scheduler_for(engine: Engine, shops: list[ShopConfig], owner: str) -> schedule.Scheduler:
    scheduler = schedule.Scheduler()
    for shop in shops:
        scheduler.every(shop.every_minutes).minutes.do(_guarded, pulls.pull_shop, engine, shop, owner).tag(shop.name)
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
    owner = shop_sync.owner_id()
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


def main() -> None:
    """Run the worker on the store ORDERHUB_DB names (the embedded one by default)."""
    from core.store.db import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = open_store()
    run(engine, pulls.shops_to_pull(engine))


if __name__ == "__main__":
    main()
