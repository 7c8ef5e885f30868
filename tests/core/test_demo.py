"""The demo store looks like a real pet-supplies seller's last 90 days."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from core.messages.tables import outbox
from core.model import STATUSES
from core.orders import store_checks
from core.orders.tables import order_events, orders
from core.stock.tables import skus
from core.store.db import make_engine


@pytest.fixture(scope="module")
def demo(demo_template):
    engine = make_engine(f"sqlite:///{demo_template}")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def scalar(conn, query):
    return conn.execute(query).scalar_one()


def test_every_status_is_present_including_orders_held_for_stock(demo):
    by_status = dict(demo.execute(select(orders.c.status, func.count()).group_by(orders.c.status)).all())
    assert set(by_status) == set(STATUSES)
    assert by_status["completed"] > by_status["shipped"] > by_status["paid"] > by_status["pending_payment"]
    held = demo.execute(select(orders.c.hold_reason).where(orders.c.status == "on_hold")).scalars().all()
    assert held and set(held) == {"insufficient_stock", "review"}  # review: the rules demo (demo/rules.py)


def test_three_channels_several_shops_and_about_forty_skus_some_low(demo):
    assert demo.execute(select(func.count(orders.c.channel.distinct()))).scalar_one() == 3
    assert demo.execute(select(func.count(orders.c.shop_id.distinct()))).scalar_one() >= 4
    assert 35 <= scalar(demo, select(func.count()).select_from(skus)) <= 45
    low = scalar(demo, select(func.count()).where(skus.c.on_hand - skus.c.reserved < skus.c.safety_stock))
    assert 3 <= low <= 12


def test_shipped_orders_carry_waybills_and_returns_carry_reasons(demo):
    no_waybill = select(func.count()).where(
        orders.c.status.in_(["shipped", "completed"]), orders.c.tracking_no.is_(None)
    )
    assert scalar(demo, no_waybill) == 0
    reasons = Counter(demo.execute(select(orders.c.return_reason).where(orders.c.return_reason.is_not(None))).scalars())
    assert len(reasons) >= 5 and sum(reasons.values()) > 300


def test_remarks_and_a_few_incomplete_addresses_are_there_to_be_handled(demo):
    total = scalar(demo, select(func.count()).select_from(orders))
    remarks = scalar(demo, select(func.count()).where(orders.c.buyer_remark != ""))
    assert 0.04 < remarks / total < 0.15
    incomplete = scalar(demo, select(func.count()).where(~orders.c.address.like("%号%")))
    assert 0.005 < incomplete / total < 0.03


def test_small_orders_pay_for_shipping_and_their_paid_amount_includes_it(demo):
    charged = select(func.count()).where(orders.c.shipping_fee_cents > 0)
    total = scalar(demo, select(func.count()).select_from(orders))
    assert 0.05 < scalar(demo, charged) / total < 0.6
    assert scalar(demo, charged.where(orders.c.channel == "pdd")) == 0  # 拼多多 ships free
    due = (
        orders.c.goods_cents
        - orders.c.platform_discount_cents
        - orders.c.seller_coupon_cents
        + orders.c.shipping_fee_cents
    )
    delivered = orders.c.status.in_(["shipped", "completed"])  # cancelled ones paid nothing, some held ones are wrong
    assert scalar(demo, charged.where(delivered)) > 100
    assert scalar(demo, select(func.count()).where(delivered, orders.c.paid_cents != due)) == 0


def test_provinces_are_weighted_like_real_parcel_traffic(demo):
    by_province = Counter(dict(demo.execute(select(orders.c.province, func.count()).group_by(orders.c.province)).all()))
    top = [name for name, _ in by_province.most_common(3)]
    assert top[0] == "广东" and set(top) <= {"广东", "浙江", "江苏"}
    assert by_province["西藏"] < by_province["广东"] / 50
    assert {"香港", "台湾"} & set(by_province)


def test_the_double_eleven_promotion_spikes_and_evenings_are_busier_than_dawn(demo):
    per_day = Counter()
    per_hour = Counter()
    for created in demo.execute(select(orders.c.created_at)).scalars():
        per_day[created.date()] += 1
        per_hour[created.hour] += 1
    ordinary = sorted(per_day.values())[len(per_day) // 2]
    double_eleven = max(count for day, count in per_day.items() if (day.month, day.day) == (11, 11))
    assert double_eleven > 4 * ordinary
    assert per_hour[21] > 5 * per_hour[4]


def test_the_store_is_sound_and_recent_orders_went_through_the_real_workflow(demo):
    assert store_checks.invariant_violations(demo) == []
    shipping_sms = scalar(demo, select(func.count()).where(outbox.c.template == "order_shipped"))
    assert shipping_sms > 100
    staff = demo.execute(select(order_events.c.actor).where(order_events.c.to_status == "shipped").distinct())
    assert len(staff.all()) >= 3
