"""The area's pages under streamlit's AppTest, against a real SQLite store."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.copies import sandbox
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.orders import workflow
from core.restock import purchase_orders
from core.review.tables import order_exceptions, review_rules
from core.shipping import merge
from core.store.db import make_engine, transaction
from tests.rules.shop import NOW, order

SUPPLIER = "汪汪宠物食品厂"
PAGES = Path(__file__).resolve().parents[2] / "pages"


def page(name: str, role: str | None = None, **query) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=30)
    if role:
        app.session_state["user"] = {"username": f"{role}-demo", "name": role, "role": role, "language": "en"}
        app.session_state["lang"] = "en"
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def texts(app: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(app, kind)]


def test_a_clerk_sees_the_held_order_and_approves_it(store):
    app = page("exceptions", "clerk")
    assert not app.exception
    assert "3312600000001" in app.dataframe[0].value.to_csv()
    app.button[0].click().run()  # approve
    assert texts(app, "success") == ["Done: Paid"]
    with store.connect() as conn:
        assert conn.execute(select(order_exceptions.c.status)).scalars().all() == ["approved"]


def test_the_warehouse_cannot_open_the_exception_queue(store):
    app = page("exceptions", "warehouse")
    assert texts(app, "warning")[0].startswith("Sorry, your role (Warehouse) cannot use this page.")
    assert not app.dataframe


def test_a_manager_switches_a_rule_off_on_the_rules_page(store):
    app = page("rules_admin", "manager")
    assert not app.exception
    app.checkbox(key="buyer_remark.enabled").uncheck()
    app.button(key="FormSubmitter:rule-buyer_remark-Save").click().run()
    assert "Saved." in texts(app, "success")
    with store.connect() as conn:
        switched = select(review_rules.c.enabled).where(review_rules.c.code == "buyer_remark")
        assert conn.execute(switched).scalar_one() is False


def test_a_clerk_may_not_edit_rules(store):
    refused = page("rules_admin", "clerk")
    assert texts(refused, "warning")[0].startswith("Sorry, your role (Order clerk) cannot use this page.")
    assert not refused.button


def test_a_manager_creates_a_purchase_order_from_the_suggestions(store):
    app = page("purchasing", "manager")
    app.button(key=f"po-{SUPPLIER}").click().run()
    [message] = texts(app, "success")
    assert re.fullmatch(r"Purchase order PO20\d{6}-0001 queued for e-mail to sales@wangwang\.example\.", message)
    with store.connect() as conn:
        assert len(purchase_orders.purchase_order_list(conn)) == 1


def test_the_supplier_confirms_through_the_public_link_without_logging_in(store):
    with transaction(store) as conn:
        _, link = purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW)
    app = page("supplier", token=link.split("token=")[1])
    assert not app.exception and not app.error
    assert SUPPLIER in app.markdown[0].value
    app.button[0].click().run()  # send the quantities as ordered
    assert texts(app, "success") == ["已收到，谢谢！状态：供应商已确认"]


def test_a_wrong_supplier_token_shows_a_refusal_and_no_form(store):
    app = page("supplier", token="not-a-real-token")
    assert texts(app, "error") == ["此供应商链接无效，请使用我们最近一封邮件中的链接。"]
    assert not app.number_input


def test_an_admin_creates_a_sandbox_and_every_page_then_shows_the_banner(store):
    app = page("sandbox", "admin")
    app.button[0].click().run()
    assert sandbox.exists(store) and app.session_state["use_sandbox"]
    banner = AppTest.from_string("from ui.page_context import sandbox_banner\nsandbox_banner()")
    banner.session_state["lang"] = "en"
    banner.session_state["use_sandbox"] = True
    assert "SANDBOX" in banner.run().markdown[0].value
    live = AppTest.from_string("from ui.page_context import sandbox_banner\nsandbox_banner()").run()
    assert not live.markdown


def test_an_approval_made_while_in_the_sandbox_leaves_live_untouched(store):
    box_url = sandbox.create(store, Actor("admin", "admin"))
    app = AppTest.from_file(str(PAGES / "exceptions.py"), default_timeout=30)
    app.session_state["user"] = {"username": "admin-demo", "name": "admin", "role": "admin", "language": "en"}
    app.session_state["use_sandbox"] = True
    app.run().button[0].click().run()
    box = make_engine(box_url)
    try:
        with box.connect() as conn:
            assert conn.execute(select(order_exceptions.c.status)).scalars().all() == ["approved"]
    finally:
        box.dispose()
    with store.connect() as conn:
        assert conn.execute(select(order_exceptions.c.status)).scalars().all() == ["open"]


def test_a_clerk_merges_a_merge_candidate_into_one_parcel(store):
    ingest(store, [order("3312600000002", ("CAT-TOY-MOUSE", 1, 1_990))], now=NOW)
    app = page("exceptions", "clerk")
    app.selectbox[0].select(1).run()
    [merge_button] = [b for b in app.button if b.label == "Merge with the buyer's other open orders"]
    merge_button.click().run()
    assert texts(app, "success") == ["Done: 2 orders now ship as one parcel"]
    with store.connect() as conn:
        assert merge.shipment_of(conn, workflow.order_id_by_no(conn, "3312600000002")) == [
            workflow.order_id_by_no(conn, "3312600000001"),
            workflow.order_id_by_no(conn, "3312600000002"),
        ]


def test_a_manager_receives_a_purchase_order_on_the_purchasing_page(store):
    with transaction(store) as conn:
        number, _ = purchase_orders.create_purchase_order(conn, SUPPLIER, Actor("采购", "manager"), NOW)
    app = page("purchasing", "manager")
    [receive] = [b for b in app.button if b.label == "Receive the quantities entered"]
    receive.click().run()
    assert texts(app, "success") == [f"Purchase order {number}: Received. No order waiting for stock was released."]
    with store.connect() as conn:
        assert [o["status"] for o in purchase_orders.purchase_order_list(conn)] == ["received"]


def test_an_admin_promotes_and_then_drops_the_sandbox_from_its_page(store):
    sandbox.create(store, Actor("admin", "admin"))
    app = page("sandbox", "admin")
    [promote] = [b for b in app.button if b.label == "Promote the configuration to live"]
    promote.click().run()
    assert texts(app, "success")[0].startswith("Promoted: review rules 0")
    [drop] = [b for b in app.button if b.label == "Drop the sandbox"]
    drop.click().run()
    assert not sandbox.exists(store)
