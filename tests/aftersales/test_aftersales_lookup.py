"""The public lookup: right answers show progress only; wrong ones are limited and reveal nothing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from core.aftersales import returns
from core.aftersales.returns_flow import STATUSES, TYPES
from core.aftersales.returns_lookup import FOUND, LIMITED, NO_MATCH, lookup, next_step
from core.i18n import t
from core.identity.access import Actor
from core.shipping import senders
from core.store.db import make_engine, transaction
from tests.aftersales.ticketdata import T0


def opened(store, shipped_order, order_no="TB6100000001") -> str:
    order_id = shipped_order(order_no, {"PET-FOOD-2KG": 1}, phone="+86 138-1234-5678")
    with transaction(store) as conn:
        ticket_id = returns.open_ticket(conn, order_id, "return", "wrong_size", Actor("li.na", "service"), now=T0)
        number = returns.load_by_id(conn, ticket_id).number
        returns.advance(conn, number, "approved", Actor("li.na", "service"), now=T0 + timedelta(hours=2))
    return number


def test_the_number_and_last_four_digits_show_status_and_progress_only(store, shipped_order):
    number = opened(store, shipped_order)
    result = lookup(store, number.lower(), "5678", "203.0.113.7", now=T0 + timedelta(hours=3))
    assert result.outcome == FOUND and result.status == "approved"
    assert result.progress == [("submitted", T0), ("approved", T0 + timedelta(hours=2))]
    assert set(asdict(result)) == {"outcome", "number", "type", "status", "progress", "next_step", "return_to"}
    assert result.return_to.address == senders.DEMO_ADDRESS  # the shop's warehouse, not the buyer's


def test_a_wrong_phone_and_a_ticket_that_does_not_exist_look_exactly_alike(store, shipped_order):
    number = opened(store, shipped_order)
    later = T0 + timedelta(hours=3)
    existing = [lookup(store, number, "0000", "198.51.100.1", now=later) for _ in range(7)]
    missing = [lookup(store, "AS20261126-0999", "0000", "198.51.100.2", now=later) for _ in range(7)]
    assert existing == missing
    assert [r.outcome for r in existing] == [NO_MATCH] * 5 + [LIMITED] * 2


def test_guessing_one_ticket_from_many_clients_is_stopped_per_ticket_number(store, shipped_order):
    number = opened(store, shipped_order)
    later = T0 + timedelta(hours=3)
    guesses = [lookup(store, number, f"{guess:04d}", f"10.0.0.{guess}", now=later) for guess in range(5)]
    assert {g.outcome for g in guesses} == {NO_MATCH}
    assert lookup(store, number, "5678", "10.0.1.1", now=later).outcome == LIMITED  # even the right answer waits
    assert lookup(store, number, "5678", "10.0.1.1", now=later + timedelta(minutes=16)).outcome == FOUND


def test_one_client_trying_many_numbers_is_stopped_and_the_limit_survives_a_restart(store, shipped_order, sqlite_url):
    number = opened(store, shipped_order)
    later = T0 + timedelta(hours=3)
    for i in range(10):
        assert lookup(store, f"AS20261126-{100 + i:04d}", "1234", "192.0.2.50", now=later).outcome == NO_MATCH
    restarted = make_engine(sqlite_url)  # another process, e.g. a second app replica, sees the same count
    assert lookup(restarted, number, "5678", "192.0.2.50", now=later).outcome == LIMITED
    assert lookup(restarted, number, "5678", "192.0.2.51", now=later).outcome == FOUND
    restarted.dispose()


def test_the_platform_order_number_finds_the_orders_newest_ticket(store, shipped_order):
    number = opened(store, shipped_order, order_no="TB6100000777")
    found = lookup(store, " TB6100000777 ", "5678", "203.0.113.8", now=T0 + timedelta(hours=3))
    wrong = lookup(store, "TB6100000777", "1234", "203.0.113.8", now=T0 + timedelta(hours=3))
    assert found.outcome == FOUND and found.number == number and wrong.outcome == NO_MATCH


def test_the_next_step_follows_the_status_and_the_address_shows_only_while_goods_are_to_come_back(
    store, shipped_order, monkeypatch
):
    monkeypatch.setenv("ORDERHUB_SENDERS_FILE", "/nonexistent/senders.toml")
    monkeypatch.setenv("ORDERHUB_SENDER_ADDRESS", "上海市浦东新区退货仓 1 号")
    number = opened(store, shipped_order)
    approved = lookup(store, number, "5678", "203.0.113.9", now=T0 + timedelta(hours=3))
    with transaction(store) as conn:
        returns.advance(conn, number, "awaiting_return", Actor("li.na", "service"), now=T0 + timedelta(hours=4))
        returns.advance(
            conn, number, "received", Actor("li.na", "service"), resalable=True, now=T0 + timedelta(hours=5)
        )
    received = lookup(store, number, "5678", "203.0.113.9", now=T0 + timedelta(hours=6))
    assert approved.next_step == "aftersales.lookup.next.approved.return"
    assert approved.return_to.address == "上海市浦东新区退货仓 1 号"
    assert received.next_step == "aftersales.lookup.next.received" and received.return_to is None
    assert t(approved.next_step, "zh").startswith("申请已同意，请把商品寄回")


def test_every_status_and_approved_type_has_a_next_step_in_both_languages():
    keys = [next_step(kind, status) for kind in TYPES for status in STATUSES]
    for key in keys:
        assert t(key, "zh") != key and t(key, "en") != key
