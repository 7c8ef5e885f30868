"""Every report against an independent pandas computation on the same seeded store."""

from __future__ import annotations

import random
from datetime import date, timedelta

import analytics_factory as factory
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from core.analytics import kpis, reports, screen
from core.analytics.analytics import Snapshot
from core.analytics.reports import Filters
from core.model import SELLER_FAULT_RETURN_REASONS
from core.orders.tables import order_events, order_lines, orders
from core.stock.tables import skus
from core.store.db import open_store
from core.store.tables import channels

RANGE = Filters(date(2026, 3, 1), date(2026, 3, 15))
# The factory's raw province values and the bucket each must land in.
BUCKETS = {"广东省": "广东", "火星": "未知", "": "未知", "香港": "香港", "台湾": "台湾", "澳门": "澳门"}


@pytest.fixture
def facts(store) -> dict[str, pd.DataFrame]:
    """The store's tables read with SQLAlchemy and pandas: nothing shared with the snapshot path."""
    with store.connect() as conn:
        return {
            name: pd.read_sql(select(table), conn)
            for name, table in [
                ("orders", orders),
                ("lines", order_lines),
                ("events", order_events),
                ("skus", skus),
                ("channels", channels),
            ]
        }


def _in(series: pd.Series, f: Filters) -> pd.Series:
    return (series >= pd.Timestamp(f.start)) & (series < pd.Timestamp(f.end + timedelta(days=1)))


def _counted(o: pd.DataFrame) -> pd.Series:
    return ~((o["status"] == "cancelled") & o["paid_at"].isna())


def _paid(o: pd.DataFrame) -> pd.Series:
    """core.orders.figures' paid orders: paid, shipped or completed, or held after payment."""
    return o["status"].isin(["paid", "shipped", "completed"]) | ((o["status"] == "on_hold") & o["paid_at"].notna())


def _scoped(o: pd.DataFrame, f: Filters) -> pd.DataFrame:
    if f.channels:
        o = o[o["channel"].isin(f.channels)]
    return o[o["shop_id"].isin(f.shop_ids)] if f.shop_ids else o


def expected_trend(o: pd.DataFrame, f: Filters) -> pd.DataFrame:
    o = _scoped(o, f)
    created = o[_counted(o) & _in(o["created_at"], f)].groupby([o["created_at"].dt.date, "channel"]).size()
    paid = o[_in(o["paid_at"], f)].groupby([o["paid_at"].dt.date, "channel"])
    shipped = o[_in(o["shipped_at"], f)].groupby([o["shipped_at"].dt.date, "channel"]).size()
    frame = (
        pd.DataFrame(
            {
                "orders": created,
                "gmv_cents": paid["paid_cents"].sum(),
                "paid_orders": paid.size(),
                "shipped_orders": shipped,
            }
        )
        .fillna(0)
        .astype("int64")
    )
    frame.index.names = ["day", "channel"]
    return frame


@pytest.mark.parametrize(
    "f",
    [
        RANGE,
        Filters(date(2026, 2, 20), date(2026, 3, 16), ("jd", "pdd")),
        Filters(date(2026, 3, 10), date(2026, 3, 10), shop_ids=(1,)),
    ],
)
def test_the_daily_trend_matches_pandas_for_every_day_and_channel(snap, facts, f):
    got = reports.daily_trend(snap, f, "admin").set_index(["day", "channel"])
    want = expected_trend(facts["orders"], f)
    assert len(got.index.get_level_values("day").unique()) == f.days
    nonzero = got[(got != 0).any(axis=1)]
    pd.testing.assert_frame_equal(nonzero.sort_index(), want.sort_index(), check_dtype=False)


def test_week_over_week_compares_each_day_with_the_same_weekday_before(snap, facts):
    totals = reports.daily_totals(snap, RANGE, "admin").set_index("day")
    by_day = expected_trend(facts["orders"], RANGE.earlier(7)).groupby(level="day").sum()
    for day, row in totals.iterrows():
        week_before = by_day["orders"].get(day - timedelta(days=7), 0)
        assert row["orders"] == by_day["orders"].get(day, 0)
        assert row["orders_week_before"] == week_before
        assert row["orders_wow"] == pytest.approx((row["orders"] - week_before) / week_before)
        assert row["gmv_cents"] == by_day["gmv_cents"].get(day, 0)


def test_provinces_are_bucketed_into_the_34_divisions_and_unknown(snap, facts):
    o = facts["orders"]
    o = o[_counted(o) & _in(o["created_at"], RANGE)]
    want = (
        o.assign(province=o["province"].map(lambda p: BUCKETS.get(p, p)), paid=o["paid_cents"].where(_paid(o), 0))
        .groupby("province")
        .agg(orders=("id", "size"), gmv_cents=("paid", "sum"))
    )
    got = reports.provinces(snap, RANGE, "admin").set_index("province")
    pd.testing.assert_frame_equal(got[["orders", "gmv_cents"]].sort_index(), want.sort_index(), check_dtype=False)
    assert not got.loc["未知", "on_map"]
    assert got.loc[["广东", "内蒙古", "新疆", "香港", "澳门", "台湾"], "on_map"].all()


def test_the_province_hour_matrix_counts_every_order_once(snap, facts):
    o = facts["orders"]
    o = o[_counted(o) & _in(o["created_at"], RANGE)]
    want = pd.crosstab(o["province"].map(lambda p: BUCKETS.get(p, p)), o["created_at"].dt.hour.astype("int64"))
    got = reports.province_hours(snap, RANGE, "admin")
    assert list(got.columns) == list(range(24))
    assert got.to_numpy().sum() == len(o)
    pd.testing.assert_frame_equal(got.loc[want.index, want.columns], want, check_dtype=False, check_names=False)
    assert list(got.sum(axis=1)) == sorted(got.sum(axis=1), reverse=True)


def test_return_reasons_count_returns_by_return_date(snap, facts):
    o = facts["orders"]
    returned = o[o["return_reason"].notna() & _in(o["returned_at"].fillna(o["created_at"]), RANGE)]
    want = returned["return_reason"].value_counts()
    got = reports.return_reasons(snap, RANGE, "admin").set_index("reason")
    assert got["returns"].to_dict() == want.to_dict()
    assert got["share"].sum() == pytest.approx(1.0)


def test_operations_kpis_match_pandas(snap, facts, now):
    o, events = facts["orders"], facts["events"]
    got = kpis.kpis(snap, RANGE, "admin", now).iloc[0]
    counted = o[_counted(o) & _in(o["created_at"], RANGE)]
    ever_held = set(events.loc[events["to_status"] == "on_hold", "order_id"]) | set(
        o.loc[o["status"] == "on_hold", "id"]
    )
    held = counted["id"].isin(ever_held)
    seller = counted["return_reason"].isin(SELLER_FAULT_RETURN_REASONS)
    address = counted["hold_reason"].fillna("").str.contains("address")
    assert got["counted_orders"] == len(counted)
    assert got["held_orders"] == held.sum()
    assert got["address_error_orders"] == address.sum()
    assert got["error_rate"] == pytest.approx((held | seller | address).sum() / len(counted))
    shipped = o[_in(o["shipped_at"], RANGE)]
    assert got["orders_handled_per_day"] == pytest.approx(len(shipped) / RANGE.days)
    hours = (shipped["shipped_at"] - shipped["paid_at"]).dt.total_seconds() / 3600
    assert got["avg_paid_to_shipped_hours"] == pytest.approx(hours.mean())
    paid = o[_in(o["paid_at"], RANGE)]
    deadline = paid["paid_at"] + pd.Timedelta(hours=48)
    base = paid["shipped_at"].notna() | ((paid["status"] != "cancelled") & (deadline < now))
    on_time = paid["shipped_at"] <= deadline
    assert got["on_time_rate"] == pytest.approx(on_time.sum() / base.sum())


def test_staff_throughput_counts_people_not_imports_or_workers(snap, facts):
    e = facts["events"]
    e = e[_in(e["at"], RANGE) & ~e["actor"].isin(["import", "system"]) & ~e["actor"].str.startswith("pull:")]
    per_day = e.groupby(["actor", e["at"].dt.date])["order_id"].nunique()
    got = kpis.staff_throughput(snap, RANGE, "admin").set_index("actor")
    assert set(got.index) == {"王芳", "李雷", "张伟"}
    assert got["orders"].to_dict() == per_day.groupby(level="actor").sum().to_dict()
    assert kpis.kpis(snap, RANGE, "admin", pd.Timestamp("2026-03-16")).iloc[0]["orders_per_staff_day"] == (
        pytest.approx(per_day.mean())
    )


def test_the_review_rules_holding_orders_are_not_counted_as_a_person(tmp_path):
    now = pd.Timestamp("2026-03-16 09:30").to_pydatetime()
    engine = open_store(f"sqlite:///{tmp_path / 'rules.db'}")
    factory.add_reference_data(engine, now)
    held = factory.random_order(random.Random(3), 1, now)
    held.events.append(
        {
            "at": now - timedelta(hours=2),
            "actor": "rules",
            "from_status": "paid",
            "to_status": "on_hold",
            "reason": "review",
        }
    )
    held.events.append(
        {
            "at": now - timedelta(hours=1),
            "actor": "王芳",
            "from_status": "on_hold",
            "to_status": "paid",
            "reason": "resumed",
        }
    )
    factory.write(engine, [held])
    snap = Snapshot(engine)
    try:
        got = kpis.staff_throughput(snap, Filters(date(2026, 3, 16), date(2026, 3, 16)), "admin")
    finally:
        snap.close()
        engine.dispose()
    assert got["actor"].tolist() == ["王芳"]


def _order_profit(facts: dict[str, pd.DataFrame], f: Filters) -> pd.DataFrame:
    o = facts["orders"]
    o = o[_in(o["created_at"], f) & o["paid_at"].notna() & (o["status"] != "cancelled")]
    lines = facts["lines"].merge(facts["skus"][["id", "unit_cost_cents"]], left_on="sku_id", right_on="id")
    cost = (lines["qty"] * lines["unit_cost_cents"]).groupby(lines["order_id"]).sum()
    bp = o["channel"].map(facts["channels"].set_index("code")["commission_bp"])
    o = o.assign(commission_cents=(o["paid_cents"] * bp + 5000) // 10000, cost_cents=o["id"].map(cost).fillna(0))
    return o.assign(profit_cents=o["paid_cents"] - o["cost_cents"] - o["commission_cents"] - o["shipping_cost_cents"])


def test_profit_by_channel_matches_pandas(snap, facts):
    want = (
        _order_profit(facts, RANGE)
        .groupby("channel")[["paid_cents", "commission_cents", "cost_cents", "profit_cents"]]
        .sum()
    )
    got = kpis.profit_by_channel(snap, RANGE, "admin").set_index("channel")
    pd.testing.assert_frame_equal(got[want.columns].sort_index(), want.sort_index(), check_dtype=False)
    assert np.allclose(got["profit_margin"], got["profit_cents"] / got["paid_cents"])


def test_promotion_losses_are_the_discounted_orders_with_negative_profit(snap, facts):
    p = _order_profit(facts, RANGE)
    want = p[(p["platform_discount_cents"] + p["seller_coupon_cents"] > 0) & (p["profit_cents"] < 0)]
    got = kpis.promotion_losses(snap, RANGE, "admin")
    assert len(want) > 0
    assert set(got["channel_order_no"]) == set(want["channel_order_no"])
    assert list(got["profit_cents"]) == sorted(got["profit_cents"])


def test_the_big_screen_tiles_match_pandas(snap, facts, now):
    o = facts["orders"]
    tiles = screen.screen(snap, "admin", now, days=7)
    midnight = pd.Timestamp(now.date())
    today = _counted(o) & (o["created_at"] >= midnight) & (o["created_at"] <= now)
    yesterday = (
        _counted(o)
        & (o["created_at"] >= midnight - pd.Timedelta(days=1))
        & (o["created_at"] <= now - timedelta(days=1))
    )
    assert tiles.today.iloc[0]["orders"] == today.sum()
    assert tiles.today.iloc[0]["orders_yesterday"] == yesterday.sum()
    paid_today = (o["paid_at"] >= midnight) & (o["paid_at"] <= now)
    assert tiles.today.iloc[0]["gmv_cents"] == o.loc[paid_today, "paid_cents"].sum()
    late = (o["status"] == "paid") & (o["paid_at"] + pd.Timedelta(hours=48) < now)
    assert tiles.backlog.iloc[0]["held_orders"] == (o["status"] == "on_hold").sum()
    assert tiles.backlog.iloc[0]["late_orders"] == late.sum()
    assert list(tiles.late["channel_order_no"]) == list(o[late].sort_values("paid_at")["channel_order_no"][:5])
    assert tiles.channels["orders"].sum() == (_counted(o) & (o["created_at"] >= midnight - pd.Timedelta(days=6))).sum()
    assert len(tiles.trend) == 7


def test_a_warehouse_clerk_sees_no_money_in_any_report(snap, now):
    for frame in (
        reports.daily_trend(snap, RANGE, "warehouse"),
        reports.daily_totals(snap, RANGE, "warehouse"),
        reports.provinces(snap, RANGE, "warehouse"),
        kpis.profit_by_channel(snap, RANGE, "warehouse"),
        screen.screen(snap, "warehouse", now).today,
    ):
        assert not [c for c in frame.columns if "cents" in c or c == "profit_margin"], frame.columns


def test_an_order_clerk_sees_sales_but_no_cost_or_profit(snap):
    profit = kpis.profit_by_channel(snap, RANGE, "clerk")
    assert "paid_cents" in profit.columns
    assert not {"cost_cents", "commission_cents", "profit_cents", "profit_margin"} & set(profit.columns)
