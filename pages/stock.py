"""库存 — levels with available / reserved / on hand, low-stock flags, audited adjustments, count import."""

import streamlit as st

from core.errors import OrderHubError
from core.identity.access import can
from core.restock import stock_levels
from ui import auth, widgets
from ui.session import acting, engine, tr

user = auth.guard("pages/stock.py")
st.title(tr("stock.title"), anchor=False)
widgets.show_outcome()

search_box, low_box = st.columns([3, 1], vertical_alignment="bottom")
search = search_box.text_input(tr("stock.search"), placeholder="PET-FOOD-2KG")
low_only = low_box.toggle(tr("stock.low_only"))
try:
    with engine().connect() as conn:
        rows = stock_levels.levels(conn, user["role"], search, low_only)
except OrderHubError as exc:
    widgets.show_error(exc)
    st.stop()

low = sum(row["low"] for row in rows)
total_metric, low_metric = st.columns(2)
total_metric.metric(tr("stock.skus"), len(rows), border=True)
low_metric.metric(
    tr("stock.low"), low, border=True, delta=tr("stock.low_hint") if low else None, delta_color="red", delta_arrow="off"
)
if not rows:
    st.info(tr("stock.empty"), icon=":material/inventory_2:")
    st.stop()

for row in rows:
    row["level"] = tr("stock.badge_low") if row["low"] else tr("stock.badge_ok")
columns = (
    "level",
    "sku",
    "name",
    "available",
    "reserved",
    "on_hand",
    "safety_stock",
    "arriving",
    "expected_at",
    "unit_cost_cents",
    "supplier",
    "needs_details",  # created by an import or a pull from an unknown code: name, cost and supplier to fill in
)
table = widgets.frame(rows, columns).style.apply(widgets.highlight([row["low"] for row in rows]), axis=None)
st.dataframe(table, hide_index=True, column_config=widgets.money_columns(columns))

codes = [row["sku"] for row in rows]
history, adjust, count_import = st.tabs([tr("stock.history"), tr("stock.adjust"), tr("stock.import")])
with history:
    code = st.selectbox(tr("col.sku"), codes, key="history_sku")
    with engine().connect() as conn:
        moves = stock_levels.movements(conn, code)
    st.dataframe(widgets.frame(moves, ("at", "kind", "delta", "reason", "actor")), hide_index=True)
if can(user["role"], "adjust_stock"):
    with adjust, st.form("adjust", clear_on_submit=True):
        sku = st.selectbox(tr("col.sku"), codes)
        delta = st.number_input(tr("stock.delta"), step=1, value=0, help=tr("stock.delta_hint"))
        reason = st.text_input(tr("stock.reason"), placeholder=tr("stock.reason_hint"))
        if st.form_submit_button(tr("stock.apply"), type="primary"):
            try:
                moved = stock_levels.adjust(engine(), acting(), sku, int(delta), reason)
                widgets.remember_notice(
                    tr("stock.adjusted", sku=sku, delta=int(delta))
                    + (tr("stock.resumed", count=len(moved), orders="、".join(moved)) if moved else "")
                )
                st.rerun()
            except OrderHubError as exc:
                widgets.show_error(exc)
    with count_import:
        st.caption(tr("stock.import_hint"))
        upload = st.file_uploader(tr("stock.file"), type=["csv", "xlsx"])
        if upload is not None and st.button(tr("stock.import_apply"), type="primary"):
            try:
                rows = stock_levels.read_counts(upload.getvalue())
                result = stock_levels.import_counts(engine(), acting(), rows, upload.name)
                st.success(
                    tr("stock.imported", **{k: getattr(result, k) for k in ("created", "adjusted", "unchanged")})
                )
                for refused in result.rejected:
                    st.error(tr("stock.refused_row", row=refused["row"], reason=refused["reason"]))
            except OrderHubError as exc:
                widgets.show_error(exc)
else:
    for tab in (adjust, count_import):
        tab.info(tr("stock.read_only"), icon=":material/lock:")
