"""Reads worth caching briefly: the queue's filter choices and status counts (cleared after actions).

Both scan far more than a page does, and a Streamlit page reruns on every click; a count a minute
old is fine for a tab label, and this session's own actions clear it at once.
"""

from __future__ import annotations

import streamlit as st

from core.orders import queue
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
