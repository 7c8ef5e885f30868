"""One staff identity: tickets are owned by login users, and a service user sees theirs by default."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.aftersales import returns
from core.aftersales.returns_sla import list_tickets
from core.aftersales.tables import tickets
from core.errors import InvalidInput
from core.identity import users
from core.identity.access import Actor
from core.store.db import transaction
from tests.aftersales.test_aftersales_pages import SERVICE, page
from tests.aftersales.ticketdata import T0

ORDER_LINES = {"PET-FOOD-2KG": 1}


def add_user(engine, username: str, role: str, name: str = "", active: bool = True) -> None:
    with transaction(engine) as conn:
        users.create(conn, username, role, "password-2026", name=name, now=T0, rounds=4)
        conn.execute(update(users.users).where(users.users.c.username == username).values(active=active))


def open_ticket(engine, order_id) -> str:
    with transaction(engine) as conn:
        return returns.load_by_id(
            conn, returns.open_ticket(conn, order_id, "refund", "damaged", Actor("li.na", "service"), now=T0)
        )


def test_agents_are_the_active_login_users_who_may_handle_tickets_shown_by_name(store):
    add_user(store, "boss", "manager", "王经理")
    add_user(store, "clerk1", "clerk")
    add_user(store, "gone", "service", active=False)
    with store.connect() as conn:
        found = {agent.username: (agent.display_name, agent.role, agent.email) for agent in returns.agents(conn)}
    assert found == {
        "boss": ("王经理", "manager", ""),
        "li.na": ("李娜", "service", "li.na@shop.example"),
        "wang.fang": ("王芳", "service", "wang.fang@shop.example"),
        "zhao.lei": ("赵磊", "service", "zhao.lei@shop.example"),
    }


def test_new_tickets_go_to_service_users_and_to_a_manager_only_when_there_is_none(store, shipped_order):
    add_user(store, "boss", "manager")
    owners = {open_ticket(store, shipped_order(f"TB61000000{i:02d}", ORDER_LINES)).owner for i in range(4)}
    assert owners == {"li.na", "wang.fang", "zhao.lei"}
    with transaction(store) as conn:
        conn.execute(update(users.users).where(users.users.c.role == "service").values(active=False))
    assert open_ticket(store, shipped_order("TB6100000100", ORDER_LINES)).owner == "boss"


def test_a_ticket_may_be_reassigned_to_a_manager_who_logs_in_but_not_to_a_clerk(store, shipped_order):
    add_user(store, "boss", "manager")
    add_user(store, "clerk1", "clerk")
    number = open_ticket(store, shipped_order("TB6200000001", ORDER_LINES)).number
    with transaction(store) as conn:
        returns.reassign(conn, number, "boss", Actor("li.na", "service"))
        assert returns.load(conn, number).owner == "boss"
        with pytest.raises(InvalidInput):
            returns.reassign(conn, number, "clerk1", Actor("li.na", "service"))


def test_the_owners_list_can_include_the_unassigned_tickets(store, shipped_order):
    mine = open_ticket(store, shipped_order("TB6300000001", ORDER_LINES)).number
    others = [open_ticket(store, shipped_order(f"TB63000001{i:02d}", ORDER_LINES)).number for i in range(2)]
    nobodys = open_ticket(store, shipped_order("TB6300000201", ORDER_LINES)).number
    with transaction(store) as conn:
        conn.execute(update(tickets).where(tickets.c.number == nobodys).values(owner=None))
        owner = conn.execute(select(tickets.c.owner).where(tickets.c.number == mine)).scalar_one()
        only = {row["number"] for row in list_tickets(conn, T0, owner=owner)}
        with_free = {row["number"] for row in list_tickets(conn, T0, owner=owner, with_unassigned=True)}
    assert only == {mine} and with_free == {mine, nobodys} and not set(others) & with_free


def test_a_service_user_sees_their_own_tickets_by_default_with_owners_by_name(app_store, shipped_order):
    numbers = [open_ticket(app_store, shipped_order(f"TB64000000{i:02d}", ORDER_LINES)) for i in range(3)]
    hers = [ticket.number for ticket in numbers if ticket.owner == SERVICE["username"]]
    app = page("returns", SERVICE)
    table = app.dataframe[0].value
    assert sorted(table["工单号"]) == hers and set(table["负责人"]) == {"李娜"}
