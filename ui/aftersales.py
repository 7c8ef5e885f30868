"""Widgets shared by the after-sales pages: SLA highlighting, translated labels, a change and its notice."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.aftersales import returns
from core.aftersales.returns_flow import TYPES
from core.errors import OrderHubError
from core.identity.access import Actor
from ui import widgets
from ui.session import engine, lang, tr

SLA_COLOURS = {"overdue": "background-color: #fde2e1", "near": "background-color: #fff4cc"}


def ticket_table(rows: list[dict], owners: dict[str, str]) -> pd.io.formats.style.Styler:
    """Tickets with translated type, status and SLA, owners by display name; overdue rows red, near amber."""
    frame = pd.DataFrame(rows)
    frame["owner"] = frame["owner"].map(lambda username: owners.get(username, username))
    sla = frame["sla"].copy()
    for column, prefix in (("type", "aftersales.type"), ("status", "aftersales.status"), ("sla", "aftersales.sla")):
        frame[column] = frame[column].map(lambda value, p=prefix: tr(f"{p}.{value}"))
    frame = frame[["number", "order_no", "type", "status", "owner", "sla", "next_deadline", "created_at"]]
    frame = frame.apply(widgets.blank_missing)
    frame.columns = [tr(f"aftersales.col.{column}") for column in frame.columns]
    return frame.style.apply(lambda row: [SLA_COLOURS.get(sla[row.name], "")] * len(row), axis=1)


def commit(change: Callable[[], str], key: str = "aftersales_notice") -> None:
    """Run one change (a core unit of work); on success rerun with its result kept under key, else show why."""
    try:
        message = change()
    except OrderHubError as error:
        widgets.show_error(error)
        return
    st.session_state[key] = message
    st.rerun()


def notice() -> None:
    """The message of the change the previous run committed, if any."""
    if message := st.session_state.pop("aftersales_notice", None):
        st.success(message, icon=":material/check_circle:")


def client_id() -> str:
    """Who is asking, for the public page's rate limit.

    Behind a reverse proxy every browser has the proxy's address, so the limit would be shared
    by all customers: set ORDERHUB_TRUSTED_PROXY=1 there to use the proxy's X-Forwarded-For.
    Without an address (tests, odd setups) the browser session stands in, by a random name it keeps.
    """
    forwarded = st.context.headers.get("X-Forwarded-For", "") if os.environ.get("ORDERHUB_TRUSTED_PROXY") else ""
    address = forwarded.split(",")[0].strip() or st.context.ip_address
    if isinstance(address, str) and address:
        return address
    return f"session:{st.session_state.setdefault('lookup_session', secrets.token_hex(8))}"


def open_from_order(order_id: int, lines: list[dict], current: dict) -> None:
    """On a shipped order's page: a form that opens a ticket on it (no quantities: every item not
    yet on a ticket), then a button to the new ticket."""
    opened = f"opened_ticket_{order_id}"  # kept until followed: the button's click is a rerun of its own
    if number := st.session_state.get(opened):
        st.success(tr("aftersales.order.opened", number=number), icon=":material/check_circle:")
        if st.button(tr("aftersales.order.go"), icon=":material/support_agent:"):
            del st.session_state[opened]
            st.switch_page("pages/returns.py", query_params={"ticket": number})
    with engine().connect() as conn:
        reasons = returns.reasons(conn)
    with st.expander(tr("aftersales.order.open"), icon=":material/assignment_return:"), st.form("order_ticket"):
        kind = st.selectbox(tr("aftersales.page.type"), TYPES, format_func=lambda k: tr(f"aftersales.type.{k}"))
        reason = st.selectbox(tr("aftersales.page.reason"), reasons, format_func=lambda r: r[f"label_{lang()}"])
        st.caption(tr("aftersales.order.items"))
        wanted = {
            line["sku"]: st.number_input(
                f"{line['sku']} {line.get('name') or ''}", min_value=0, max_value=int(line["qty"]), step=1,
                key=f"order_ticket_{line['sku']}",
            )
            for line in lines
        }  # fmt: skip
        note = st.text_input(tr("aftersales.page.notes"))
        if st.form_submit_button(tr("aftersales.page.create"), type="primary"):
            items = [returns.Item(sku, int(qty)) for sku, qty in wanted.items() if qty] or None
            who = Actor(current["username"], current["role"])
            opening = (order_id, kind, reason["code"], who)
            commit(lambda: returns.open_ticket_as(engine(), *opening, items=items, notes=note), key=opened)
