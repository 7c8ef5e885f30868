"""订单详情 — one order: who and where (masked per role), lines, amounts and profit, timeline, notes."""

import streamlit as st

from core import regions
from core.aftersales import returns
from core.errors import OrderHubError
from core.identity.access import can
from core.orders import order_detail
from core.orders.holds import HOLDABLE
from core.orders.workflow import BY_HAND
from core.shipping import batch, warehouse
from core.shipping.labels import CARRIER_NAMES
from ui import actions, auth, cached, widgets
from ui.aftersales import open_from_order
from ui.session import acting, engine, tr
from ui.tracking import tracking_history

user = auth.guard("pages/order.py")
st.title(tr("order.title"), anchor=False)
widgets.show_outcome()

wanted = st.text_input(tr("order.search"), value=st.query_params.get("order", ""), placeholder="TB20261120001")
if not wanted.strip():
    st.info(tr("order.pick"), icon=":material/search:")
    st.stop()
try:
    with engine().connect() as conn:
        order_id = order_detail.find(conn, wanted)
        found = order_detail.detail(conn, user["role"], order_id)
except OrderHubError as exc:
    widgets.show_error(exc)
    st.stop()
head = found.header
st.query_params["order"] = head["channel_order_no"]

st.subheader(f"{head['channel_order_no']} · {widgets.label('status', head['status'])}", anchor=False)
st.caption(
    f"{widgets.label('channel', head['channel'])} · {head['shop']} · {tr('col.created_at')} {head['created_at']}"
)
if head["hold_reason"]:
    st.warning(widgets.hold_detail(head["hold_reason"], found.shortages), icon=":material/pause_circle:")

who, money = st.columns(2)
with who.container(border=True):
    st.markdown(f"**{tr('order.receiver')}**")
    st.write(" ".join(str(head[field]) for field in ("buyer", "phone") if field in head))
    st.write(head["address"])
    if regions.is_abroad(head["country"]):  # its region as the channel wrote it, and where it goes
        st.caption(" · ".join(filter(None, (head["city"], head["province"], head["country"]))))
    if head["tracking_no"]:
        carrier = CARRIER_NAMES.get(head["carrier"], head["carrier"] or "")
        st.write(f"{tr('col.tracking_no')}: {carrier} {head['tracking_no']}")
    for remark in ("buyer_remark", "seller_remark"):
        if head[remark]:
            st.caption(f"{tr('col.' + remark)}: {head[remark]}")
with money.container(border=True):
    st.markdown(f"**{tr('order.amounts')}**")
    if found.amounts:
        st.table(widgets.amounts_table(found.amounts))
    else:
        st.caption(tr("order.amounts_hidden"))

tracking_history(order_id, user["role"])
st.markdown(f"**{tr('order.lines')}**")
line_columns = ("sku", "name", "qty", "unit_price_cents", "discount_cents", "unit_cost_cents")
st.dataframe(
    widgets.frame(found.lines, line_columns), hide_index=True, column_config=widgets.money_columns(line_columns)
)

papers = ("labels",) if warehouse.ready_to_ship(head["status"]) else ()  # no label for a held order
actions.action_bar([order_id], key="order", actions=batch.possible(head["status"]), counted=False, papers=papers)
if head["status"] in HOLDABLE and can(user["role"], "change_status"):
    with st.expander(tr("order.hold"), icon=":material/pause_circle:"), st.form("hold", border=False):
        kind = st.radio(tr("order.hold_kind"), BY_HAND, format_func=lambda k: widgets.label("hold", k), horizontal=True)
        why = st.text_input(tr("order.hold_note"), max_chars=order_detail.MAX_NOTE)
        if st.form_submit_button(tr("order.hold_submit"), icon=":material/pause:"):
            try:
                batch.hold_orders(engine(), [order_id], acting(), kind, why)
                cached.after_change()  # the queue's tabs count it at once
                widgets.remember_notice(
                    tr("order.held", order_no=head["channel_order_no"], kind=widgets.label("hold", kind))
                )
                st.rerun()
            except OrderHubError as exc:
                widgets.show_error(exc)
if can(user["role"], "handle_tickets") and head["status"] in returns.SHIPPED_ORDER_STATUSES:
    open_from_order(order_id, found.lines, user)

st.markdown(f"**{tr('order.timeline')}**")
for item in found.timeline:
    st.markdown(widgets.timeline_entry(item))
if can(user["role"], "add_note"):
    with st.form("note", clear_on_submit=True, border=False):
        note = st.text_area(tr("order.note"), max_chars=order_detail.MAX_NOTE, height=80)
        if st.form_submit_button(tr("order.add_note"), icon=":material/edit_note:"):
            try:
                order_detail.add_note(engine(), acting(), order_id, note)
                st.rerun()
            except OrderHubError as exc:
                widgets.show_error(exc)
