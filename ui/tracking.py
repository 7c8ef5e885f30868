"""The parcel's tracking history on the order page, and the shops' waybill accounts on the sync page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from connectors import waybill_accounts
from connectors.base import ConfigError
from core.carriers import CARRIER_NAMES
from core.shipping import waybills
from ui.session import engine, tr


def tracking_history(order_id: int, role: str) -> None:
    """The carrier's scans, oldest first, when the order has an aggregator's waybill."""
    with engine().connect() as conn:
        drawn = waybills.of_order(conn, order_id)
        history = waybills.history(conn, order_id, role)
    if drawn is None or drawn.status != waybills.ISSUED:
        return
    st.markdown(f"**{tr('waybill.history')}**")
    if drawn.routing:
        st.caption(f"{tr('waybill.routing')}: {drawn.routing} {drawn.sort_code}" + (" · 演示" if drawn.demo else ""))
    if drawn.label_url:
        st.markdown(f"[{tr('waybill.carrier_label')}]({drawn.label_url})")
    if not history:
        st.caption(tr("waybill.history_empty"))
        return
    frame = pd.DataFrame(
        {
            tr("waybill.col.at"): [row["at"] for row in history],
            tr("waybill.col.state"): [row["state"] for row in history],
            tr("waybill.col.context"): [row["context"] for row in history],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def account_status(shops: list[str]) -> None:
    """Each shop's waybill account: how it draws numbers, the carrier, the account (masked), tracking."""
    st.subheader(tr("waybill.accounts"), anchor=False)
    st.caption(tr("waybill.accounts_caption"))
    try:
        accounts = waybill_accounts.load_accounts()
    except ConfigError as exc:
        st.error(str(exc))
        return
    rows = waybill_accounts.status(sorted(set(shops) | set(accounts)), accounts)
    frame = pd.DataFrame(
        {
            tr("sync.col.shop"): [row["shop"] for row in rows],
            tr("waybill.col.mode"): [tr(f"waybill.mode.{row['mode']}") for row in rows],
            tr("col.carrier"): [CARRIER_NAMES.get(row["carrier"], row["carrier"]) for row in rows],
            tr("waybill.col.account"): [row["account"] for row in rows],
            tr("waybill.col.tracking"): [
                tr(f"waybill.tracking.{row['tracking']}") if row["tracking"] else "" for row in rows
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
