"""仓库作业 — pick list by SKU for paid orders; the orders to ship filtered and a page at a time, each
with its carrier and tracking number (scanned or automatic); ship, labels, pick list, packing slips."""

import math

import pandas as pd
import streamlit as st

from core.carriers import CARRIER_NAMES, DEFAULT_CARRIER
from core.errors import OrderHubError
from core.shipping import warehouse
from ui import actions, auth, cached, widgets
from ui.scan import scan_section
from ui.session import engine, store_url, tr

CARRIER_CODES = {name: code for code, name in CARRIER_NAMES.items()}

user = auth.guard("pages/warehouse.py")
st.title(tr("warehouse.title"), anchor=False)
widgets.show_outcome()


def new_view() -> None:
    """A filter, page or batch carrier changed: the table shows other rows, so its ticks start afresh."""
    st.session_state["ship_view"] = st.session_state.get("ship_view", 0) + 1


def choice(box, label: str, options: list[str], shown=None) -> str:
    """A filter's list: 全部 first, then what the orders ready to ship have."""
    return box.selectbox(
        label,
        ["", *options],
        format_func=lambda v: tr("warehouse.any") if not v else (shown or str)(v),
        on_change=new_view,
    )


try:
    waiting, picks, choices = cached.ready_summary(store_url())
except OrderHubError as exc:
    widgets.show_error(exc)
    st.stop()

orders_metric, skus_metric, units_metric = st.columns(3)
orders_metric.metric(tr("warehouse.ready"), waiting, border=True)
skus_metric.metric(tr("warehouse.skus"), len(picks), border=True)
units_metric.metric(tr("warehouse.units"), sum(pick["qty"] for pick in picks), border=True)
if not waiting:
    st.info(tr("warehouse.empty"), icon=":material/check_circle:")
    st.stop()

st.subheader(tr("warehouse.pick_list"), anchor=False)
st.dataframe(widgets.frame(picks, ("sku", "name", "qty", "orders", "on_hand")), hide_index=True)
scan_section()
st.subheader(tr("warehouse.ship"), anchor=False)

boxes = iter(st.columns(5 if choices["carrier"] else 4))
where = warehouse.ShipFilter(
    shop=choice(next(boxes), tr("col.shop"), choices["shop"]),
    sku=choice(next(boxes), "SKU", choices["sku"]),
    province=choice(next(boxes), tr("col.province"), choices["province"]),
    carrier=choice(next(boxes), tr("col.carrier"), choices["carrier"], lambda code: CARRIER_NAMES.get(code, code))
    if choices["carrier"]
    else "",
)
batch_carrier = next(boxes).selectbox(
    tr("warehouse.batch_carrier"),
    list(CARRIER_NAMES),
    index=list(CARRIER_NAMES).index(DEFAULT_CARRIER),
    format_func=CARRIER_NAMES.get,
    on_change=new_view,
)
total = cached.ready_count(store_url(), where)
pages = max(1, math.ceil(total / warehouse.PAGE_SIZE))
page_box, shown_caption = st.columns([1, 4], vertical_alignment="bottom")
page = page_box.number_input(tr("warehouse.page"), 1, pages, 1, key=f"ship_page_{pages}", on_change=new_view)
shown_caption.caption(tr("warehouse.shown", page=page, pages=pages, total=total, size=warehouse.PAGE_SIZE))
with engine().connect() as conn:
    ready = warehouse.ready(conn, user["role"], where, warehouse.PAGE_SIZE, (page - 1) * warehouse.PAGE_SIZE)

st.caption(tr("warehouse.scan_hint") + " " + tr("warehouse.carrier_hint"))
view = st.session_state.get("ship_view", 0) + actions.round_of("scan")  # an order shipped by scan left the list
columns = ("channel_order_no", "shop", "buyer", "phone", "province", "city", "items", "paid_at", "tracking_no")
table = widgets.frame(ready, columns)
table[tr("col.tracking_no")] = table[tr("col.tracking_no")].fillna("")  # an empty cell to scan into, not "None"
table.insert(
    len(table.columns) - 1,
    tr("col.carrier"),
    [CARRIER_NAMES.get(row["carrier"] or batch_carrier, CARRIER_NAMES[batch_carrier]) for row in ready],
)
page_toggle, filter_toggle = st.columns(2)
whole_page = page_toggle.toggle(tr("warehouse.select_page", count=len(ready)), key=f"ship_all_{view}")
whole_filter = pages > 1 and filter_toggle.toggle(tr("warehouse.select_filter", count=total), key=f"ship_every_{view}")
table.insert(0, tr("col.pick"), whole_page or whole_filter)
edited = st.data_editor(
    table,
    hide_index=True,
    key=f"ship_editor_{actions.round_of('warehouse')}_{view}",
    disabled=[name for name in table.columns if name not in (tr("col.pick"), tr("col.carrier"), tr("col.tracking_no"))],
    column_config={
        tr("col.pick"): st.column_config.CheckboxColumn(width="small"),
        tr("col.carrier"): st.column_config.SelectboxColumn(options=list(CARRIER_NAMES.values()), required=True),
        tr("col.tracking_no"): st.column_config.TextColumn(max_chars=40),
    },
)
chosen = edited[tr("col.pick")].tolist()
picked = [row["id"] for row, yes in zip(ready, chosen, strict=True) if yes]
scanned = edited[tr("col.tracking_no")].tolist()
tracking = {
    row["id"]: str(number).strip()
    for row, number in zip(ready, scanned, strict=True)
    if row["id"] in picked and not pd.isna(number) and str(number).strip()
}
named = edited[tr("col.carrier")].tolist()
carriers = {
    row["id"]: CARRIER_CODES.get(name, batch_carrier)
    for row, name in zip(ready, named, strict=True)
    if row["id"] in picked
}
if whole_filter:  # the other pages' orders go with their own carrier, else the batch's; numbers are assigned
    with engine().connect() as conn:
        everyone = warehouse.ready_carriers(conn, where)
    carriers = {order_id: carriers.get(order_id) or own or batch_carrier for order_id, own in everyone.items()}
    picked = list(everyone)
actions.action_bar(
    picked,
    key="warehouse",
    actions=("ship",),
    tracking=tracking,
    carriers=carriers,
    papers=("labels", "pick_list", "slips"),
)
