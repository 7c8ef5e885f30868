"""Fair assignment, concurrency-safe numbering, the SLA clock and overdue reminders."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from core.aftersales import returns
from core.aftersales.returns_sla import cycle_times, list_tickets, remind_due
from core.aftersales.tables import tickets
from core.identity.access import Actor
from core.messages.tables import outbox
from core.store.db import make_engine, transaction
from tests.aftersales.ticketdata import T0

ORDER_LINES = {"PET-FOOD-2KG": 1}


def open_ticket(engine, order_id, now=T0, kind="refund") -> str:
    with transaction(engine) as conn:
        ticket_id = returns.open_ticket(conn, order_id, kind, "damaged", Actor("system", "service"), now=now)
        return conn.execute(select(tickets.c.number, tickets.c.owner).where(tickets.c.id == ticket_id)).one()


def test_each_new_ticket_goes_to_the_agent_with_the_fewest_open_round_robin_on_ties(store, shipped_order):
    owners = [open_ticket(store, shipped_order(f"TB50000000{i:02d}", ORDER_LINES)).owner for i in range(6)]
    assert owners == ["li.na", "wang.fang", "zhao.lei"] * 2
    with transaction(store) as conn:  # li.na closes her tickets: she is now the least loaded
        conn.execute(update(tickets).where(tickets.c.owner == "li.na").values(status="closed"))
    later = [open_ticket(store, shipped_order(f"TB50000001{i:02d}", ORDER_LINES)).owner for i in range(3)]
    assert later == ["li.na", "li.na", "wang.fang"]


def _open_many(url: str, order_ids: list[int]) -> None:
    engine = make_engine(url)
    for order_id in order_ids:
        with transaction(engine) as conn:
            returns.open_ticket(conn, order_id, "refund", "damaged", Actor("system", "service"), now=T0)
    engine.dispose()


def test_concurrent_processes_never_share_a_number_and_share_the_work_evenly(any_store, any_shipped_order):
    order_ids = [any_shipped_order(f"TB51000000{i:02d}", ORDER_LINES) for i in range(24)]
    url = any_store.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")  # the children build their own engines
    workers = [context.Process(target=_open_many, args=(url, order_ids[i::4])) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with any_store.connect() as conn:
        rows = conn.execute(select(tickets.c.number, tickets.c.owner)).all()
    assert sorted(number for number, _ in rows) == [f"AS20261126-{i:04d}" for i in range(1, 25)]
    assert set(Counter(owner for _, owner in rows).values()) == {8}


def test_the_sla_clock_flags_near_and_overdue_tickets_as_time_passes(store, shipped_order):
    number = open_ticket(store, shipped_order("TB5200000001", ORDER_LINES)).number  # refund: 24 h / 72 h, warn 6 h

    def state(hours: float) -> str:
        with store.connect() as conn:
            return {t["number"]: t["sla"] for t in list_tickets(conn, T0 + timedelta(hours=hours))}[number]

    assert [state(h) for h in (1, 18, 24.5)] == ["ok", "near", "overdue"]
    with transaction(store) as conn:
        returns.advance(conn, number, "approved", Actor("li.na", "service"), now=T0 + timedelta(hours=25))
    assert [state(h) for h in (26, 67, 73)] == ["ok", "near", "overdue"]  # now only resolution runs
    with transaction(store) as conn:
        returns.advance(conn, number, "refunded", Actor("li.na", "service"), now=T0 + timedelta(hours=74))
    assert state(500) == "met"
    with store.connect() as conn:
        assert [t["number"] for t in list_tickets(conn, T0 + timedelta(hours=500), due_only=True)] == []


def test_owner_and_manager_are_reminded_once_per_deadline_and_level(store, shipped_order):
    number = open_ticket(store, shipped_order("TB5200000002", ORDER_LINES)).number
    with transaction(store) as conn:
        assert remind_due(conn, T0 + timedelta(hours=1)) == 0
        assert remind_due(conn, T0 + timedelta(hours=19)) == 2  # near first response: owner + manager
        assert remind_due(conn, T0 + timedelta(hours=20)) == 0  # already reminded
        assert remind_due(conn, T0 + timedelta(hours=25)) == 2  # overdue now
        reminders = select(outbox.c.recipient, outbox.c.payload).where(outbox.c.template == "ticket_overdue")
        rows = conn.execute(reminders).all()
    assert (
        sorted(row.recipient for row in rows)
        == ["chen.jie@shop.example", "chen.jie@shop.example"] + ["li.na@shop.example"] * 2
    )
    assert all(number in row.payload for row in rows)


def test_the_cycle_time_report_averages_days_from_opening_to_closing_per_week(store, shipped_order):
    for i, (opened_day, days_open) in enumerate([(0, 5), (1, 4), (14, 1), (15, 2)]):
        opened = T0 + timedelta(days=opened_day)
        number = open_ticket(store, shipped_order(f"TB53000000{i:02d}", ORDER_LINES, at=opened), opened).number
        with transaction(store) as conn:
            for hour, status in enumerate(["approved", "refunded"], start=1):
                returns.advance(conn, number, status, Actor("li.na", "service"), now=opened + timedelta(hours=hour))
            returns.advance(conn, number, "closed", Actor("li.na", "service"), now=opened + timedelta(days=days_open))
    with store.connect() as conn:
        report = cycle_times(conn, since=T0.replace(hour=0, minute=0))
    assert [(row["tickets"], row["avg_days"]) for row in report] == [(2, 4.5), (2, 1.5), (4, 3.0)]
