"""Scan to verify on the warehouse page: scan the order (or its waybill), then each item's barcode;
an item that does not belong is refused aloud, and the order can ship once every item is scanned."""

from __future__ import annotations

import streamlit as st

from core.errors import OrderHubError
from core.shipping import warehouse
from ui import actions
from ui.session import engine, tr
from ui.widgets import show_error

KEY = "scan"


def scan_section() -> None:
    """The scanning box. Its state is the order found and the counts scanned, for this round of the
    bar: once the order ships, the next scan starts afresh."""
    parcel = st.session_state.get(KEY)
    if parcel and parcel["round"] != actions.round_of(KEY):
        parcel = None
        st.session_state.pop(KEY)
    with st.expander(tr("warehouse.scan_title"), expanded=True, icon=":material/barcode_scanner:"):
        st.text_input(tr("warehouse.scan_order"), key="scan_order_code", on_change=_scan_order)
        if refusal := st.session_state.pop("scan_error", None):
            show_error(refusal)
        if not parcel:
            return
        st.text_input(tr("warehouse.scan_item"), key="scan_item_code", on_change=_scan_item)
        st.dataframe(
            [
                {
                    "SKU": item.sku,
                    tr("col.name"): item.name,
                    tr("warehouse.scan_expected"): item.qty,
                    tr("warehouse.scan_done"): parcel["scanned"].get(item.sku, 0),
                }
                for item in parcel["goods"]
            ],
            hide_index=True,
        )
        ordered = sum(item.qty for item in parcel["goods"])
        if warehouse.scan_complete(parcel["goods"], parcel["scanned"]):
            st.success(tr("warehouse.scan_ok", order=parcel["order_no"], count=ordered), icon=":material/check_circle:")
            actions.action_bar([parcel["id"]], key=KEY, actions=("ship",), counted=False)
        else:
            left = ordered - sum(parcel["scanned"].values())
            st.info(tr("warehouse.scan_left", order=parcel["order_no"], count=left), icon=":material/inventory_2:")
        st.button(tr("warehouse.scan_reset"), key="scan_reset", on_click=st.session_state.pop, args=(KEY, None))


def _scan_order() -> None:
    code, st.session_state["scan_order_code"] = st.session_state.get("scan_order_code", ""), ""
    if not code.strip():
        return
    try:
        with engine().connect() as conn:
            order_id, order_no, goods = warehouse.parcel_for(conn, code)
    except OrderHubError as exc:
        st.session_state["scan_error"] = exc
        st.session_state.pop(KEY, None)
        return
    st.session_state[KEY] = {
        "id": order_id,
        "order_no": order_no,
        "goods": goods,
        "scanned": {},
        "round": actions.round_of(KEY),
    }


def _scan_item() -> None:
    code, st.session_state["scan_item_code"] = st.session_state.get("scan_item_code", ""), ""
    parcel = st.session_state.get(KEY)
    if not parcel or not code.strip():
        return
    try:
        parcel["scanned"] = warehouse.scan_item(parcel["goods"], parcel["scanned"], code)
    except OrderHubError as exc:
        st.session_state["scan_error"] = exc
