"""Reports on five hand-made orders whose every figure is worked out in the comments."""

from __future__ import annotations

from datetime import date, datetime

import analytics_factory as factory
import pytest
from sqlalchemy import insert, select

from core.aftersales.tables import tickets
from core.analytics import kpis, reports
from core.analytics.analytics import Snapshot
from core.analytics.reports import Filters
from core.orders.tables import orders
from core.store.db import transaction

NOW = datetime(2026, 3, 16, 9, 30)
WEEK = Filters(date(2026, 3, 9), date(2026, 3, 15))
FOOD, LEASH, TREATS = 1, 3, 4  # factory SKU ids: unit cost 4500, 900 and 600 cents


def order(
    no: str,
    channel: str,
    shop: int,
    province: str,
    created: str,
    *,
    paid: str | None = None,
    shipped: str | None = None,
    status: str,
    paid_cents: int = 0,
    lines=(),
    events=(),
    **extra,
) -> factory.OrderPlan:
    at = datetime.fromisoformat
    row = {
        "channel": channel,
        "channel_order_no": no,
        "shop_id": shop,
        "status": status,
        "province": province,
        "created_at": at(created),
        "paid_at": at(paid) if paid else None,
        "shipped_at": at(shipped) if shipped else None,
        "goods_cents": paid_cents,
        "paid_cents": paid_cents,
        "shipping_cost_cents": 800,
        "updated_at": NOW,
        "phone": "13800138000",
        **extra,
    }
    return factory.OrderPlan(
        row,
        [{"sku_id": s, "qty": q, "unit_price_cents": 100, "discount_cents": 0} for s, q in lines],
        [
            {"at": at(when), "actor": who, "from_status": None, "to_status": to, "reason": why}
            for when, who, to, why in events
        ],
    )


ORDERS = [
    # A: paid 10:05, shipped 21 h 55 min later (on time); profit 10000 − 4500 − 500 − 800 = 4200.
    order(
        "TAOBAO-A",
        "taobao",
        1,
        "广东",
        "2026-03-10 10:00",
        paid="2026-03-10 10:05",
        shipped="2026-03-11 08:00",
        status="shipped",
        paid_cents=10000,
        lines=[(FOOD, 1)],
        events=[("2026-03-11 08:00", "王芳", "shipped", "")],
    ),
    # B: Hong Kong, 60 h to ship (late), returned for a seller fault; discount + coupon and
    # profit 5900 − 2 × 4500 − 472 (8 % commission, half up) − 800 = −4372: a promotion loss.
    order(
        "JD-B",
        "jd",
        2,
        "香港",
        "2026-03-10 20:00",
        paid="2026-03-10 20:10",
        shipped="2026-03-13 08:10",
        status="shipped",
        paid_cents=5900,
        lines=[(FOOD, 2)],
        platform_discount_cents=2000,
        seller_coupon_cents=1000,
        return_reason="发错货/漏发",
        returned_at=datetime(2026, 3, 14, 12, 0),
        events=[("2026-03-13 08:10", "李雷", "shipped", "")],
    ),
    # C: cancelled before payment: counted nowhere.
    order(
        "TAOBAO-C", "taobao", 1, "", "2026-03-12 09:00", status="cancelled", cancelled_at=datetime(2026, 3, 12, 9, 30)
    ),
    # D: held for an unreadable address, unshipped past its deadline; profit 4900 − 1200 − 245 − 800 = 2655.
    order(
        "TAOBAO-D",
        "taobao",
        1,
        "内蒙古",
        "2026-03-12 11:00",
        paid="2026-03-12 11:01",
        status="on_hold",
        paid_cents=4900,
        lines=[(TREATS, 2)],
        hold_reason="address_invalid",
        events=[("2026-03-12 11:05", "李雷", "on_hold", "地址无法识别")],
    ),
    # E: a long province name, created late on the 14th, paid and shipped on the 15th (9 h 50 min);
    # profit 3900 − 900 − 312 − 800 = 1888.
    order(
        "JD-E",
        "jd",
        2,
        "广东省",
        "2026-03-14 23:30",
        paid="2026-03-15 00:10",
        shipped="2026-03-15 10:00",
        status="shipped",
        paid_cents=3900,
        lines=[(LEASH, 1)],
        events=[("2026-03-15 10:00", "王芳", "shipped", "")],
    ),
]


@pytest.fixture
def snap(engine):
    factory.add_reference_data(engine, NOW)
    factory.write(engine, ORDERS)
    snapshot = Snapshot(engine)
    yield snapshot
    snapshot.close()


def test_the_trend_shows_each_day_what_was_placed_paid_and_shipped(snap):
    trend = reports.daily_trend(snap, WEEK, "admin").set_index(["day", "channel"])
    active = trend[(trend != 0).any(axis=1)]
    assert {(str(day), channel): tuple(row) for (day, channel), row in active.iterrows()} == {
        ("2026-03-10", "jd"): (1, 5900, 1, 0),
        ("2026-03-10", "taobao"): (1, 10000, 1, 0),
        ("2026-03-11", "taobao"): (0, 0, 0, 1),
        ("2026-03-12", "taobao"): (1, 4900, 1, 0),
        ("2026-03-13", "jd"): (0, 0, 0, 1),
        ("2026-03-14", "jd"): (1, 0, 0, 0),
        ("2026-03-15", "jd"): (0, 3900, 1, 1),
    }
    assert len(trend) == 7 * 2


def test_provinces_put_hong_kong_in_its_own_bucket_and_fold_long_names(snap):
    got = reports.provinces(snap, WEEK, "admin").set_index("province")
    assert got["orders"].to_dict() == {"广东": 2, "香港": 1, "内蒙古": 1}
    assert got["gmv_cents"].to_dict() == {"广东": 13900, "香港": 5900, "内蒙古": 4900}
    assert got["on_map"].to_dict() == {"广东": True, "香港": True, "内蒙古": True}


def test_the_hour_matrix_places_each_order_at_its_hour(snap):
    matrix = reports.province_hours(snap, WEEK, "admin")
    assert {(p, h): int(matrix.loc[p, h]) for p in matrix.index for h in matrix.columns if matrix.loc[p, h]} == {
        ("广东", 10): 1,
        ("广东", 23): 1,
        ("香港", 20): 1,
        ("内蒙古", 11): 1,
    }


def test_the_one_return_is_a_seller_fault(snap):
    reasons = reports.return_reasons(snap, WEEK, "admin")
    assert reasons.to_dict("records") == [{"reason": "发错货/漏发", "returns": 1, "share": 1.0}]


def test_kpis_of_the_five_orders(snap):
    row = kpis.kpis(snap, WEEK, "admin", NOW).iloc[0]
    assert (row["counted_orders"], row["held_orders"], row["address_error_orders"], row["seller_return_orders"]) == (
        4,
        1,
        1,
        1,
    )
    assert row["error_rate"] == 0.5  # B (seller return) and D (held, address) of A, B, D, E
    assert row["orders_handled_per_day"] == pytest.approx(3 / 7)  # A, B and E shipped in the week
    assert row["avg_paid_to_shipped_hours"] == pytest.approx((21 + 55 / 60 + 60 + 9 + 50 / 60) / 3)
    assert (row["on_time_orders"], row["on_time_base"], row["on_time_rate"]) == (2, 4, 0.5)  # A, E of A, B, D, E
    assert (row["staff"], row["orders_per_staff_day"]) == (2, 1.0)  # 王芳 and 李雷, one order on each day worked


def test_profit_by_channel_after_discounts_coupons_commission_and_cost(snap):
    profit = kpis.profit_by_channel(snap, WEEK, "admin").set_index("channel")
    assert profit["profit_cents"].to_dict() == {"taobao": 4200 + 2655, "jd": -4372 + 1888}
    assert profit["commission_cents"].to_dict() == {"taobao": 500 + 245, "jd": 472 + 312}
    assert profit.loc["jd", "platform_discount_cents"] == 2000
    assert profit.loc["jd", "seller_coupon_cents"] == 1000


def test_the_promotion_loss_is_order_b(snap):
    losses = kpis.promotion_losses(snap, WEEK, "admin")
    assert losses[["channel_order_no", "profit_cents"]].to_dict("records") == [
        {"channel_order_no": "JD-B", "profit_cents": -4372}
    ]


def test_a_channel_filter_narrows_every_report(snap):
    jd = Filters(WEEK.start, WEEK.end, channels=("jd",))
    assert reports.provinces(snap, jd, "admin").set_index("province")["orders"].to_dict() == {"广东": 1, "香港": 1}
    assert kpis.kpis(snap, jd, "admin", NOW).iloc[0]["counted_orders"] == 2
    assert list(kpis.profit_by_channel(snap, jd, "admin")["channel"]) == ["jd"]
    shop_one = Filters(WEEK.start, WEEK.end, shop_ids=(1,))
    assert reports.return_reasons(snap, shop_one, "admin").empty


def test_once_tickets_exist_the_return_reasons_come_from_them_in_the_viewers_language(snap, engine):
    def ticket(number: str, order_no: str, reason: str, opened: str) -> dict:
        at = datetime.fromisoformat(opened)
        return {
            "number": number,
            "order_id": order_ids[order_no],
            "type": "return",
            "reason": reason,
            "status": "submitted",
            "created_by": "客服-小美",
            "created_at": at,
            "first_response_due": at,
            "resolution_due": at,
            "updated_at": at,
        }

    with transaction(engine) as conn:
        order_ids = dict(conn.execute(select(orders.c.channel_order_no, orders.c.id)).all())
        conn.execute(
            insert(tickets),
            [
                ticket("T1", "JD-B", "wrong_item", "2026-03-14 12:00"),
                ticket("T2", "TAOBAO-A", "quality", "2026-03-12 09:00"),
                ticket("T3", "JD-E", "quality", "2026-03-15 18:00"),
                ticket("T4", "TAOBAO-D", "damaged", "2026-02-01 10:00"),
            ],
        )  # before the week
    snap.refresh()
    zh = reports.return_reasons(snap, WEEK, "admin")
    assert zh[["reason", "returns"]].to_dict("records") == [
        {"reason": "质量问题", "returns": 2},
        {"reason": "发错货/漏发", "returns": 1},
    ]
    en = reports.return_reasons(snap, Filters(WEEK.start, WEEK.end, channels=("jd",)), "admin", lang="en")
    assert en["reason"].tolist() == ["Quality problem", "Wrong or missing item"]
