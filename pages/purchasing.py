"""Purchasing: what to reorder per supplier, purchase orders previewed, edited and e-mailed to
suppliers, and goods received in full or in part."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from core import clock
from core.errors import OrderHubError
from core.identity.access import mask_rows
from core.restock import purchase_orders, purchasing, stock_levels
from ui import auth, cached, widgets
from ui.page_context import actor
from ui.session import engine, store_url, tr

SUGGESTED = ("sku", "name", "available", "incoming", "safety_stock", "sold_14", "sold_30", "per_day")
SUGGESTED += ("lead_time_days", "suggested_qty", "qty", "unit_cost_cents")
PREVIEW = ("sku", "name", "qty", "unit_cost_cents", "line_cost_cents")
RECEIVING = ("sku", "name", "qty_ordered", "qty_confirmed", "qty_received", "outstanding", "qty")
ORDERS = ("number", "supplier", "status", "expected_at", "supplier_note", "created_at")
ARRIVING = ("sku", "qty", "expected_at", "po", "supplier", "status")
PO_STATUS = {"status": "po"}

current = auth.guard("pages/purchasing.py")
st.title(tr("purchasing.title"))
widgets.show_outcome()
with engine().connect() as conn:
    grouped = purchasing.suggest(conn, sales=cached.recent_sales(store_url()))
    orders = purchase_orders.purchase_order_list(conn)
    arriving = purchase_orders.expected_arrivals(conn)


FAILED = object()


def run(service, *args, **options):
    """One core unit of work on the store; a refusal is shown and returns FAILED."""
    try:
        return service(engine(), *args, **options)
    except OrderHubError as refusal:
        widgets.show_error(refusal)
        return FAILED


def quantity_editor(rows: list[dict], columns: tuple[str, ...], key: str) -> dict[str, int]:
    """The rows with their "qty" column editable (whole numbers from 0); returns the quantity per
    SKU as entered, an emptied cell counting as 0."""
    if not rows:
        return {}
    table = widgets.frame(rows, columns)
    qty = tr("col.qty")
    edited = st.data_editor(
        table,
        key=key,
        hide_index=True,
        width="stretch",
        disabled=[column for column in table.columns if column != qty],
        column_config={
            **widgets.money_columns(columns),
            qty: st.column_config.NumberColumn(min_value=0, step=1, format="%d", required=True),
        },
    )
    return {sku: int(n) if pd.notna(n) else 0 for sku, n in zip(edited[tr("col.sku")], edited[qty])}


def done(notice: str, editor: str) -> None:
    """Show the notice on a fresh run of the page, with the editor back at its new defaults."""
    widgets.remember_notice(notice)
    st.session_state.pop(editor, None)
    st.rerun()


if not grouped:
    st.info(tr("purchasing.empty"))
for supplier, items in grouped.items():
    st.subheader(supplier)
    rows = [{**asdict(s), "suggested_qty": s.qty} for s in items]
    editor = f"po-edit-{supplier}"
    quantities = quantity_editor(mask_rows(current["role"], rows), SUGGESTED, editor)
    draft = run(purchase_orders.preview_order, supplier, quantities)
    if draft is FAILED:
        continue
    expected = st.date_input(
        tr("purchasing.expected"), value=draft["expected_at"], min_value=clock.now().date(), key=f"po-date-{supplier}"
    )
    st.caption(
        tr(
            "purchasing.preview",
            to=draft["to"],
            lines=len(draft["lines"]),
            total=f"{draft['total_cents'] / 100:,.2f}",
            expected=f"{expected:%Y-%m-%d}",
        )
    )
    preview = widgets.frame(mask_rows(current["role"], draft["lines"]), PREVIEW)
    st.dataframe(preview, hide_index=True, width="stretch", column_config=widgets.money_columns(PREVIEW))
    if (
        st.button(tr("purchasing.create", supplier=supplier), key=f"po-{supplier}", type="primary")
        and (made := run(purchase_orders.create_order, supplier, actor(), quantities=quantities, expected=expected))
        is not FAILED
    ):
        done(tr("purchasing.created", number=made[0], to=draft["to"]), editor)

st.header(tr("purchasing.orders"))
st.dataframe(widgets.frame(orders, ORDERS, PO_STATUS), hide_index=True, width="stretch")
if arriving:
    st.caption(tr("purchasing.arriving"))
    st.dataframe(widgets.frame(arriving, ARRIVING, PO_STATUS), hide_index=True, width="stretch")
receivable = [o["number"] for o in orders if o["status"] in purchasing.OPEN_PO]
if receivable:
    st.subheader(tr("purchasing.receiving"))
    number = st.selectbox(tr("purchasing.orders"), receivable)
    with engine().connect() as conn:
        po = purchase_orders.purchase_order(conn, number)
    editor = f"receive-{number}"
    lines = [{**line, "qty": line["outstanding"]} for line in po["lines"] if line["outstanding"]]
    received = quantity_editor(lines, RECEIVING, editor)
    if (
        st.button(tr("purchasing.receive"), type="primary")
        and (resumed := run(purchase_orders.receive_order, number, actor(), quantities=received)) is not FAILED
    ):
        with engine().connect() as conn:
            moved = stock_levels.order_numbers(conn, resumed)
            status = purchase_orders.purchase_order(conn, number)["status"]
        released = (
            tr("purchasing.received", count=len(moved), orders="、".join(moved))
            if moved
            else tr("purchasing.received_none")
        )
        done(f"{tr('purchasing.po_now', number=number, status=widgets.label('po', status))} {released}", editor)

with st.expander(tr("purchasing.suppliers")), st.form("supplier"):
    fields = ("name", "email")
    name, email = (st.text_input(tr(f"supplier.{f}")) for f in fields)
    lead, pack, moq = (
        int(st.number_input(tr(f"supplier.{f}"), min_value=m, value=v, step=1))
        for f, m, v in (("lead_time_days", 0, 7), ("pack_size", 1, 1), ("moq", 1, 1))
    )
    if (
        st.form_submit_button(tr("purchasing.save_supplier"))
        and run(purchasing.save_supplier_details, name, email, lead, pack, moq, actor()) is not FAILED
    ):
        st.success(tr("rules.saved"))
