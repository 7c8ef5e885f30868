"""Widgets shared by the after-sales pages: the staff check, SLA highlighting, translated labels."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Connection

from core.access import can
from core.db import transaction
from core.errors import OrderHubError
from ui.session import engine, tr, user

SLA_COLOURS = {"overdue": "background-color: #fde2e1", "near": "background-color: #fff4cc"}


def staff_only(action: str) -> dict:
    """The logged-in user if their role may do the action; otherwise a refusal, and the page stops.

    (With the app's navigation merged, auth.guard(path) does this before the page runs.)
    """
    current = user()
    if current is None or not can(current["role"], action):
        st.warning(tr("aftersales.page.refused"), icon=":material/lock:")
        st.stop()
    return current


def ticket_table(rows: list[dict]) -> pd.io.formats.style.Styler:
    """Tickets with translated type, status and SLA; overdue rows red, near ones amber."""
    frame = pd.DataFrame(rows)
    sla = frame["sla"].copy()
    for column, prefix in (("type", "aftersales.type"), ("status", "aftersales.status"), ("sla", "aftersales.sla")):
        frame[column] = frame[column].map(lambda value, p=prefix: tr(f"{p}.{value}"))
    frame = frame[["number", "order_no", "type", "status", "owner", "sla", "next_deadline", "created_at"]]
    frame.columns = [tr(f"aftersales.col.{column}") for column in frame.columns]
    return frame.style.apply(lambda row: [SLA_COLOURS.get(sla[row.name], "")] * len(row), axis=1)


def show_error(error: OrderHubError) -> None:
    st.error(str(error), icon=":material/error:")


def commit(change: Callable[[Connection], str]) -> None:
    """Run one change in its own transaction; on success rerun with its message, else show why."""
    try:
        with transaction(engine()) as conn:
            message = change(conn)
    except OrderHubError as error:
        show_error(error)
        return
    st.session_state["aftersales_notice"] = message
    st.rerun()


def notice() -> None:
    """The message of the change the previous run committed, if any."""
    if message := st.session_state.pop("aftersales_notice", None):
        st.success(message, icon=":material/check_circle:")
