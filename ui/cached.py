"""Reads worth caching briefly: the queue's filter choices and status counts, the warehouse's
pick list and counts, a month of sales for purchasing (cleared after actions).

Each scans far more than a page does, and a Streamlit page reruns on every click; a count a minute
old is fine for a tab label, and this session's own actions clear it at once.
"""

from __future__ import annotations

import streamlit as st

from core import clock
from core.orders import queue
from core.restock import purchasing
from core.shipping import warehouse
from ui.session import engine_for


@st.cache_data(ttl=300, show_spinner=False)
def filter_options(url: str) -> dict[str, list]:
    with engine_for(url).connect() as conn:
        return queue.filter_options(conn)


@st.cache_data(ttl=60, show_spinner=False)
def status_counts(url: str, flt: queue.QueueFilter, role: str) -> dict[str, int]:
    with engine_for(url).connect() as conn:
        return queue.status_counts(conn, flt, role)


@st.cache_data(ttl=60, show_spinner=False)
def hold_counts(url: str, flt: queue.QueueFilter, role: str) -> dict[str, int]:
    with engine_for(url).connect() as conn:
        return queue.hold_counts(conn, flt, role)


def after_change() -> None:
    """Orders changed: counts must be recomputed on the next run."""
    status_counts.clear()
    hold_counts.clear()
    ready_summary.clear()
    ready_count.clear()


@st.cache_data(ttl=30, show_spinner=False)
def ready_summary(url: str) -> tuple[int, list[dict], dict[str, list[str]]]:
    """The warehouse page's head: orders ready to ship, the pick list, the filters' choices."""
    with engine_for(url).connect() as conn:
        return warehouse.count_ready(conn), warehouse.pick_list(conn), warehouse.filter_choices(conn)


@st.cache_data(ttl=30, show_spinner=False)
def ready_count(url: str, where: warehouse.ShipFilter) -> int:
    with engine_for(url).connect() as conn:
        return warehouse.count_ready(conn, where)


@st.cache_data(ttl=600, show_spinner=False)
def recent_sales(url: str) -> dict[int, tuple[int, int]]:
    """A month of sales per SKU for the purchase suggestions: read at most every ten minutes."""
    with engine_for(url).connect() as conn:
        return purchasing.recent_sales(conn, clock.now())
