"""A ticket opened from the order page: only on shipped orders, only for roles that handle tickets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.aftersales import returns
from core.aftersales.tables import ticket_lines, tickets
from core.errors import PermissionDenied
from core.identity.access import Actor
from core.orders.tables import orders
from core.stock.tables import skus
from tests.app.app_pages import button, labels_of, open_page

OPEN = "为此订单开售后工单"
CREATE = "创建工单"


def test_a_service_user_opens_a_ticket_for_part_of_a_shipped_order_and_is_led_to_it(app_store, shipped_order):
    shipped_order("TB7200000001", {"PET-FOOD-2KG": 2, "DOG-LEASH-M": 1})
    at = open_page("pages/order.py", "service", query={"order": "TB7200000001"})
    assert [e.label for e in at.expander if e.label == OPEN]
    at.selectbox[0].select("return")
    at.number_input(key="order_ticket_PET-FOOD-2KG").set_value(1)
    at = button(at, CREATE).click().run()
    with app_store.connect() as conn:
        ticket = conn.execute(select(tickets)).one()
        lines = conn.execute(
            select(skus.c.sku, ticket_lines.c.qty).join(skus, skus.c.id == ticket_lines.c.sku_id)
        ).all()
    assert (
        ticket.type == "return"
        and ticket.created_by == "service"
        and ticket.owner in {"li.na", "wang.fang", "zhao.lei"}
    )
    assert lines == [("PET-FOOD-2KG", 1)]
    assert f"已开工单 {ticket.number}。" in [m.value for m in at.success]
    assert "去处理这张工单" in labels_of(at)


def test_no_ticket_form_for_a_role_without_the_right_or_an_order_not_yet_shipped(app_store, shipped_order):
    shipped_order("TB7200000002", {"PET-FOOD-2KG": 1})
    clerk = open_page("pages/order.py", "clerk", query={"order": "TB7200000002"})
    assert not clerk.exception and OPEN not in [e.label for e in clerk.expander]
    with app_store.begin() as conn:
        conn.execute(orders.update().values(status="paid"))
    unshipped = open_page("pages/order.py", "service", query={"order": "TB7200000002"})
    assert not unshipped.exception and OPEN not in [e.label for e in unshipped.expander]


def test_opening_as_a_role_without_the_right_is_refused_in_core(store, shipped_order):
    order_id = shipped_order("TB7200000003", {"PET-FOOD-2KG": 1})
    with store.begin() as conn:
        with pytest.raises(PermissionDenied):
            returns.open_as(conn, order_id, "refund", "damaged", Actor("clerk", "clerk"))
        assert conn.execute(select(tickets.c.id)).first() is None


def test_the_ticket_page_opens_on_the_ticket_the_order_page_links_to(app_store, shipped_order):
    order_id = shipped_order("TB7200000004", {"PET-FOOD-2KG": 1})
    with app_store.begin() as conn:  # owned by one of the agents, not by the service user who follows the link
        number = returns.open_as(conn, order_id, "refund", "damaged", Actor("service", "service"))
    at = open_page("pages/returns.py", "service", query={"ticket": number})
    assert not at.exception and at.selectbox(key="ticket").value == number
    assert "PET-FOOD-2KG" in at.dataframe[-2].value.to_csv()
