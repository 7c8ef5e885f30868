"""Work the first visitor of the reports or the big screen would otherwise wait for, done once per
app process in the background as soon as the app has started.

The analytics snapshot lives in the app's own process (DuckDB in memory), so only the app can fill
it: its first copy of a 1M-order store takes seconds (the orders first, which the big screen and the
reports' first tab read; then the lines and logs the other tabs read). The modules the analytics
pages import are loaded too. A page opened meanwhile simply waits for the copy already under way
(core.analytics takes one refresh at a time) instead of starting its own.
"""

from __future__ import annotations

import importlib
import logging
import threading

import streamlit as st
from sqlalchemy import Engine

from core.analytics.analytics import shared_snapshot
from ui import session

log = logging.getLogger(__name__)
FIRST = {"orders", "shops", "channels"}
MODULES = (
    "core.analytics.reports",
    "core.analytics.kpis",
    "core.analytics.screen",
    "ui.report_charts",
    "ui.svg_charts",
    "ui.screen_kit",
)


def start() -> None:
    """Warm the snapshot of the live store once per process (later calls return at once)."""
    engine = session.live_engine()
    _started(engine.url.render_as_string(hide_password=False), engine)


@st.cache_resource(show_spinner=False)
def _started(url: str, _engine: Engine) -> threading.Thread:
    del url  # the cache key: once per store and process
    thread = threading.Thread(target=_warm, args=(_engine,), name="orderhub-warmup", daemon=True)
    thread.start()
    return thread


def _warm(engine: Engine) -> None:
    try:
        for name in MODULES:
            importlib.import_module(name)
        snapshot = shared_snapshot(engine)
        snapshot.refresh(FIRST)
        snapshot.refresh()
    except Exception:  # noqa: BLE001 - a page opened later copies what it needs itself
        log.warning("warming the analytics snapshot failed", exc_info=True)
