"""The action bar over selected orders: allowed actions only, each behind a confirmation; labels as PDF."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import batch, labels, warehouse
from core.access import can
from core.errors import OrderHubError
from ui import cached
from ui.session import engine, tr, user
from ui.widgets import remember_outcome, show_error

ALL = ("confirm_payment", "ship", "resume", "cancel")


def action_bar(
    order_ids: list[int],
    key: str,
    actions: Sequence[str] = ALL,
    tracking: dict[int, str] | None = None,
    counted: bool = True,
) -> None:
    """Buttons for the actions the role may take; nothing changes until the user confirms."""
    current = user()
    allowed = [action for action in actions if can(current["role"], batch.PERMISSION[action])]
    printable = can(current["role"], "print_labels")
    columns = st.columns(len(allowed) + int(printable) + 1, vertical_alignment="center")
    if counted:
        columns[0].caption(tr("action.selected", count=len(order_ids)))
    for column, action in zip(columns[1:], allowed, strict=False):
        if column.button(
            tr(f"action.{action}"),
            key=f"{key}_{action}",
            disabled=not order_ids,
            type="primary" if action == "ship" else "secondary",
            width="stretch",
        ):
            st.session_state[f"{key}_pending"] = (action, list(order_ids), dict(tracking or {}))
    if printable:
        with columns[-1]:
            label_button(order_ids, key)
    _confirmation(key, current)


def _confirmation(key: str, current: dict) -> None:
    pending = st.session_state.get(f"{key}_pending")
    if not pending:
        return
    action, order_ids, tracking = pending
    with st.container(border=True):
        st.warning(tr("action.confirm", action=tr(f"action.{action}"), count=len(order_ids)), icon=":material/help:")
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button(tr("action.yes"), key=f"{key}_yes", type="primary"):
            del st.session_state[f"{key}_pending"]
            try:
                result = batch.run(engine(), current["role"], current["username"], action, order_ids, tracking)
            except OrderHubError as exc:
                show_error(exc)
                return
            remember_outcome(result.done, result.failed)
            cached.after_change()
            st.session_state[f"{key}_round"] = round_of(key) + 1
            st.rerun()
        if no.button(tr("action.no"), key=f"{key}_no"):
            del st.session_state[f"{key}_pending"]
            st.rerun()


def label_button(order_ids: list[int], key: str) -> None:
    """Build the labels PDF on request, then offer it for download."""
    if st.button(
        tr("action.labels"), key=f"{key}_labels", disabled=not order_ids, width="stretch", icon=":material/print:"
    ):
        try:
            with engine().connect() as conn:
                found = warehouse.labels_for(conn, user()["role"], order_ids)
            st.session_state[f"{key}_pdf"] = labels.render(found)
        except OrderHubError as exc:
            show_error(exc)
    if pdf := st.session_state.get(f"{key}_pdf"):
        st.download_button(
            tr("action.download_labels"),
            pdf,
            file_name="orderhub-labels.pdf",
            mime="application/pdf",
            key=f"{key}_download",
            icon=":material/download:",
            on_click="ignore",
        )


def round_of(key: str) -> int:
    """How many actions this bar has applied. Pages put it in their table's widget key, so a
    selection made before an action never carries over to the changed rows after it."""
    return st.session_state.get(f"{key}_round", 0)
