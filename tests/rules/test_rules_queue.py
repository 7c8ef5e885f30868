"""The exception queue end to end: ingest holds flagged orders, a clerk approves, fixes or cancels."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.errors import InvalidInput
from core.identity.access import Actor
from core.identity.tables import config_audit
from core.intake.ingest import ingest
from core.orders import stock_resume
from core.orders.store_checks import invariant_violations
from core.orders.tables import order_events
from core.review import rules
from core.review.review import approve, cancel, fix, open_exceptions, recheck_open_orders
from core.review.tables import order_exceptions
from core.stock import reservations as stock
from core.stock.tables import reservations
from core.store.db import transaction
from tests.rules.shop import NOW, id_of, on_both_engines, order, ship_history, status_of, stock_shop


@pytest.fixture
def shop(any_store):
    stock_shop(any_store)
    return any_store


def exceptions_of(engine, no: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(order_exceptions.c.rule, order_exceptions.c.status).where(
                order_exceptions.c.order_id == id_of(engine, no)
            )
        )
        return dict(rows.all())


def reserved_for(engine, no: str) -> int:
    with engine.connect() as conn:
        query = select(func.coalesce(func.sum(reservations.c.qty), 0)).where(
            reservations.c.order_id == id_of(engine, no)
        )
        return conn.execute(query).scalar_one()


def test_a_clean_order_passes_review_and_stays_paid(shop):
    ingest(shop, [order("3312000000001", ("PET-FOOD-2KG", 1, 9_900))], now=NOW)
    assert status_of(shop, "3312000000001") == ("paid", None)
    assert exceptions_of(shop, "3312000000001") == {}


@on_both_engines
def test_an_order_with_a_buyer_remark_is_held_for_review_with_its_stock_still_reserved(shop):
    ingest(shop, [order("3312000000002", ("PET-FOOD-2KG", 2, 9_900), buyer_remark="请周末送货")], now=NOW)
    assert status_of(shop, "3312000000002") == ("on_hold", "review")
    assert exceptions_of(shop, "3312000000002") == {"buyer_remark": "open"}
    assert reserved_for(shop, "3312000000002") == 2
    with shop.connect() as conn:
        queue = open_exceptions(conn)
        reasons = conn.execute(select(order_events.c.reason).where(order_events.c.to_status == "on_hold")).scalars()
        assert "review: buyer_remark" in list(reasons)
    assert [(q["channel_order_no"], q["rules"]) for q in queue] == [("3312000000002", ["buyer_remark"])]


def test_an_approved_order_resumes_and_is_not_flagged_again(shop):
    ingest(shop, [order("3312000000003", ("CAT-TOY-MOUSE", 1, 1_990), seller_remark="送猫薄荷")], now=NOW)
    with transaction(shop) as conn:
        assert approve(conn, id_of(shop, "3312000000003"), Actor("clerk-li", "clerk"), NOW) == "paid"
    assert recheck_open_orders(shop, Actor("admin", "admin"), NOW) == []
    assert status_of(shop, "3312000000003") == ("paid", None)
    assert exceptions_of(shop, "3312000000003") == {"seller_remark": "approved"}


def test_fixing_the_address_closes_the_exception_and_resumes_the_order(shop):
    ingest(shop, [order("3312000000004", ("PET-FOOD-2KG", 1, 9_900), address="科技园")], now=NOW)
    assert exceptions_of(shop, "3312000000004") == {"address_incomplete": "open"}
    with transaction(shop) as conn:
        still_failing = fix(
            conn, id_of(shop, "3312000000004"), {"address": "南山区科技园南路88号"}, Actor("clerk-li", "clerk"), NOW
        )
    assert still_failing == []
    assert status_of(shop, "3312000000004") == ("paid", None)
    assert exceptions_of(shop, "3312000000004") == {"address_incomplete": "fixed"}


def test_a_fix_that_does_not_cure_the_problem_keeps_the_order_held(shop):
    ingest(shop, [order("3312000000005", ("PET-FOOD-2KG", 1, 9_900), phone="1380013")], now=NOW)
    with transaction(shop) as conn:
        assert fix(conn, id_of(shop, "3312000000005"), {"phone": "1380013800"}, Actor("clerk-li", "clerk"), NOW) == [
            "phone_invalid"
        ]
        with pytest.raises(InvalidInput):
            fix(conn, id_of(shop, "3312000000005"), {"paid_cents": "1"}, Actor("clerk-li", "clerk"), NOW)
    assert status_of(shop, "3312000000005") == ("on_hold", "review")


@on_both_engines
def test_cancelling_a_flagged_order_releases_its_stock(shop):
    ingest(shop, [order("3312000000006", ("DOG-LEASH-RED", 3, 3_900), buyer_remark="不要了")], now=NOW)
    with transaction(shop) as conn:
        cancel(conn, id_of(shop, "3312000000006"), Actor("clerk-li", "clerk"), "buyer asked to cancel", NOW)
        assert invariant_violations(conn) == []
        assert stock.available(conn, stock.sku_id(conn, "DOG-LEASH-RED")) == 20
    assert status_of(shop, "3312000000006") == ("cancelled", None)


@on_both_engines
def test_a_second_open_order_to_the_same_buyer_and_address_is_a_merge_candidate(shop):
    ingest(shop, [order("3312000000007", ("PET-FOOD-2KG", 1, 9_900))], now=NOW)
    ingest(
        shop,
        [
            order("3312000000008", ("CAT-TOY-MOUSE", 1, 1_990)),
            order("3312000000009", ("CAT-TOY-MOUSE", 1, 1_990), buyer="李四"),
        ],
        now=NOW,
    )
    assert exceptions_of(shop, "3312000000008") == {"merge_candidate": "open"}
    assert exceptions_of(shop, "3312000000009") == {}
    with shop.connect() as conn:
        assert "3312000000007" in str(open_exceptions(conn)[0]["details"][0])


def test_a_mispriced_order_is_caught_against_the_usual_shipped_price(shop):
    ship_history(shop, "PET-FOOD-2KG", 9_900)
    ingest(shop, [order("3312000000010", ("PET-FOOD-2KG", 1, 99), buyer="王五")], now=NOW)
    assert set(exceptions_of(shop, "3312000000010")) == {"price_deviation", "loss_making"}


@on_both_engines
def test_a_flood_of_mispriced_orders_never_becomes_the_usual_price(shop):
    ship_history(shop, "CAT-TOY-MOUSE", 1_990)
    for wave in range(3):  # three pulls, each full of orders at a tenth of the price
        flood = [order(f"33121{wave}{n:07d}", ("CAT-TOY-MOUSE", 1, 199), buyer=f"薅羊毛{wave}-{n}") for n in range(8)]
        ingest(shop, flood, now=NOW)
    with shop.connect() as conn:
        flagged = conn.execute(select(order_exceptions.c.order_id).where(order_exceptions.c.rule == "price_deviation"))
        assert len(flagged.all()) == 24


def test_a_blacklisted_buyer_is_held(shop):
    with transaction(shop) as conn:
        rules.add_to_blacklist(conn, "phone", "139 0013 9000", "恶意退款", Actor("admin", "admin"), NOW)
    ingest(shop, [order("3312000000011", ("CAT-TOY-MOUSE", 1, 1_990), phone="13900139000")], now=NOW)
    assert exceptions_of(shop, "3312000000011") == {"blacklisted": "open"}


def test_a_disabled_rule_lets_orders_through_and_rechecking_after_enabling_catches_them(shop):
    with transaction(shop) as conn:
        rules.save_rule(conn, "buyer_remark", False, {}, Actor("admin", "admin"), NOW)
    ingest(shop, [order("3312000000012", ("CAT-TOY-MOUSE", 1, 1_990), buyer_remark="发顺丰")], now=NOW)
    assert status_of(shop, "3312000000012") == ("paid", None)
    with transaction(shop) as conn:
        rules.save_rule(conn, "buyer_remark", True, {}, Actor("admin", "admin"), NOW)
        audits = select(func.count()).where(config_audit.c.subject == "rule buyer_remark")
        assert conn.execute(audits).scalar_one() == 3  # switched on with the shop, off, on again
    queue = recheck_open_orders(shop, Actor("admin", "admin"), NOW)
    assert [q["channel_order_no"] for q in queue] == ["3312000000012"]
    assert status_of(shop, "3312000000012") == ("on_hold", "review")


def test_thresholds_are_validated_before_they_are_stored(shop):
    with transaction(shop) as conn:
        with pytest.raises(InvalidInput):
            rules.save_rule(conn, "price_deviation", True, {"max_deviation_pct": "half"}, Actor("admin", "admin"), NOW)
        with pytest.raises(InvalidInput):
            rules.save_rule(conn, "price_deviation", True, {"tolerance": 5}, Actor("admin", "admin"), NOW)
        rules.save_rule(conn, "price_deviation", True, {"max_deviation_pct": 30}, Actor("admin", "admin"), NOW)
        assert rules.load_config(conn)["price_deviation"].params["max_deviation_pct"] == 30


@on_both_engines
def test_an_order_held_for_stock_and_flagged_waits_for_review_before_stock_releases_it(shop):
    ingest(shop, [order("3312000000013", ("DOG-LEASH-RED", 25, 3_900), buyer_remark="急用")], now=NOW)
    assert status_of(shop, "3312000000013") == ("on_hold", "review")
    with transaction(shop) as conn:
        stock.receive(conn, stock.sku_id(conn, "DOG-LEASH-RED"), 10, "仓库", "delivery", NOW)
        assert stock_resume.retry_held(conn, [stock.sku_id(conn, "DOG-LEASH-RED")], NOW) == []
        assert approve(conn, id_of(shop, "3312000000013"), Actor("clerk-li", "clerk"), NOW) == "paid"
        assert invariant_violations(conn) == []


def test_approving_an_order_whose_stock_is_short_leaves_it_held_for_stock(shop):
    ingest(shop, [order("3312000000014", ("DOG-LEASH-RED", 25, 3_900), buyer_remark="急用")], now=NOW)
    with transaction(shop) as conn:
        assert approve(conn, id_of(shop, "3312000000014"), Actor("clerk-li", "clerk"), NOW) == "on_hold"
    assert status_of(shop, "3312000000014") == ("on_hold", "insufficient_stock")
