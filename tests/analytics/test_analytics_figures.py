"""The money figures of core.orders.figures on nine hand-made orders, the same on SQLite and PostgreSQL,
and the same wherever they are shown: the reports, the big screen, the CLI's status report and
the order export."""

from __future__ import annotations

from datetime import date, datetime

import analytics_factory as factory
import pandas as pd
import pytest
from sqlalchemy import insert, select

from core.aftersales.tables import ticket_reasons, tickets
from core.analytics import export, reports, screen
from core.analytics.analytics import Snapshot
from core.analytics.reports import Filters
from core.orders import order_detail, overview
from core.orders.tables import orders
from core.store.db import transaction, upsert

NOW = datetime(2026, 3, 16, 9, 30)
WEEK = Filters(date(2026, 3, 9), date(2026, 3, 15))


def order(no: str, status: str, paid_cents: int, goods_cents: int, *, paid: bool = True, **extra) -> factory.OrderPlan:
    created = datetime(2026, 3, 12, 10, 0)
    row = {
        "channel": "taobao",
        "channel_order_no": no,
        "shop_id": 1,
        "status": status,
        "province": "广东",
        "created_at": created,
        "paid_at": datetime(2026, 3, 12, 10, 5) if paid else None,
        "paid_cents": paid_cents,
        "goods_cents": goods_cents,
        "updated_at": NOW,
        "refund_cents": 0,
        "country": "",
        "city": "",
        **extra,
    }
    return factory.OrderPlan(row)


ORDERS = [
    order("PAID", "paid", 10000, 9000),  # counts
    order("SHIPPED", "shipped", 5000, 5000, refund_cents=2000),  # the channel refunded 20 yuan
    order("DONE", "completed", 3000, 3500),  # a ticket refunded 10 yuan (below)
    order("HELD-PAID", "on_hold", 4000, 4000, refund_cents=500),  # a ticket refunded 15: the larger counts
    order("PENDING", "pending_payment", 7000, 7000, paid=False),  # no sale yet
    order("REFUNDED", "cancelled", 6000, 6000, refund_cents=6000),  # paid, then refunded and closed
    order("HELD-UNPAID", "on_hold", 2000, 2000, paid=False),  # held before payment
    order("NO-PAY-TIME", "shipped", 800, 800, paid=False),  # a file without payment times: counts
    order("TORONTO", "paid", 3900, 3900, province="ON", country="CA", city="Toronto"),  # abroad
]
# PAID + SHIPPED + DONE + HELD-PAID + NO-PAY-TIME + TORONTO
PAID_ORDERS, PAID_CENTS, GOODS_CENTS = (
    6,
    10000 + 5000 + 3000 + 4000 + 800 + 3900,
    9000 + 5000 + 3500 + 4000 + 800 + 3900,
)
REFUND_CENTS, REFUND_ORDERS = 2000 + 1000 + 1500, 3
FIGURES = {
    "paid_orders": PAID_ORDERS,
    "paid_cents": PAID_CENTS,
    "goods_cents": GOODS_CENTS,
    "refund_cents": REFUND_CENTS,
    "refund_orders": REFUND_ORDERS,
    "net_cents": PAID_CENTS - REFUND_CENTS,
}


def _ticket(number: str, order_id: int, refund_cents: int) -> dict:
    at = datetime(2026, 3, 14, 12, 0)
    return {
        "number": number,
        "order_id": order_id,
        "type": "refund",
        "reason": "quality",
        "status": "refunded",
        "refund_cents": refund_cents,
        "created_by": "客服-小美",
        "created_at": at,
        "first_response_due": at,
        "resolution_due": at,
        "updated_at": at,
    }


@pytest.fixture
def store(any_engine):
    factory.add_reference_data(any_engine, NOW)
    factory.write(any_engine, ORDERS)
    with transaction(any_engine) as conn:
        ids = dict(conn.execute(select(orders.c.channel_order_no, orders.c.id)).all())
        upsert(
            conn, ticket_reasons, [{"code": "quality", "label_zh": "质量问题", "label_en": "Quality problem"}], ["code"]
        )
        conn.execute(insert(tickets), [_ticket("T1", ids["DONE"], 1000), _ticket("T2", ids["HELD-PAID"], 1500)])
    return any_engine


@pytest.fixture
def snap(store):
    snapshot = Snapshot(store)
    yield snapshot
    snapshot.close()


def test_the_figures_of_the_week_count_paid_orders_only_with_each_refund_once(snap):
    assert reports.totals(snap, WEEK, "admin").iloc[0].to_dict() == FIGURES


def test_the_status_report_of_the_cli_gives_the_same_figures_and_gmv_is_the_paid_amount(store):
    with store.connect() as conn:
        report = overview.status_report(conn)
    assert {name: report[name] for name in FIGURES} == FIGURES
    assert report["gmv_cents"] == PAID_CENTS


def test_the_trend_the_provinces_and_the_big_screen_sum_the_same_paid_amount(snap):
    assert reports.daily_totals(snap, WEEK, "admin")["gmv_cents"].sum() == PAID_CENTS
    assert reports.daily_totals(snap, WEEK, "admin")["paid_orders"].sum() == PAID_ORDERS
    assert reports.provinces(snap, WEEK, "admin")["gmv_cents"].sum() == PAID_CENTS
    tiles = screen.screen(snap, "admin", datetime(2026, 3, 12, 23, 0), days=7)
    assert tiles.today.iloc[0]["gmv_cents"] == PAID_CENTS  # every paid order was paid (or placed) that day
    assert tiles.channels["gmv_cents"].sum() == PAID_CENTS


def test_an_order_abroad_shows_under_overseas_off_the_map(snap):
    got = reports.provinces(snap, WEEK, "admin").set_index("province")
    assert got.loc["海外", ["orders", "gmv_cents", "on_map"]].tolist() == [1, 3900, False]
    assert reports.province_hours(snap, WEEK, "admin").loc["海外"].sum() == 1


def test_the_order_export_carries_country_refund_and_whether_the_order_counts(store, tmp_path):
    out = tmp_path / "orders.parquet"
    export.export(store, "orders", out, "parquet", "admin")
    rows = pd.read_parquet(out).set_index("channel_order_no")
    assert rows.loc["TORONTO", ["country", "province", "city"]].tolist() == ["CA", "ON", "Toronto"]
    paid = rows[rows["paid_order"] == 1]
    assert (len(paid), paid["paid_cents"].sum(), paid["refund_cents"].sum()) == (
        PAID_ORDERS,
        PAID_CENTS,
        REFUND_CENTS,
    )


def test_a_warehouse_clerk_sees_the_counts_but_no_money_figure(snap):
    row = reports.totals(snap, WEEK, "warehouse").iloc[0]
    assert row.to_dict() == {"paid_orders": PAID_ORDERS, "refund_orders": REFUND_ORDERS}


def test_an_order_page_shows_the_refund_the_figures_count_and_where_an_order_abroad_goes(store):
    with store.connect() as conn:
        ids = dict(conn.execute(select(orders.c.channel_order_no, orders.c.id)).all())
        held = order_detail.detail(conn, "admin", ids["HELD-PAID"])
        toronto = order_detail.detail(conn, "clerk", ids["TORONTO"])
        hidden = order_detail.detail(conn, "warehouse", ids["HELD-PAID"])
    assert held.amounts["refund_cents"] == 1500  # the ticket's 15 yuan, above the channel's 5
    assert (toronto.header["country"], toronto.header["province"], toronto.header["city"]) == ("CA", "ON", "Toronto")
    assert "refund_cents" not in hidden.amounts
