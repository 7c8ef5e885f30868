"""售后工单 — tickets by SLA urgency, open one from an order, take the next step, reassign."""

from functools import partial

import streamlit as st

from core.aftersales import returns
from core.aftersales.returns_flow import TYPES, next_statuses
from core.aftersales.returns_sla import cycle_times, list_tickets, ticket_detail
from ui import auth, widgets
from ui.aftersales import commit, notice, ticket_table
from ui.session import acting, engine, lang, tr

LINES = ("sku", "qty", "replacement_sku", "disposition")
HISTORY = ("at", "actor", "action", "from_status", "to_status", "detail")
CODES = {"disposition": "aftersales.disposition", "action": "aftersales.action"}
CODES |= {"from_status": "aftersales.status", "to_status": "aftersales.status"}

user = auth.guard("pages/returns.py")
st.title(tr("aftersales.page.title"), anchor=False)
notice()

mine_box, due_box = st.columns(2)
mine = mine_box.toggle(tr("aftersales.page.mine_only"), value=user["role"] == "service")
due_only = due_box.toggle(tr("aftersales.page.due_only"))
with engine().connect() as conn:
    rows = list_tickets(conn, owner=user["username"] if mine else None, with_unassigned=True, due_only=due_only)
    reasons = returns.reasons(conn)
    agents = {agent.username: agent.display_name for agent in returns.agents(conn)}
if rows:
    st.dataframe(ticket_table(rows, agents), hide_index=True)
else:
    st.info(tr("aftersales.page.empty"), icon=":material/support_agent:")


with st.expander(tr("aftersales.page.open")), st.form("open_ticket", clear_on_submit=True):
    order_no = st.text_input(tr("aftersales.page.order_no"), placeholder="TB4081726354001")
    kind = st.selectbox(tr("aftersales.page.type"), TYPES, format_func=lambda k: tr(f"aftersales.type.{k}"))
    reason = st.selectbox(tr("aftersales.page.reason"), reasons, format_func=lambda r: r[f"label_{lang()}"])
    sku_box, qty_box = st.columns([3, 1])
    sku = sku_box.text_input(tr("aftersales.page.sku"), placeholder="PET-FOOD-2KG")
    qty = qty_box.number_input(tr("aftersales.page.qty"), min_value=1, value=1, step=1)
    if st.form_submit_button(tr("aftersales.page.create"), type="primary"):
        items = [returns.Item(sku.strip(), int(qty))] if sku.strip() else None

        def open_it() -> str:
            number = returns.open_ticket_for(engine(), order_no, kind, reason["code"], acting(), items=items)
            with engine().connect() as conn:
                owner = returns.load(conn, number).owner
            return tr("aftersales.page.created", number=number, owner=owner or "-")

        commit(open_it)

st.subheader(tr("aftersales.page.handle"), anchor=False)
numbers = [row["number"] for row in rows]
linked = st.query_params.get("ticket")  # from the order page that opened it, whoever owns it
if linked and linked not in numbers:
    numbers.append(linked)
number = st.selectbox(
    tr("aftersales.page.number"),
    numbers,
    index=numbers.index(linked) if linked else None,
    placeholder=tr("aftersales.page.pick" if rows else "aftersales.page.none_to_pick"),
    key="ticket",
)
if number:
    with engine().connect() as conn:
        ticket = ticket_detail(conn, number, user["role"])
    st.dataframe(widgets.frame(ticket["lines"], LINES, CODES), hide_index=True)
    steps = next_statuses(ticket["type"], ticket["status"])
    step_box, owner_box = st.columns(2)
    with step_box.form("advance"):
        target = st.selectbox(tr("aftersales.page.next"), steps, format_func=lambda s: tr(f"aftersales.status.{s}"))
        resalable = st.checkbox(tr("aftersales.page.resalable"), value=True)
        note = st.text_input(tr("aftersales.page.notes"))
        if st.form_submit_button(tr("aftersales.page.advance"), disabled=not steps):
            step = {"resalable": resalable, "note": note}
            moved = partial(returns.advance_ticket, engine(), number, target, acting(), **step)
            commit(lambda: tr(f"aftersales.status.{moved()}"))
    with owner_box.form("reassign"):
        people = list(agents)
        me = people.index(user["username"]) if user["username"] in people else 0
        owner = st.selectbox(tr("aftersales.page.reassign"), people, index=me, format_func=agents.get)
        if st.form_submit_button(tr("aftersales.page.reassign_button")):
            handed = partial(returns.reassign_ticket, engine(), number, owner, acting())
            commit(lambda: handed() or tr("aftersales.page.done"))
    st.caption(tr("aftersales.page.history"))
    st.dataframe(widgets.frame(ticket["events"], HISTORY, CODES), hide_index=True)

with engine().connect() as conn:
    trend = [row for row in cycle_times(conn) if row["period"] != "all"]
if trend:
    st.subheader(tr("aftersales.page.cycle"), anchor=False)
    st.line_chart(trend, x="period", y="avg_days")
