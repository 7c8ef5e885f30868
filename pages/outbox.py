"""通知发送 — admin: delivery counts and the dead letters, with retry."""

import streamlit as st

from core.messages import outbox
from ui import auth
from ui.aftersales import commit, notice
from ui.session import acting, engine, tr

auth.guard("pages/outbox.py")
st.title(tr("aftersales.outbox.title"), anchor=False)
notice()
with engine().connect() as conn:
    counts = outbox.status_counts(conn)
    dead = outbox.dead_letters(conn)
states = (outbox.PENDING, outbox.SENDING, outbox.SENT, outbox.DEAD)
for column, state in zip(st.columns(len(states)), states, strict=True):
    column.metric(tr(f"aftersales.outbox.{state}"), counts.get(state, 0), border=True)
if not dead:
    st.info(tr("aftersales.outbox.empty"), icon=":material/mark_email_read:")
    st.stop()

st.dataframe(dead, column_order=["id", "kind", "recipient", "template", "attempts", "last_error"], hide_index=True)
chosen = st.multiselect(tr("aftersales.outbox.pick"), [row["id"] for row in dead], format_func=lambda i: f"#{i}")
if st.button(tr("aftersales.outbox.retry"), type="primary", disabled=not chosen):
    commit(lambda: tr("aftersales.outbox.retried", count=outbox.retry_dead(engine(), chosen, acting())))
