"""仓库作业 — pick list by SKU for paid orders, tracking numbers (scanned or automatic), ship, labels."""

import pandas as pd
import streamlit as st

from core import warehouse
from core.errors import OrderHubError
from ui import actions, auth, widgets
from ui.session import engine, tr

user = auth.guard("pages/warehouse.py")
st.title(tr("warehouse.title"), anchor=False)
widgets.show_outcome()

try:
    with engine().connect() as conn:
        ready = warehouse.ready(conn, user["role"])
        picks = warehouse.pick_list(conn)
except OrderHubError as exc:
    widgets.show_error(exc)
    st.stop()

orders_metric, skus_metric, units_metric = st.columns(3)
orders_metric.metric(tr("warehouse.ready"), len(ready), border=True)
skus_metric.metric(tr("warehouse.skus"), len(picks), border=True)
units_metric.metric(tr("warehouse.units"), sum(pick["qty"] for pick in picks), border=True)
if not ready:
    st.info(tr("warehouse.empty"), icon=":material/check_circle:")
    st.stop()

st.subheader(tr("warehouse.pick_list"), anchor=False)
st.dataframe(widgets.frame(picks, ("sku", "name", "qty", "orders", "on_hand")), hide_index=True)
st.subheader(tr("warehouse.ship"), anchor=False)
st.caption(tr("warehouse.scan_hint"))
columns = ("channel_order_no", "buyer", "phone", "province", "city", "items", "paid_at", "tracking_no")
table = widgets.frame(ready, columns)
table[tr("col.tracking_no")] = table[tr("col.tracking_no")].fillna("")  # an empty cell to scan into, not "None"
table.insert(0, tr("col.pick"), st.toggle(tr("warehouse.select_all"), key="ship_all"))
edited = st.data_editor(
    table,
    hide_index=True,
    key=f"ship_editor_{actions.round_of('warehouse')}",
    disabled=[name for name in table.columns if name not in (tr("col.pick"), tr("col.tracking_no"))],
    column_config={
        tr("col.pick"): st.column_config.CheckboxColumn(width="small"),
        tr("col.tracking_no"): st.column_config.TextColumn(max_chars=40),
    },
)
chosen = edited[tr("col.pick")].tolist()
picked = [row["id"] for row, yes in zip(ready, chosen, strict=True) if yes]
scanned = edited[tr("col.tracking_no")].tolist()
tracking = {
    row["id"]: str(number).strip()
    for row, number in zip(ready, scanned, strict=True)
    if not pd.isna(number) and str(number).strip()
}
actions.action_bar(picked, key="warehouse", actions=("ship",), tracking=tracking)
