"""订单队列 — the clerk's queue: filters, status tabs with counts, keyset pages, batch actions."""

from dataclasses import replace

import streamlit as st

from core.errors import OrderHubError
from core.orders import queue
from ui import actions, auth, cached, filters, widgets
from ui.session import engine, store_url, tr

user = auth.guard("pages/queue.py")
st.title(tr("queue.title"), anchor=False)
widgets.show_outcome()

try:
    flt = filters.queue_filter(cached.filter_options(store_url()))
    status = filters.status_tabs(cached.status_counts(store_url(), flt, user["role"]))
    flt = replace(flt, status=status)
    if status == "on_hold" and not flt.hold_reason:
        flt = replace(flt, hold_reason=filters.hold_tabs(cached.hold_counts(store_url(), flt, user["role"])))
    with engine().connect() as conn:
        found = queue.page(conn, user["role"], flt, after=filters.pager(flt), limit=filters.page_size())
        shortages = queue.hold_shortages(conn, [row["id"] for row in found.rows if row["status"] == "on_hold"])
except OrderHubError as exc:
    widgets.show_error(exc)
    st.stop()

if status == "on_hold":
    actions.release_fitting_button()
if not found.rows:
    st.info(tr("queue.empty"), icon=":material/inbox:")
    st.stop()

for row in found.rows:
    row["hold_detail"] = widgets.hold_detail(row.get("hold_reason"), shortages.get(row["id"], []))
# What a clerk works by first, so it fits 1440 px; the order number stays in view when scrolling.
columns = (
    "channel_order_no",
    "status",
    "buyer",
    "paid_cents",
    "created_at",
    "items",
    "tracking_no",
    "hold_detail",
    "phone",
    "province",
    "shop",
)
selectable = actions.may_act(user["role"])  # tick-boxes only where there is something to do
table = st.dataframe(
    widgets.frame(found.rows, columns),
    hide_index=True,
    height=widgets.table_height(len(found.rows)),
    on_select="rerun" if selectable else "ignore",
    selection_mode="multi-row",
    key=f"queue_table_{actions.round_of('queue')}",
    column_config=widgets.money_columns(columns) | widgets.pinned("channel_order_no"),
)
chosen = [found.rows[index] for index in table.selection.rows] if selectable else []
picked = [row["id"] for row in chosen]

if selectable:
    actions.action_bar(picked, key="queue")
if len(picked) == 1 and st.button(tr("queue.open"), icon=":material/open_in_new:"):
    st.switch_page("pages/order.py", query_params={"order": chosen[0]["channel_order_no"]})
filters.pager_buttons(found.next_cursor)
