"""Shipping with the aggregator's waybills, on SQLite and PostgreSQL: real numbers on the orders,
a refusal leaves the order unshipped with the reason, a retry never draws a second number, a
cancelled order gives its number back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors import waybill_service
from core.errors import OrderHubError
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import CANCELLED, PAID, SHIPPED
from core.orders.tables import order_events, orders
from core.shipping import waybills
from core.shipping.tables import waybills as waybill_rows
from core.store.db import transaction
from tests.core.helpers import add_skus, order, order_row
from tests.waybills.shop import configure

FAR_AWAY = "西藏自治区阿里地区噶尔县狮泉河镇"


@pytest.fixture
def store(any_engine, aggregator, tmp_path, monkeypatch):
    add_skus(any_engine, {"PET-FOOD-2KG": 50})
    configure(monkeypatch, tmp_path, aggregator[1])
    return any_engine


def ship(engine, *numbers: str):
    with engine.connect() as conn:
        ids = [conn.execute(select(orders.c.id).where(orders.c.channel_order_no == no)).scalar_one() for no in numbers]
    return waybill_service.ship_batch(engine, Actor("仓库小王", "warehouse"), ids)


def test_shipping_draws_the_carriers_number_and_routing_code(store, aggregator):
    server, _ = aggregator
    ingest(store, [order("TB2026120100001", ("PET-FOOD-2KG", 2))])
    result = ship(store, "TB2026120100001")
    assert result.done == ["TB2026120100001"] and not result.failed
    row = order_row(store, "TB2026120100001")
    assert row.status == SHIPPED and row.carrier == "SF" and row.tracking_no in server.parcels
    with store.connect() as conn:
        waybill = waybills.of_order(conn, row.id)
    assert (waybill.status, waybill.routing, waybill.sort_code) == ("issued", "粤-深圳-南山", "571W-755A-010")
    sent = server.calls("order")[0]
    assert '"orderId":"OH' in sent["param"] and '"partnerId":"SF-MONTHLY-001"' in sent["param"]


def test_an_address_not_served_leaves_the_order_unshipped_with_the_reason_and_ships_the_rest(store, aggregator):
    server, _ = aggregator
    ingest(store, [order("TB-FAR", ("PET-FOOD-2KG", 1), address=FAR_AWAY), order("TB-NEAR", ("PET-FOOD-2KG", 1))])
    result = ship(store, "TB-FAR", "TB-NEAR")
    assert result.done == ["TB-NEAR"]
    [(number, error)] = result.failed
    assert number == "TB-FAR" and "收件地址超出快递公司服务范围" in str(error)
    far = order_row(store, "TB-FAR")
    assert (far.status, far.tracking_no) == (PAID, None)
    with store.connect() as conn:
        assert waybills.of_order(conn, far.id).status == "failed"
        assert conn.execute(select(order_events).where(order_events.c.order_id == far.id)).all()[-1].to_status == PAID
    assert len(server.parcels) == 1


def test_no_balance_then_a_retry_after_topping_up_ships_with_one_waybill(store, aggregator):
    server, _ = aggregator
    server.balances["SF-MONTHLY-001"] = 0
    ingest(store, [order("TB-RETRY", ("PET-FOOD-2KG", 1))])
    first = ship(store, "TB-RETRY")
    assert "电子面单余额不足" in str(first.failed[0][1]) and order_row(store, "TB-RETRY").status == PAID
    server.balances["SF-MONTHLY-001"] = 5
    assert ship(store, "TB-RETRY").done == ["TB-RETRY"]
    assert len(server.parcels) == 1 and server.balances["SF-MONTHLY-001"] == 4


def test_a_store_failure_after_the_number_was_issued_is_retried_without_a_second_waybill(
    store, aggregator, monkeypatch
):
    server, _ = aggregator
    ingest(store, [order("TB-CRASH", ("PET-FOOD-2KG", 1))])
    real = waybills.record_issued

    def lost(*args, **kwargs):
        raise OrderHubError("the store went away")

    monkeypatch.setattr(waybills, "record_issued", lost)
    assert ship(store, "TB-CRASH").failed and order_row(store, "TB-CRASH").status == PAID
    monkeypatch.setattr(waybills, "record_issued", real)
    assert ship(store, "TB-CRASH").done == ["TB-CRASH"]
    assert len(server.parcels) == 1 and len(server.calls("order")) == 2
    assert order_row(store, "TB-CRASH").tracking_no == next(iter(server.parcels))


def test_a_label_printed_first_keeps_its_number_when_the_order_ships(store, aggregator):
    server, _ = aggregator
    ingest(store, [order("TB-LABEL", ("PET-FOOD-2KG", 1))])
    order_id = order_row(store, "TB-LABEL").id
    session = waybill_service.Session()
    issued, _ = waybill_service.issue_many(store, [order_id], session)
    assert ship(store, "TB-LABEL").done == ["TB-LABEL"]
    assert order_row(store, "TB-LABEL").tracking_no == issued[order_id].tracking_no and len(server.parcels) == 1


def test_an_order_cancelled_after_its_waybill_was_issued_cancels_the_waybill(store, aggregator):
    server, _ = aggregator
    ingest(store, [order("TB-CANCEL", ("PET-FOOD-2KG", 1))])
    order_id = order_row(store, "TB-CANCEL").id
    issued, _ = waybill_service.issue_many(store, [order_id], waybill_service.Session())
    result = waybill_service.run_batch(store, Actor("客服小李", "admin"), "cancel", [order_id])
    assert result.done == ["TB-CANCEL"] and order_row(store, "TB-CANCEL").status == CANCELLED
    assert server.parcels[issued[order_id].tracking_no].cancelled
    with store.connect() as conn:
        assert conn.execute(select(waybill_rows.c.status)).scalar_one() == "cancelled"
    assert waybill_service.cancel_released(store) == 0  # given back once


def test_a_scanned_number_ships_as_scanned_without_asking_the_aggregator(store, aggregator):
    server, _ = aggregator
    ingest(store, [order("TB-SCANNED", ("PET-FOOD-2KG", 1))])
    order_id = order_row(store, "TB-SCANNED").id
    result = waybill_service.ship_batch(
        store, Actor("仓库小王", "warehouse"), [order_id], {order_id: "YT1234567890123"}
    )
    assert result.done == ["TB-SCANNED"] and order_row(store, "TB-SCANNED").tracking_no == "YT1234567890123"
    assert not server.calls("order")


def test_a_shop_without_an_account_ships_with_own_numbers_as_before(any_engine, monkeypatch, tmp_path):
    add_skus(any_engine, {"PET-FOOD-2KG": 5})
    monkeypatch.setenv("ORDERHUB_CHANNELS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.delenv("ORDERHUB_WAYBILL_DEMO", raising=False)
    ingest(any_engine, [order("TB-OWN", ("PET-FOOD-2KG", 1))])
    assert ship(any_engine, "TB-OWN").done == ["TB-OWN"]
    row = order_row(any_engine, "TB-OWN")
    assert row.tracking_no == f"SF{row.id:012d}"
    with transaction(any_engine) as conn:
        assert conn.execute(select(waybill_rows)).all() == []
