"""Purchasing: what to reorder per supplier, purchase orders e-mailed to suppliers, receiving goods."""

from dataclasses import asdict

import streamlit as st

from core import purchase_orders, purchasing
from core.access import mask_rows
from core.db import transaction
from core.errors import OrderHubError
from core.i18n import t
from ui.page_context import actor, allow, engine, lang, role

allow("purchasing")
L = lang()
st.title(t("purchasing.title", L))
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
        st.error(str(refusal))
        return FAILED


if not grouped:
    st.info(t("purchasing.empty", L))
for supplier, items in grouped.items():
    st.subheader(supplier)
    st.dataframe(mask_rows(role(), [asdict(s) for s in items]), hide_index=True, width="stretch")
    clicked = st.button(t("purchasing.create", L, supplier=supplier), key=f"po-{supplier}")
    if clicked and (made := run(purchase_orders.create_purchase_order, supplier, actor())) is not FAILED:
        st.success(t("purchasing.created", L, number=made[0]))

st.header(t("purchasing.orders", L))
st.dataframe([{**o, "status": t(f"po.{o['status']}", L)} for o in orders], hide_index=True, width="stretch")
st.dataframe(arriving, hide_index=True, width="stretch")
receivable = [o["number"] for o in orders if o["status"] in purchasing.OPEN_PO]
if receivable:
    number = st.selectbox(t("purchasing.orders", L), receivable)
    if (
        st.button(t("purchasing.receive", L))
        and (resumed := run(purchase_orders.receive_purchase_order, number, actor())) is not FAILED
    ):
        st.success(t("purchasing.received", L, count=len(resumed)))

with st.expander(t("purchasing.suppliers", L)), st.form("supplier"):
    fields = ("name", "email")
    name, email = (st.text_input(t(f"supplier.{f}", L)) for f in fields)
    lead, pack, moq = (
        int(st.number_input(t(f"supplier.{f}", L), min_value=m, value=v, step=1))
        for f, m, v in (("lead_time_days", 0, 7), ("pack_size", 1, 1), ("moq", 1, 1))
    )
    if (
        st.form_submit_button(t("purchasing.save_supplier", L))
        and run(purchasing.save_supplier, name, email, lead, pack, moq, actor()) is not FAILED
    ):
        st.success(t("rules.saved", L))
