"""The migration matches the tables, and the demo seeder tells the cycle-time story."""

from __future__ import annotations

import random
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

from core.aftersales.returns_sla import cycle_times
from core.aftersales.tables import service_agents, tickets
from core.identity import users as demo_users
from core.identity.tables import users
from core.orders.tables import orders
from core.schema import metadata
from core.store.db import transaction
from demo import returns as returns_demo
from tests.aftersales.ticketdata import T0

OURS = {"service_agents", "ticket_reasons", "ticket_sla", "ticket_sequences", "tickets", "ticket_lines",
        "ticket_events", "lookup_failures"}  # fmt: skip


def test_the_aftersales_migration_creates_exactly_the_tables_core_db_describes(any_engine):
    with any_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [diff for diff in differences if any(f"'{table}'" in repr(diff) for table in OURS)] == []


def test_the_demo_seeder_opens_tickets_for_returned_orders_and_the_team_gets_faster(store, shipped_order):
    now = T0
    for i in range(60):
        shipped = now - timedelta(days=88 - i * 1.4)
        sku = ("PET-FOOD-2KG", "CAT-LITTER-10L", "DOG-LEASH-M", "DOG-LEASH-L")[i % 4]
        order_id = shipped_order(f"TB9{i:011d}", {sku: 1}, at=shipped + timedelta(days=2))
        with transaction(store) as conn:
            conn.execute(update(orders).where(orders.c.id == order_id).values(return_reason="七天无理由退货"))
    for i in range(3):  # delivered last week, no complaint yet: candidates for open tickets
        shipped_order(f"TB8{i:011d}", {"PET-FOOD-2KG": 1}, at=now - timedelta(days=5))
    with transaction(store) as conn:
        conn.execute(service_agents.delete())
        conn.execute(users.delete())
        demo_users.seed(conn, random.Random(7), now)  # the demo seeds its login users first
        returns_demo.seed(conn, random.Random(7), now)
    with store.connect() as conn:
        made = conn.execute(select(tickets.c.status, tickets.c.owner)).all()
        report = cycle_times(conn, since=now - timedelta(days=91), period_days=30)
        contact = conn.execute(select(service_agents.c.email).where(service_agents.c.username == "service")).scalar()
    # One staff identity: the demo service user, who logs in, owns the demo tickets.
    assert len(made) == 63 and {owner for _, owner in made} == {"service"}
    assert contact == "service@petshop.example"
    first_month, last_month = report[0]["avg_days"], report[-2]["avg_days"]
    assert first_month > 3.5 and last_month < 2.0
    assert any(status != "closed" for status, _ in made)  # the newest are still being worked on
