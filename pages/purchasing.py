"""Purchasing: what to reorder per supplier, purchase orders e-mailed to suppliers, receiving goods."""

from dataclasses import asdict

import streamlit as st

from core import purchase_orders, purchasing, stock_levels
from core.access import mask_rows
from core.db import transaction
from core.errors import OrderHubError
from ui import widgets
from ui.page_context import actor, allow
from ui.session import engine, tr

SUGGESTED = ("sku", "name", "available", "incoming", "safety_stock", "sold_14", "sold_30", "per_day")
SUGGESTED += ("lead_time_days", "qty", "unit_cost_cents")
ORDERS = ("number", "supplier", "status", "expected_at", "supplier_note", "created_at")
ARRIVING = ("sku", "qty", "expected_at", "po", "supplier", "status")
PO_STATUS = {"status": "po"}

current = allow("purchasing")
st.title(tr("purchasing.title"))
with engine().connect() as conn:
    grouped = purchasing.suggest(conn)
    orders = purchase_orders.purchase_order_list(conn)
    arriving = purchase_orders.expected_arrivals(conn)


FAILED = object()


def run(service, *args):
    """One service call in its own transaction; a refusal is shown and returns FAILED."""
    try:
        with transaction(engine()) as conn:
            return service(conn, *args)
    except OrderHubError as refusal:
        widgets.show_error(refusal)
        return FAILED


if not grouped:
    st.info(tr("purchasing.empty"))
for supplier, items in grouped.items():
    st.subheader(supplier)
    suggested = widgets.frame(mask_rows(current["role"], [asdict(s) for s in items]), SUGGESTED)
    st.dataframe(suggested, hide_index=True, width="stretch", column_config=widgets.money_columns(SUGGESTED))
    clicked = st.button(tr("purchasing.create", supplier=supplier), key=f"po-{supplier}")
    if clicked and (made := run(purchase_orders.create_purchase_order, supplier, actor())) is not FAILED:
        st.success(tr("purchasing.created", number=made[0]))

st.header(tr("purchasing.orders"))
st.dataframe(widgets.frame(orders, ORDERS, PO_STATUS), hide_index=True, width="stretch")
if arriving:
    st.caption(tr("purchasing.arriving"))
    st.dataframe(widgets.frame(arriving, ARRIVING, PO_STATUS), hide_index=True, width="stretch")
receivable = [o["number"] for o in orders if o["status"] in purchasing.OPEN_PO]
if receivable:
    number = st.selectbox(tr("purchasing.orders"), receivable)
    if (
        st.button(tr("purchasing.receive"))
        and (resumed := run(purchase_orders.receive_purchase_order, number, actor())) is not FAILED
    ):
        with engine().connect() as conn:
            moved = stock_levels.order_numbers(conn, resumed)
        st.success(tr("purchasing.received", count=len(moved)) + ("：" + "、".join(moved) if moved else ""))

with st.expander(tr("purchasing.suppliers")), st.form("supplier"):
    fields = ("name", "email")
    name, email = (st.text_input(tr(f"supplier.{f}")) for f in fields)
    lead, pack, moq = (
        int(st.number_input(tr(f"supplier.{f}"), min_value=m, value=v, step=1))
        for f, m, v in (("lead_time_days", 0, 7), ("pack_size", 1, 1), ("moq", 1, 1))
    )
    if (
        st.form_submit_button(tr("purchasing.save_supplier"))
        and run(purchasing.save_supplier, name, email, lead, pack, moq, actor()) is not FAILED
    ):
        st.success(tr("rules.saved"))
