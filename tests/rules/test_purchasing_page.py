"""The purchasing page: a PO previewed and edited before it is e-mailed, goods received in part."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core import clock
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.messages.tables import outbox
from core.restock import purchase_orders
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.db import transaction
from tests.app.app_pages import button, open_page
from tests.rules.shop import NOW, SUPPLIER, order, status_of

PAGE = "pages/purchasing.py"
CONFIRM = f"Confirm and e-mail the PO to {SUPPLIER}"
RECEIVE = "Receive the quantities entered"


def edit_qty(app, key: str, row: int, qty: int):
    """Type a quantity into a row of the page's editor, as the buyer would."""
    app.session_state[key] = {"edited_rows": {row: {"Qty": qty}}, "added_rows": [], "deleted_rows": []}
    return app.run()


def sent(store) -> list[str]:
    """Whom purchase-order e-mails are queued for."""
    with store.connect() as conn:
        return list(conn.execute(select(outbox.c.recipient).where(outbox.c.template == "purchase_order")).scalars())


def test_the_suggested_po_is_previewed_with_its_recipient_and_total_before_anything_is_sent(store):
    app = open_page(PAGE, "manager", lang="en")
    assert not app.exception
    [preview] = [c.value for c in app.caption if c.value.startswith("E-mail preview")]
    assert "to sales@wangwang.example · 1 lines · total ¥2,400.00" in preview
    [lines] = [d.value for d in app.dataframe if "Line total" in d.value.columns]
    assert list(lines["SKU"]) == ["PET-FOOD-2KG"] and list(lines["Qty"]) == [60]
    assert list(lines["Line total"]) == [2400.0]
    assert sent(store) == []
    with store.connect() as conn:
        assert purchase_orders.purchase_order_list(conn) == []


def test_the_buyer_edits_a_quantity_and_the_po_is_sent_with_it(store):
    app = edit_qty(open_page(PAGE, "manager", lang="en"), f"po-edit-{SUPPLIER}", 0, 120)
    assert "total ¥4,800.00" in " ".join(c.value for c in app.caption)
    button(app, CONFIRM).click().run()
    assert not app.exception and not app.error
    with store.connect() as conn:
        [po] = purchase_orders.purchase_order_list(conn)
        lines = purchase_orders.purchase_order(conn, po["number"])["lines"]
    assert [(line["sku"], line["qty_ordered"]) for line in lines] == [("PET-FOOD-2KG", 120)]
    assert sent(store) == ["sales@wangwang.example"]


def test_the_buyer_asks_for_a_delivery_date_and_the_po_expects_it(store):
    app = open_page(PAGE, "manager", lang="en")
    asked = clock.now().date() + timedelta(days=3)
    app.date_input(key=f"po-date-{SUPPLIER}").set_value(asked).run()
    assert f"expected by {asked:%Y-%m-%d}" in " ".join(c.value for c in app.caption)
    button(app, CONFIRM).click().run()
    with store.connect() as conn:
        [arriving] = purchase_orders.expected_arrivals(conn)
    assert arriving["expected_at"].date() == asked


def test_a_quantity_outside_the_suppliers_packs_is_refused_and_nothing_can_be_sent(store):
    app = edit_qty(open_page(PAGE, "manager", lang="en"), f"po-edit-{SUPPLIER}", 0, 30)
    assert [e.value for e in app.error] == ["Order whole packs of 12 and at least the MOQ of 24: PET-FOOD-2KG 30→36."]
    assert CONFIRM not in [b.label for b in app.button]
    assert sent(store) == []


def test_a_zero_drops_the_line_and_with_no_line_left_nothing_is_ordered(store):
    app = edit_qty(open_page(PAGE, "manager", lang="en"), f"po-edit-{SUPPLIER}", 0, 0)
    assert [e.value for e in app.error] == [
        f"Nothing to order from {SUPPLIER}: no SKU of theirs is below its reorder point."
    ]
    assert CONFIRM not in [b.label for b in app.button]


def test_a_partial_receipt_marks_the_po_partial_and_names_the_orders_it_released(store):
    with transaction(store) as conn:
        conn.execute(update(skus).where(skus.c.sku == "CAT-TOY-MOUSE").values(supplier=SUPPLIER))
        stock.adjust(conn, stock.sku_id(conn, "CAT-TOY-MOUSE"), -50, "stock count", "仓库", NOW)
    ingest(store, [order("3312600000009", ("CAT-TOY-MOUSE", 3, 1_990), buyer="等货")], now=NOW)
    assert status_of(store, "3312600000009") == ("on_hold", "insufficient_stock")
    with transaction(store) as conn:
        number, _ = purchase_orders.create_purchase_order(
            conn, SUPPLIER, Actor("采购", "manager"), NOW, {"CAT-TOY-MOUSE": 24}
        )
    app = open_page(PAGE, "manager", lang="en")
    [receiving] = [d.value for d in app.dataframe if "Outstanding" in d.value.columns]
    assert list(receiving["Qty"]) == list(receiving["Outstanding"]) == [24]  # the default: all outstanding
    app = edit_qty(app, f"receive-{number}", 0, 10)
    button(app, RECEIVE).click().run()
    assert [s.value for s in app.success] == [
        f"Purchase order {number}: Partly received. Released 1 orders waiting for stock: 3312600000009"
    ]
    with store.connect() as conn:
        [line] = purchase_orders.purchase_order(conn, number)["lines"]
    assert (line["qty_received"], line["outstanding"]) == (10, 14)


def test_receiving_more_than_is_outstanding_is_refused_with_the_cores_reason(store):
    with transaction(store) as conn:
        number, _ = purchase_orders.create_purchase_order(
            conn, SUPPLIER, Actor("采购", "manager"), NOW, {"PET-FOOD-2KG": 24}
        )
        purchase_orders.receive_purchase_order(conn, number, Actor("仓库", "warehouse"), NOW, {"PET-FOOD-2KG": 20})
    app = edit_qty(open_page(PAGE, "manager", lang="en"), f"receive-{number}", 0, 5)
    button(app, RECEIVE).click().run()
    assert [e.value for e in app.error] == [f"PET-FOOD-2KG: 5 cannot be received on {number}, 4 are outstanding."]
    with store.connect() as conn:
        assert purchase_orders.purchase_order(conn, number)["status"] == "partial"
