"""Public supplier page: confirm or change a purchase order's quantities and delivery date (token link, no login)."""

from datetime import date, timedelta

import streamlit as st

from core.errors import OrderHubError
from core.restock import supplier_link
from ui import auth, widgets
from ui.session import live_engine, tr

auth.guard("pages/supplier.py")
st.title(tr("supplier.title"))
token = st.query_params.get("token", "")
if not token:
    st.info(tr("supplier.no_token"))
    st.stop()
try:
    with live_engine().connect() as conn:  # suppliers always answer the live store
        po = supplier_link.view(conn, token)
except OrderHubError as refusal:
    widgets.show_error(refusal)
    st.stop()

st.write(tr("supplier.intro", supplier=po["supplier"], number=po["number"]))
st.caption(tr(f"po.{po['status']}"))
with st.form("answer"):
    quantities = {
        line["sku"]: st.number_input(
            f"{line['sku']} · {line['name']}",
            min_value=0,
            step=1,
            value=line["qty_confirmed"] if line["qty_confirmed"] is not None else line["qty_ordered"],
            key=f"qty-{line['sku']}",
        )
        for line in po["lines"]
    }
    planned = po["expected_at"].date() if po["expected_at"] else date.today() + timedelta(days=7)
    delivery = st.date_input(tr("supplier.delivery"), value=max(planned, date.today()), min_value=date.today())
    note = st.text_area(tr("supplier.note"), value=po["note"], max_chars=500)
    sent = st.form_submit_button(tr("supplier.submit"))
if sent:
    try:
        status = supplier_link.answer(live_engine(), token, {k: int(v) for k, v in quantities.items()}, delivery, note)
        st.success(tr("supplier.thanks", status=tr(f"po.{status}")))
    except OrderHubError as refusal:
        widgets.show_error(refusal)
