"""Public supplier page: confirm or change a purchase order's quantities and delivery date (token link, no login)."""

from datetime import date, timedelta

import streamlit as st

from core import supplier_link
from core.db import transaction
from core.errors import OrderHubError
from core.i18n import t
from ui.page_context import lang, live_engine

L = lang()
st.title(t("supplier.title", L))
token = st.query_params.get("token", "")
if not token:
    st.info(t("supplier.no_token", L))
    st.stop()
try:
    with live_engine().connect() as conn:  # suppliers always answer the live store
        po = supplier_link.view(conn, token)
except OrderHubError as refusal:
    st.error(str(refusal))
    st.stop()

st.write(t("supplier.intro", L, supplier=po["supplier"], number=po["number"]))
st.caption(t(f"po.{po['status']}", L))
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
    delivery = st.date_input(t("supplier.delivery", L), value=max(planned, date.today()), min_value=date.today())
    note = st.text_area(t("supplier.note", L), value=po["note"], max_chars=500)
    sent = st.form_submit_button(t("supplier.submit", L))
if sent:
    try:
        with transaction(live_engine()) as conn:
            status = supplier_link.respond(conn, token, {k: int(v) for k, v in quantities.items()}, delivery, note)
        st.success(t("supplier.thanks", L, status=t(f"po.{status}", L)))
    except OrderHubError as refusal:
        st.error(str(refusal))
