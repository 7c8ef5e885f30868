"""The morning big screen: every tile's numbers in one call on the analytics snapshot.

Today is compared with yesterday up to the same time of day (a 9 a.m. screen against all of
yesterday would always look like a collapse). Late means paid, not shipped and past the
on-time deadline of core.analytics.kpis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from core.analytics import reports
from core.analytics.analytics import Snapshot
from core.analytics.kpis import ON_TIME_HOURS
from core.analytics.reports import Filters, counted, masked
from core.orders import figures

PERIODS = (7, 14, 30, 90)
LATE_LIST = 5


@dataclass
class Screen:
    """What the six tiles show."""

    today: pd.DataFrame  # one row: orders / gmv today and yesterday at the same time
    trend: pd.DataFrame  # daily totals over the period
    provinces: pd.DataFrame
    return_reasons: pd.DataFrame
    backlog: pd.DataFrame  # one row: held and late order counts
    late: pd.DataFrame  # the longest-waiting late orders
    channels: pd.DataFrame  # orders and GMV per channel over the period


def screen(
    snap: Snapshot, role: str, now: datetime, days: int = 7, shop_ids: tuple[int, ...] = (), lang: str = "zh"
) -> Screen:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    f = Filters(midnight.date() - timedelta(days=days - 1), midnight.date(), shop_ids=shop_ids)
    return Screen(
        today=_today(snap, f, role, now, midnight),
        trend=reports.daily_totals(snap, f, role),
        provinces=reports.provinces(snap, f, role),
        return_reasons=reports.return_reasons(snap, f, role, lang),
        backlog=_backlog(snap, f, role, now),
        late=_late(snap, f, role, now),
        channels=_channels(snap, f, role),
    )


def _today(snap: Snapshot, f: Filters, role: str, now: datetime, midnight: datetime) -> pd.DataFrame:
    scope, params = f.scope()
    today, yesterday = [midnight, now], [midnight - timedelta(days=1), now - timedelta(days=1)]
    paid_between = f"{figures.paid_day()} BETWEEN ? AND ?"
    frame = snap.query(
        f"""
        SELECT count(*) FILTER (created_at BETWEEN ? AND ? AND {counted()}) AS orders,
               count(*) FILTER (created_at BETWEEN ? AND ? AND {counted()}) AS orders_yesterday,
               {figures.paid_amount(also=paid_between)} AS gmv_cents,
               {figures.paid_amount(also=paid_between)} AS gmv_cents_yesterday
        FROM orders WHERE (created_at >= ? OR paid_at >= ?) AND {scope}""",
        [*today, *yesterday, *today, *yesterday, yesterday[0], yesterday[0], *params],
    )
    return masked(role, frame)


def _backlog(snap: Snapshot, f: Filters, role: str, now: datetime) -> pd.DataFrame:
    scope, params = f.scope()
    return masked(
        role,
        snap.query(
            f"""
        SELECT count(*) FILTER (status = 'on_hold') AS held_orders,
               count(*) FILTER (status = 'paid' AND paid_at + INTERVAL {ON_TIME_HOURS} HOUR < ?) AS late_orders,
               count(*) FILTER (status = 'paid') AS awaiting_shipment
        FROM orders WHERE status IN ('on_hold', 'paid') AND {scope}""",
            [now, *params],
        ),
    )


def _late(snap: Snapshot, f: Filters, role: str, now: datetime) -> pd.DataFrame:
    scope, params = f.scope("o")
    return masked(
        role,
        snap.query(
            f"""
        SELECT o.channel_order_no, s.name AS shop, o.province, o.paid_at,
               CAST(epoch(? - o.paid_at) / 3600 AS INTEGER) AS hours_waiting
        FROM orders o JOIN shops s ON s.id = o.shop_id
        WHERE o.status = 'paid' AND o.paid_at + INTERVAL {ON_TIME_HOURS} HOUR < ? AND {scope}
        ORDER BY o.paid_at, o.id LIMIT {LATE_LIST}""",
            [now, now, *params],
        ),
    )


def _channels(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    scope, params = f.scope("o")
    window, window_params = f.between("o.created_at")
    return masked(
        role,
        snap.query(
            f"""
        SELECT o.channel, coalesce(c.name, o.channel) AS channel_name, count(*) AS orders,
               {figures.paid_amount("o")} AS gmv_cents
        FROM orders o LEFT JOIN channels c ON c.code = o.channel
        WHERE {scope} AND {window} AND {counted("o")}
        GROUP BY ALL ORDER BY orders DESC""",
            [*params, *window_params],
        ),
    )
