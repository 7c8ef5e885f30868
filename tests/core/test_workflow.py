"""The transition table, each step's bound actions, and all-or-nothing transitions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.errors import IllegalTransition, InsufficientStock
from core.intake.ingest import ingest
from core.messages.tables import outbox
from core.model import CANCELLED, COMPLETED, HOLD_MANUAL, ON_HOLD, PAID, PENDING_PAYMENT, SHIPPED
from core.orders import store_checks, workflow
from core.orders.tables import order_events, orders
from core.stock import reservations as stock
from core.store.db import transaction
from tests.core.helpers import add_skus, order, order_row, sku_state

ALLOWED_STEPS = [
    (PENDING_PAYMENT, PAID),
    (PENDING_PAYMENT, CANCELLED),
    (PENDING_PAYMENT, ON_HOLD),
    (PAID, SHIPPED),
    (PAID, CANCELLED),
    (PAID, ON_HOLD),
    (SHIPPED, COMPLETED),
]
FORBIDDEN_STEPS = [
    (PENDING_PAYMENT, SHIPPED),
    (PENDING_PAYMENT, COMPLETED),
    (PAID, PENDING_PAYMENT),
    (PAID, COMPLETED),
    (SHIPPED, PAID),
    (SHIPPED, CANCELLED),
    (SHIPPED, ON_HOLD),
    (COMPLETED, SHIPPED),
    (COMPLETED, CANCELLED),
    (CANCELLED, PAID),
    (CANCELLED, PENDING_PAYMENT),
]


def placed(engine, status: str, no: str = "TB-1001") -> int:
    """An order in the given status, reached through the workflow itself."""
    add_skus(engine, {"PET-FOOD-2KG": 10})
    ingest(engine, [order(no, ("PET-FOOD-2KG", 2), status=PENDING_PAYMENT)])
    order_id = order_row(engine, no).id
    path = {
        PENDING_PAYMENT: [],
        PAID: [PAID],
        SHIPPED: [PAID, SHIPPED],
        COMPLETED: [PAID, SHIPPED, COMPLETED],
        CANCELLED: [CANCELLED],
    }[status]
    with transaction(engine) as conn:
        for step in path:
            workflow.advance(conn, order_id, step, "客服-小美")
    return order_id


def test_the_table_lists_exactly_the_documented_transitions():
    table_steps = {(src, dst) for src, targets in workflow.ALLOWED.items() for dst in targets if src != ON_HOLD}
    assert table_steps == set(ALLOWED_STEPS)


@pytest.mark.parametrize(("src", "dst"), ALLOWED_STEPS)
def test_every_allowed_transition_is_applied_and_audited(engine, src, dst):
    order_id = placed(engine, src)
    with transaction(engine) as conn:
        assert workflow.advance(conn, order_id, dst, "客服-小美", "test") == dst
    with engine.connect() as conn:
        last = conn.execute(select(order_events).order_by(order_events.c.id.desc()).limit(1)).one()
        assert (last.from_status, last.to_status, last.actor) == (src, dst, "客服-小美")
        assert store_checks.invariant_violations(conn) == []


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN_STEPS)
def test_a_forbidden_transition_raises_and_changes_nothing(engine, src, dst):
    order_id = placed(engine, src)
    with pytest.raises(IllegalTransition, match=f"from {src} to {dst}"), transaction(engine) as conn:
        workflow.advance(conn, order_id, dst, "客服-小美")
    assert order_row(engine, "TB-1001").status == src


def test_a_held_order_resumes_only_to_the_status_it_was_held_from(engine):
    order_id = placed(engine, PAID)
    with transaction(engine) as conn:
        workflow.hold(conn, order_id, "客服-小美", HOLD_MANUAL)
    with pytest.raises(IllegalTransition), transaction(engine) as conn:
        workflow.advance(conn, order_id, PENDING_PAYMENT, "客服-小美")
    with transaction(engine) as conn:
        assert workflow.resume(conn, order_id, "客服-小美") == PAID
    assert order_row(engine, "TB-1001").hold_reason is None
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 2)


def test_cancelling_a_paid_order_releases_its_stock_to_held_orders(engine):
    order_id = placed(engine, PAID)
    ingest(engine, [order("TB-WAITING", ("PET-FOOD-2KG", 9), minute=5)])
    assert order_row(engine, "TB-WAITING").status == ON_HOLD
    with transaction(engine) as conn:
        workflow.advance(conn, order_id, CANCELLED, "客服-小美", "buyer asked")
    assert order_row(engine, "TB-WAITING").status == PAID
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 9)


def test_shipping_assigns_a_waybill_and_queues_the_shipping_sms(engine):
    order_id = placed(engine, PAID)
    with transaction(engine) as conn:
        workflow.advance(conn, order_id, SHIPPED, "仓库-小李")
    shipped = order_row(engine, "TB-1001")
    assert shipped.tracking_no == workflow.tracking_number_for(order_id) and shipped.carrier == "SF"
    with engine.connect() as conn:
        sms = conn.execute(select(outbox).where(outbox.c.template == "order_shipped")).one()
    assert json.loads(sms.payload)["tracking_no"] == shipped.tracking_no
    assert sms.recipient == "13812345678"


def test_a_scanned_waybill_number_is_kept(engine):
    order_id = placed(engine, PAID)
    with transaction(engine) as conn:
        workflow.advance(conn, order_id, SHIPPED, "仓库-小李", tracking_no="YT7788990011")
    assert order_row(engine, "TB-1001").tracking_no == "YT7788990011"


def test_a_transition_that_fails_midway_leaves_no_trace(engine, monkeypatch):
    order_id = placed(engine, PAID)

    def provider_down(*_args, **_kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(workflow.outbox, "enqueue", provider_down)
    with pytest.raises(RuntimeError), transaction(engine) as conn:
        workflow.advance(conn, order_id, SHIPPED, "仓库-小李")
    row = order_row(engine, "TB-1001")
    assert (row.status, row.tracking_no) == (PAID, None)
    assert sku_state(engine, "PET-FOOD-2KG") == (10, 2)
    with engine.connect() as conn:
        assert conn.execute(select(order_events.c.to_status).where(order_events.c.to_status == SHIPPED)).all() == []


def test_resuming_an_order_held_for_stock_is_refused_while_stock_is_short(engine):
    add_skus(engine, {"TOY-PUZZLE-FEEDER": 1})
    ingest(engine, [order("TB-SHORT", ("TOY-PUZZLE-FEEDER", 2))])
    with pytest.raises(InsufficientStock, match="TOY-PUZZLE-FEEDER"), transaction(engine) as conn:
        workflow.resume(conn, order_row(engine, "TB-SHORT").id, "客服-小美")
    assert order_row(engine, "TB-SHORT").status == ON_HOLD


def test_payment_with_stock_gone_meanwhile_puts_the_order_on_hold(engine):
    add_skus(engine, {"TOY-PUZZLE-FEEDER": 2})
    ingest(engine, [order("TB-LATEPAY", ("TOY-PUZZLE-FEEDER", 2), status=PENDING_PAYMENT, shop="萌宠淘宝小店")])
    with transaction(engine) as conn:
        conn.execute(orders.update().values(status=PENDING_PAYMENT))
        stock.release(conn, order_row(engine, "TB-LATEPAY").id)
        conn.execute(workflow.shops.update().values(reserve_on="paid"))
        stock.adjust(conn, 1, -1, "breakage", "仓库-老王")
    with transaction(engine) as conn:
        assert workflow.advance(conn, order_row(engine, "TB-LATEPAY").id, PAID, "system") == ON_HOLD
    assert order_row(engine, "TB-LATEPAY").status_before_hold == PAID
