"""The after-sales pages, run with Streamlit's AppTest against a real store."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.aftersales import returns
from core.aftersales.tables import tickets
from core.identity.access import Actor
from core.messages import outbox
from core.store.db import transaction
from tests.aftersales.ticketdata import T0

SERVICE = {"username": "li.na", "name": "李娜", "role": "service", "language": "zh"}


def page(name: str, user: dict | None = None, lang: str = "zh") -> AppTest:
    app = AppTest.from_file(f"../../pages/{name}.py", default_timeout=30)
    app.session_state["lang"] = lang
    if user:
        app.session_state["user"] = user
    return app.run()


def open_ticket(engine, order_id, now=T0) -> str:
    with transaction(engine) as conn:
        return returns.load_by_id(
            conn, returns.open_ticket(conn, order_id, "refund", "damaged", Actor("li.na", "service"), now=now)
        ).number


def ask(app: AppTest, number: str, digits: str) -> AppTest:
    app.text_input[0].input(number)
    app.text_input[1].input(digits)
    return app.button[0].click().run()


def test_the_public_lookup_shows_progress_for_the_right_digits_and_nothing_else(app_store, shipped_order):
    number = open_ticket(app_store, shipped_order("TB7100000001", {"PET-FOOD-2KG": 1}, phone="13912348888"))
    app = ask(page("lookup"), number, "8888")
    assert "已提交" in app.success[0].value and number in app.subheader[0].value
    assert "13912348888" not in str(app.main) and "张伟" not in str(app.main)


def test_the_public_lookup_answers_a_wrong_phone_and_an_unknown_number_alike(app_store, shipped_order):
    number = open_ticket(app_store, shipped_order("TB7100000002", {"PET-FOOD-2KG": 1}, phone="13912348888"))
    wrong_phone = ask(page("lookup", lang="en"), number, "1111")
    unknown = ask(page("lookup", lang="en"), "AS20991231-0001", "1111")
    assert [m.value for m in wrong_phone.info] == [m.value for m in unknown.info]
    assert wrong_phone.info[0].value.startswith("No matching request")


def test_the_ticket_page_lists_tickets_with_overdue_first_and_refuses_other_roles(app_store, shipped_order):
    open_ticket(app_store, shipped_order("TB7100000003", {"PET-FOOD-2KG": 1}), now=T0 - timedelta(days=5))
    open_ticket(app_store, shipped_order("TB7100000004", {"PET-FOOD-2KG": 1}))
    app = page("returns", {**SERVICE, "role": "manager"})
    table = app.dataframe[0].value
    assert list(table["时效"])[0] == "已超时" and len(table) == 2
    clerk = page("returns", {**SERVICE, "role": "clerk"})
    assert clerk.warning and not clerk.dataframe


def test_an_agent_opens_a_ticket_from_an_order_number_on_the_page(app_store, shipped_order):
    shipped_order("TB7100000005", {"CAT-LITTER-10L": 2})
    app = page("returns", SERVICE)
    next(box for box in app.text_input if box.label == "订单号").input("TB7100000005")
    app.button[0].click().run()
    assert "已创建工单AS" in app.success[0].value
    with app_store.connect() as conn:
        assert conn.execute(select(tickets.c.type, tickets.c.status)).all() == [("refund", "submitted")]


def test_an_admin_sees_dead_letters_and_queues_them_again(app_store):
    with transaction(app_store) as conn:
        outbox.enqueue(conn, [outbox.message("sms:paid:1", "sms", "13812345678", "order_paid", {}, T0)])
    claimed = outbox.claim(app_store, ["sms"], 10, T0, timedelta(minutes=1), 8)[0][0]
    outbox.settle_all(app_store, [(claimed, outbox.PermanentFailure("bad template"))], T0)
    app = page("outbox", {**SERVICE, "role": "admin"})
    assert app.metric[3].value == "1" and app.dataframe[0].value["last_error"][0] == "bad template"
    with app_store.connect() as conn:
        dead_id = outbox.dead_letters(conn)[0]["id"]
    app.multiselect[0].set_value([dead_id]).run()
    app.button[0].click().run()
    assert app.success[0].value == "已重新排队1条" and app.metric[0].value == "1"
    refused = page("outbox", SERVICE)
    assert refused.warning and not refused.metric


def test_the_public_lookup_by_platform_order_number_shows_the_next_step_and_return_address(
    app_store, shipped_order, monkeypatch
):
    monkeypatch.setenv("ORDERHUB_SENDERS_FILE", "/nonexistent/senders.toml")
    order_id = shipped_order("TB7100000009", {"PET-FOOD-2KG": 1}, phone="13912348888")
    with transaction(app_store) as conn:
        number = returns.load_by_id(
            conn, returns.open_ticket(conn, order_id, "return", "damaged", Actor("li.na", "service"), now=T0)
        )
        returns.advance(conn, number.number, "approved", Actor("li.na", "service"), now=T0)
    app = ask(page("lookup"), "TB7100000009", "8888")
    assert number.number in app.subheader[0].value
    assert app.info[0].value.startswith("下一步：申请已同意，请把商品寄回下方地址")
    assert app.markdown[0].value.startswith("退货寄回地址：") and "演示仓" in app.markdown[0].value
    assert "13912348888" not in str(app.main)
