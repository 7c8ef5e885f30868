"""Ticket flow: opening against shipped goods, the transition table, stock effects, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.aftersales import returns
from core.aftersales.returns_flow import FLOW, STATUSES, TYPES, next_statuses
from core.aftersales.returns_sla import ticket_detail
from core.aftersales.tables import ticket_events, tickets
from core.errors import IllegalTransition, InsufficientStock, InvalidInput
from core.identity.access import Actor
from core.orders import store_checks
from core.orders.tables import orders
from core.stock import reservations as stock
from core.stock.tables import skus, stock_movements
from core.store.db import transaction
from tests.aftersales.ticketdata import T0

HAPPY_PATHS = {
    "refund": ["approved", "refunded", "closed"],
    "return": ["approved", "awaiting_return", "received", "refunded", "closed"],
    "exchange": ["approved", "awaiting_return", "received", "exchange_shipped", "closed"],
    "resend": ["approved", "exchange_shipped", "closed"],
}


def open_on(engine, order_id, kind="return", items=None, now=T0, **extra) -> str:
    with transaction(engine) as conn:
        ticket_id = returns.open_ticket(
            conn, order_id, kind, "quality", Actor("wang.fang", "service"), items, now=now, **extra
        )
        return conn.execute(select(tickets.c.number).where(tickets.c.id == ticket_id)).scalar_one()


def step(engine, number, status, now=T0, **options) -> str:
    with transaction(engine) as conn:
        return returns.advance(conn, number, status, Actor("li.na", "service"), now=now, **options)


def on_hand(engine, code: str) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(skus.c.on_hand, skus.c.reserved).where(skus.c.sku == code)).one())


@pytest.mark.parametrize("kind", TYPES)
def test_every_ticket_type_walks_its_whole_flow_and_every_step_is_audited(store, shipped_order, kind):
    number = open_on(store, shipped_order("TB4081726354001", {"PET-FOOD-2KG": 2}), kind)
    for hour, status in enumerate(HAPPY_PATHS[kind], start=1):
        step(store, number, status, now=T0 + timedelta(hours=hour), resalable=True)
    with store.connect() as conn:
        detail = ticket_detail(conn, number)
    assert detail["status"] == "closed" and detail["closed_at"] == T0 + timedelta(hours=len(HAPPY_PATHS[kind]))
    moves = [(e["from_status"], e["to_status"], e["actor"]) for e in detail["events"] if e["action"] == "advance"]
    expected = list(zip(["submitted", *HAPPY_PATHS[kind]], HAPPY_PATHS[kind], strict=False))
    assert moves == [(frm, to, "li.na") for frm, to in expected]
    assert detail["first_response_at"] == T0 + timedelta(hours=1)


def test_the_ticket_number_is_quotable_and_counts_per_day(store, shipped_order):
    first = open_on(store, shipped_order("TB4081726354002", {"PET-FOOD-2KG": 1}))
    second = open_on(store, shipped_order("TB4081726354003", {"PET-FOOD-2KG": 1}))
    next_day = open_on(store, shipped_order("TB4081726354004", {"PET-FOOD-2KG": 1}), now=T0 + timedelta(days=1))
    assert (first, second, next_day) == ("AS20261126-0001", "AS20261126-0002", "AS20261127-0001")


def test_an_illegal_step_is_refused_with_the_allowed_ones_named_and_changes_nothing(store, shipped_order):
    number = open_on(store, shipped_order("TB4081726354005", {"PET-FOOD-2KG": 1}), "refund")
    with pytest.raises(IllegalTransition, match=r"cannot go from submitted to refunded; next: approved, rejected"):
        step(store, number, "refunded")
    step(store, number, "approved")
    with pytest.raises(IllegalTransition, match="refund"):
        step(store, number, "awaiting_return")  # a refund-only ticket never waits for goods
    with store.connect() as conn:
        assert conn.execute(select(tickets.c.status).where(tickets.c.number == number)).scalar_one() == "approved"


def test_no_status_outside_the_table_is_ever_reachable():
    for (frm, to), kinds in FLOW.items():
        assert frm in STATUSES and to in STATUSES and kinds <= set(TYPES)
    assert all(next_statuses(kind, "closed") == [] for kind in TYPES)


def test_a_ticket_can_never_claim_more_than_was_shipped(store, shipped_order):
    order_id = shipped_order("TB4081726354006", {"PET-FOOD-2KG": 3, "CAT-LITTER-10L": 1})
    with pytest.raises(InvalidInput, match="has 3 of PET-FOOD-2KG shipped"):
        open_on(store, order_id, items=[returns.Item("PET-FOOD-2KG", 4)])
    open_on(store, order_id, items=[returns.Item("PET-FOOD-2KG", 2)])
    with pytest.raises(InvalidInput, match="has 1 of PET-FOOD-2KG shipped and not yet on a ticket"):
        open_on(store, order_id, items=[returns.Item("PET-FOOD-2KG", 2)])
    with pytest.raises(InvalidInput, match="has 0 of DOG-LEASH-M"):
        open_on(store, order_id, items=[returns.Item("DOG-LEASH-M", 1)])
    rest = open_on(store, order_id)  # no items named: everything still unclaimed
    with store.connect() as conn:
        lines = {line["sku"]: line["qty"] for line in ticket_detail(conn, rest)["lines"]}
    assert lines == {"PET-FOOD-2KG": 1, "CAT-LITTER-10L": 1}
    with pytest.raises(InvalidInput, match="already on a ticket"):
        open_on(store, order_id)


def test_a_rejected_claim_frees_its_items_for_a_new_ticket(store, shipped_order):
    order_id = shipped_order("TB4081726354007", {"PET-FOOD-2KG": 1})
    number = open_on(store, order_id)
    step(store, number, "rejected")
    assert open_on(store, order_id)


def test_an_order_that_has_not_shipped_cannot_get_a_ticket(store, shipped_order):
    from core.intake.ingest import ingest
    from core.model import PAID, NormalisedOrder, OrderLine

    unshipped = NormalisedOrder(
        channel="jd", channel_order_no="JD290011223344", shop="京东自营店", status=PAID, created_at=T0, paid_at=T0,
        lines=(OrderLine("PET-FOOD-2KG", 1, 5900),),
    )  # fmt: skip
    ingest(store, [unshipped], now=T0)
    with store.connect() as conn:
        order_id = conn.execute(select(orders.c.id).where(orders.c.channel_order_no == "JD290011223344")).scalar()
    with pytest.raises(InvalidInput, match="has not shipped"):
        open_on(store, order_id)


def test_unknown_types_and_reasons_are_refused_with_the_valid_choices(store, shipped_order):
    order_id = shipped_order("TB4081726354008", {"PET-FOOD-2KG": 1})
    with pytest.raises(InvalidInput, match="refund, return, exchange, resend"):
        open_on(store, order_id, "swap")
    with transaction(store) as conn, pytest.raises(InvalidInput, match="quality"):
        returns.open_ticket(conn, order_id, "return", "because", Actor("wang.fang", "service"), now=T0)
    with transaction(store) as conn:  # a label in either language names the reason too
        assert returns.reason_code(conn, "质量问题") == returns.reason_code(conn, "Quality problem") == "quality"


def test_a_resalable_return_goes_back_into_stock_through_the_ledger(store, shipped_order):
    number = open_on(store, shipped_order("TB4081726354009", {"PET-FOOD-2KG": 2}), "return")
    before = on_hand(store, "PET-FOOD-2KG")
    for status in ("approved", "awaiting_return"):
        step(store, number, status)
    with pytest.raises(InvalidInput, match="can be sold again"):
        step(store, number, "received")
    step(store, number, "received", resalable=True)
    assert on_hand(store, "PET-FOOD-2KG") == (before[0] + 2, before[1])
    with store.connect() as conn:
        ledger = conn.execute(select(stock_movements.c.delta, stock_movements.c.reason).order_by(stock_movements.c.id))
        assert ledger.all()[-1] == (2, f"return {number}")
        assert store_checks.invariant_violations(conn) == []


def test_damaged_returns_are_written_off_and_never_touch_stock(store, shipped_order):
    number = open_on(store, shipped_order("TB4081726354010", {"CAT-LITTER-10L": 1}), "return")
    before = on_hand(store, "CAT-LITTER-10L")
    for status in ("approved", "awaiting_return"):
        step(store, number, status)
    step(store, number, "received", resalable=False)
    step(store, number, "refunded")
    assert on_hand(store, "CAT-LITTER-10L") == before
    with store.connect() as conn:
        detail = ticket_detail(conn, number)
    assert detail["lines"][0]["disposition"] == "written_off"
    assert detail["refund_cents"] == 5900  # what the item was paid for


def test_an_exchange_reserves_the_new_size_at_approval_and_ships_it(store, shipped_order):
    order_id = shipped_order("TB4081726354011", {"DOG-LEASH-M": 1})
    number = open_on(store, order_id, "exchange", [returns.Item("DOG-LEASH-M", 1, "DOG-LEASH-L")])
    step(store, number, "approved")
    assert on_hand(store, "DOG-LEASH-L") == (20, 1)
    for status in ("awaiting_return", "received"):
        step(store, number, status, resalable=True)
    step(store, number, "exchange_shipped")
    assert on_hand(store, "DOG-LEASH-L") == (19, 0)
    assert on_hand(store, "DOG-LEASH-M") == (20, 0)  # 20 - 1 shipped + 1 returned resalable
    with store.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_an_exchange_the_buyer_never_returns_gives_its_reserved_item_back(store, shipped_order):
    number = open_on(store, shipped_order("TB4081726354012", {"DOG-LEASH-M": 1}), "exchange")
    step(store, number, "approved")
    step(store, number, "awaiting_return")
    assert on_hand(store, "DOG-LEASH-M")[1] == 1
    step(store, number, "closed")
    assert on_hand(store, "DOG-LEASH-M") == (19, 0)


def test_an_exchange_without_stock_for_the_replacement_cannot_be_approved(store, shipped_order):
    order_id = shipped_order("TB4081726354013", {"DOG-LEASH-M": 1})
    with transaction(store) as conn:
        stock.adjust(conn, stock.sku_id(conn, "DOG-LEASH-L"), -20, "stocktake", "warehouse", T0)
    number = open_on(store, order_id, "exchange", [returns.Item("DOG-LEASH-M", 1, "DOG-LEASH-L")])
    with pytest.raises(InsufficientStock):
        step(store, number, "approved")
    with store.connect() as conn:
        assert conn.execute(select(tickets.c.status).where(tickets.c.number == number)).scalar_one() == "submitted"


def test_an_approved_claim_marks_the_order_with_its_reason_for_the_reports(store, shipped_order):
    order_id = shipped_order("TB4081726354014", {"PET-FOOD-2KG": 1})
    number = open_on(store, order_id, "refund")
    step(store, number, "approved", now=T0 + timedelta(hours=2))
    with store.connect() as conn:
        row = conn.execute(select(orders.c.return_reason, orders.c.returned_at).where(orders.c.id == order_id)).one()
    assert tuple(row) == ("质量问题", T0 + timedelta(hours=2))


def test_a_platform_refund_record_opens_one_ticket_however_often_it_is_pulled(store, shipped_order):
    order_id = shipped_order("TB4081726354015", {"PET-FOOD-2KG": 1})
    first = open_on(store, order_id, "refund", refund_ref="taobao:RF20261126001")
    again = open_on(store, order_id, "refund", refund_ref="taobao:RF20261126001")
    assert first == again


def test_reassigning_is_audited_and_only_to_active_agents(store, shipped_order):
    number = open_on(store, shipped_order("TB4081726354016", {"PET-FOOD-2KG": 1}))
    with transaction(store) as conn:
        returns.reassign(conn, number, "zhao.lei", Actor("chen.jie", "service"), now=T0)
        with pytest.raises(InvalidInput, match="not an active service agent"):
            returns.reassign(conn, number, "nobody", Actor("chen.jie", "service"), now=T0)
    with store.connect() as conn:
        events = conn.execute(select(ticket_events.c.actor, ticket_events.c.detail).where(
            ticket_events.c.action == "assign").order_by(ticket_events.c.id)).all()  # fmt: skip
        assert events[-1] == ("chen.jie", "li.na -> zhao.lei")  # the first ticket goes to the first agent by name
        assert conn.execute(select(tickets.c.owner).where(tickets.c.number == number)).scalar_one() == "zhao.lei"


def test_exchange_and_return_keep_the_stock_invariants_on_both_databases(any_store, any_shipped_order):
    exchange = open_on(any_store, any_shipped_order("TB4081726354090", {"DOG-LEASH-M": 2}), "exchange")
    refund = open_on(any_store, any_shipped_order("TB4081726354091", {"PET-FOOD-2KG": 1}), "return")
    for status in ("approved", "awaiting_return", "received"):
        step(any_store, exchange, status, resalable=False)
        step(any_store, refund, status, resalable=True)
    step(any_store, exchange, "exchange_shipped")
    step(any_store, refund, "refunded")
    assert on_hand(any_store, "DOG-LEASH-M") == (16, 0)  # 2 shipped, 2 written off, 2 sent as replacement
    assert on_hand(any_store, "PET-FOOD-2KG") == (50, 0)  # 1 shipped, 1 restocked
    with any_store.connect() as conn:
        assert store_checks.invariant_violations(conn) == []


def test_a_manager_reads_a_tickets_notes_and_history_with_the_buyers_phone_masked(store, shipped_order):
    order_id = shipped_order("TB4081726354009", {"PET-FOOD-2KG": 1})
    number = open_on(store, order_id, notes="买家改约，联系电话13912345678")
    with transaction(store) as conn:
        returns.add_note(conn, number, Actor("li.na", "service"), "回电 021-62345678 已确认", now=T0)
    with store.connect() as conn:
        manager, service = ticket_detail(conn, number, "manager"), ticket_detail(conn, number, "service")
    assert manager["notes"] == "买家改约，联系电话139****5678"
    assert [e["detail"] for e in manager["events"] if e["action"] == "note"] == ["回电 021-****5678 已确认"]
    assert "13912345678" in service["notes"]  # service calls the buyer back
