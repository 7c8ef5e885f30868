"""售后进度查询 — public: ticket or platform order number + last four phone digits show status,
progress, the next step and the return address; nothing about the buyer."""

import streamlit as st

from core.aftersales.returns_lookup import FOUND, LIMITED, lookup
from ui import auth
from ui.aftersales import client_id
from ui.session import engine, tr

auth.guard("pages/lookup.py")
st.title(tr("aftersales.lookup.title"), anchor=False)
with st.form("lookup"):
    number = st.text_input(
        tr("aftersales.lookup.number"), max_chars=64, placeholder="AS20261126-0007 / TB4081726354001"
    )
    digits = st.text_input(tr("aftersales.lookup.digits"), max_chars=4, type="password")
    asked = st.form_submit_button(tr("aftersales.lookup.submit"), type="primary")
if not asked:
    st.stop()

result = lookup(engine(), number, digits, client_id())
if result.outcome == LIMITED:
    st.warning(tr("aftersales.lookup.limited"), icon=":material/hourglass_top:")
elif result.outcome != FOUND:
    st.info(tr("aftersales.lookup.no_match"), icon=":material/search_off:")
else:
    st.subheader(f"{result.number} · {tr(f'aftersales.type.{result.type}')}", anchor=False)
    st.success(tr("aftersales.lookup.status", status=tr(f"aftersales.status.{result.status}")))
    st.info(tr("aftersales.lookup.next", step=tr(result.next_step)), icon=":material/directions:")
    if result.return_to:
        st.markdown(tr("aftersales.lookup.return_to", **vars(result.return_to)))
    for status, at in result.progress:
        st.markdown(f"- {at:%Y-%m-%d %H:%M} · {tr(f'aftersales.status.{status}')}")
