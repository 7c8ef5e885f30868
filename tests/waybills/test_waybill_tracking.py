"""Tracking, on SQLite and PostgreSQL: the aggregator pushes to OrderHub's callback (signature
checked), 揽收 → 在途 → 派件 → 签收 completes the order through the workflow, 退回 opens a return
ticket, and the worker's polling catches up on a parcel whose pushes never came."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from connectors import tracking_callback, waybill_service
from core.aftersales.tables import tickets
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import COMPLETED, SHIPPED
from core.orders.tables import order_events
from core.shipping import merge, waybills
from core.store.db import transaction
from tests.core.helpers import add_skus, order, order_row
from tests.waybills.shop import configure, seed_reason

DAY = datetime(2026, 12, 1)
JOURNEY = [
    ("1", "【杭州市】顺丰速运 已收取快件", 9),
    ("0", "【杭州转运中心】快件已发车，下一站【深圳转运中心】", 20),
    ("5", "【深圳市南山区】快件交给张师傅，正在派送途中", 33),
    ("3", "【深圳市南山区】已签收，签收人：本人", 35),
]


@pytest.fixture
def callback(any_engine) -> Iterator[str]:
    server = tracking_callback.serve(any_engine, 0, "127.0.0.1")
    yield f"http://127.0.0.1:{server.server_address[1]}{tracking_callback.PATH}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def shipped(any_engine, aggregator, callback, tmp_path, monkeypatch):
    """An order shipped on the shop's account, its number subscribed to our callback."""
    add_skus(any_engine, {"PET-FOOD-2KG": 10})
    seed_reason(any_engine)
    configure(monkeypatch, tmp_path, aggregator[1], callback_url=callback)
    ingest(any_engine, [order("TB2026120100077", ("PET-FOOD-2KG", 1))])
    row = order_row(any_engine, "TB2026120100077")
    assert waybill_service.ship_batch(any_engine, Actor("仓库小王", "warehouse"), [row.id]).done == ["TB2026120100077"]
    return order_row(any_engine, "TB2026120100077")


def at(hour: int) -> datetime:
    return DAY.replace(hour=hour % 24, day=DAY.day + hour // 24)


def test_each_push_is_recorded_and_the_signed_for_parcel_completes_the_order(any_engine, aggregator, shipped):
    server, _ = aggregator
    assert server.parcels[shipped.tracking_no].callback is not None  # subscribed when it shipped
    for state, context, hour in JOURNEY[:3]:
        answer = server.move(shipped.tracking_no, state, context, at(hour))
        assert answer.status_code == 200 and answer.json() == {"result": True, "returnCode": "200", "message": "成功"}
        assert order_row(any_engine, shipped.channel_order_no).status == SHIPPED
    server.move(shipped.tracking_no, *JOURNEY[3][:2], at(JOURNEY[3][2]))
    assert order_row(any_engine, shipped.channel_order_no).status == COMPLETED
    with any_engine.connect() as conn:
        history = waybills.history(conn, shipped.id)
        last = conn.execute(select(order_events).where(order_events.c.order_id == shipped.id)).all()[-1]
    names = ["揽收", "在途", "派件", "签收"]
    assert [(h["state"], h["context"]) for h in history] == [(n, step[1]) for n, step in zip(names, JOURNEY)]
    assert (last.from_status, last.to_status, last.actor) == (SHIPPED, COMPLETED, "carrier")


def test_a_push_with_a_wrong_signature_is_refused_and_changes_nothing(any_engine, aggregator, shipped):
    server, _ = aggregator
    server.parcels[shipped.tracking_no].callback, real = None, server.parcels[shipped.tracking_no].callback
    server.move(shipped.tracking_no, "3", "已签收", at(30))
    server.parcels[shipped.tracking_no].callback = real
    answer = server.push(shipped.tracking_no, salt="not-the-salt")
    assert answer.status_code == 403 and answer.json()["result"] is False
    assert order_row(any_engine, shipped.channel_order_no).status == SHIPPED
    with any_engine.connect() as conn:
        assert waybills.history(conn, shipped.id) == []


def test_a_forged_push_for_an_unknown_number_or_a_broken_body_is_refused(any_engine, callback):
    assert httpx.post(callback, data={"param": '{"lastResult":{"nu":"SF1"}}', "sign": "X"}).status_code == 403
    assert httpx.post(callback, data={"param": "not json", "sign": "X"}).status_code == 400


def test_a_parcel_sent_back_opens_one_return_ticket(any_engine, aggregator, shipped):
    server, _ = aggregator
    server.move(shipped.tracking_no, "1", "已揽收", at(9))
    server.move(shipped.tracking_no, "6", "收件人地址不详，快件退回寄件人", at(40))
    server.push(shipped.tracking_no)  # pushed again: still one ticket
    with any_engine.connect() as conn:
        opened = conn.execute(select(tickets).where(tickets.c.order_id == shipped.id)).all()
    assert len(opened) == 1 and (opened[0].type, opened[0].reason) == ("return", "carrier_returned")
    assert opened[0].created_by == "carrier" and shipped.tracking_no in opened[0].notes
    assert order_row(any_engine, shipped.channel_order_no).status == SHIPPED


def test_polling_catches_up_on_a_parcel_whose_pushes_never_came(any_engine, aggregator, shipped):
    server, _ = aggregator
    server.parcels[shipped.tracking_no].callback = None  # the pushes are lost
    for state, context, hour in JOURNEY:
        server.move(shipped.tracking_no, state, context, at(hour))
    assert waybill_service.poll_tracking(any_engine, every_minutes=0) == 1
    assert order_row(any_engine, shipped.channel_order_no).status == COMPLETED
    with any_engine.connect() as conn:
        assert len(waybills.history(conn, shipped.id)) == 4
    assert waybill_service.poll_tracking(any_engine, every_minutes=0) == 0  # signed for: no more polling


def test_orders_merged_into_one_parcel_share_one_waybill_and_are_completed_together(any_engine, aggregator, shipped):
    server, _ = aggregator
    ingest(any_engine, [order("TB-MERGE-1", ("PET-FOOD-2KG", 1)), order("TB-MERGE-2", ("PET-FOOD-2KG", 2))])
    ids = [order_row(any_engine, number).id for number in ("TB-MERGE-1", "TB-MERGE-2")]
    with transaction(any_engine) as conn:
        merge.merge(conn, ids, Actor("客服小李", "clerk"))
    assert waybill_service.ship_batch(any_engine, Actor("仓库小王", "warehouse"), ids).done == [
        "TB-MERGE-1",
        "TB-MERGE-2",
    ]
    numbers = {order_row(any_engine, number).tracking_no for number in ("TB-MERGE-1", "TB-MERGE-2")}
    assert len(numbers) == 1 and len(server.parcels) == 2  # this parcel's, and the fixture's own
    server.move(numbers.pop(), "3", "已签收", at(30))
    assert {order_row(any_engine, n).status for n in ("TB-MERGE-1", "TB-MERGE-2")} == {COMPLETED}
