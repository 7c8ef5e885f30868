"""Reports on the analytics snapshot: order trend, provinces, province × hour, return reasons.

Definitions used throughout (and by core.analytics.kpis):
- an order *counts* once placed, unless it was cancelled before payment (never a sale);
- a day's orders are the counted orders created that day; its GMV is the paid amount (core.orders.figures)
  of the paid orders of that day; paid and shipped are the paid orders of that day / the orders
  shipped that day;
- date ranges are inclusive calendar days in business time (Asia/Shanghai).
Every function returns a DataFrame already masked for the role (masked(): core.identity.access.mask_frame
plus derived columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from core.analytics import china_map
from core.analytics.analytics import Snapshot
from core.identity.access import FIELD_KINDS, mask_frame, treatment
from core.orders import figures


def counted(alias: str = "") -> str:
    """SQL: the order counts (it was not cancelled before payment)."""
    prefix = f"{alias}." if alias else ""
    return f"NOT ({prefix}status = 'cancelled' AND {prefix}paid_at IS NULL)"


# Where return reasons come from. After-sales tickets will replace orders.return_reason: add a
# "tickets" TableSpec and an entry here with the same columns (reason, returned, channel, shop_id), then switch.
# Where return reasons come from: after-sales tickets once the store has any (every ticket, by the
# day it was opened, labelled in the viewer's language), else the orders' own return reason.
RETURN_REASON_SOURCES = {
    "tickets": "SELECT coalesce(r.label_{lang}, t.reason) AS reason, t.created_at AS returned, o.channel, o.shop_id "
    "FROM tickets t JOIN orders o ON o.id = t.order_id LEFT JOIN ticket_reasons r ON r.code = t.reason",
    "orders": "SELECT return_reason AS reason, coalesce(returned_at, created_at) AS returned, channel, shop_id "
    "FROM orders WHERE return_reason IS NOT NULL",
}


def return_reason_source(snap: Snapshot) -> str:
    has_tickets = snap.has_table("tickets") and snap.query("SELECT count(*) AS n FROM tickets")["n"][0] > 0
    return "tickets" if has_tickets else "orders"


def channel_names(snap: Snapshot) -> dict[str, str]:
    """The channels' codes and stored names, for the reports' channel picker."""
    return dict(snap.query("SELECT code, name FROM channels ORDER BY code").itertuples(index=False))


def shop_names(snap: Snapshot) -> dict[int, str]:
    """The shops' ids and names, for the reports' shop picker and the big screen's ?shop=."""
    return dict(snap.query("SELECT id, name FROM shops ORDER BY name").itertuples(index=False))


# A derived column is as secret as the field it comes from: gmv_cents_wow reveals gmv_cents.
DERIVED_FROM = {"profit_margin": "profit_cents"}
PROTECTED = sorted(set().union(*FIELD_KINDS.values()), key=len, reverse=True)


def masked(role: str, frame: pd.DataFrame) -> pd.DataFrame:
    """mask_frame, with derived columns (gmv_cents_wow, profit_margin) hidden wherever their base is."""
    hidden = [column for column in frame.columns if _hidden_derivative(role, column)]
    return mask_frame(role, frame.drop(columns=hidden))


def _hidden_derivative(role: str, column: object) -> bool:
    if not isinstance(column, str):
        return False
    base = DERIVED_FROM.get(column) or next((p for p in PROTECTED if column.startswith(p) and column != p), None)
    return base is not None and treatment(role, base) == "hide"


@dataclass(frozen=True)
class Filters:
    """What every report is narrowed by: inclusive dates, channels and shops (empty = all)."""

    start: date
    end: date
    channels: tuple[str, ...] = field(default_factory=tuple)
    shop_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def scope(self, alias: str = "") -> tuple[str, list]:
        """SQL condition and parameters for the channel and shop choice."""
        prefix = f"{alias}." if alias else ""
        parts, params = ["TRUE"], []
        if self.channels:
            parts.append(f"{prefix}channel IN ({', '.join('?' * len(self.channels))})")
            params += list(self.channels)
        if self.shop_ids:
            parts.append(f"{prefix}shop_id IN ({', '.join('?' * len(self.shop_ids))})")
            params += list(self.shop_ids)
        return " AND ".join(parts), params

    def between(self, column: str) -> tuple[str, list]:
        """column within the inclusive date range (a half-open timestamp range, index friendly)."""
        return f"{column} >= ? AND {column} < ?", [self.start, self.end + timedelta(days=1)]

    def earlier(self, days: int) -> Filters:
        return Filters(self.start - timedelta(days=days), self.end, self.channels, self.shop_ids)


def _daily_events(snap: Snapshot, f: Filters) -> pd.DataFrame:
    """Per day and channel: counted orders created, orders paid (with their GMV), orders shipped."""
    scope, scope_params = f.scope()
    sql, params = [], []
    for column, kind, cents, extra in (
        ("created_at", "created", "0", f"AND {counted()}"),
        (figures.paid_day(), "paid", "paid_cents", f"AND {figures.paid_order()}"),
        ("shipped_at", "shipped", "0", ""),
    ):
        window, window_params = f.between(column)
        sql.append(
            f"SELECT CAST({column} AS DATE) AS day, channel, '{kind}' AS kind, {cents} AS cents "
            f"FROM orders WHERE {scope} AND {window} {extra}"
        )
        params += scope_params + window_params
    query = f"""
        SELECT day, channel, count(*) FILTER (kind = 'created') AS orders,
               CAST(coalesce(sum(cents) FILTER (kind = 'paid'), 0) AS BIGINT) AS gmv_cents,
               count(*) FILTER (kind = 'paid') AS paid_orders, count(*) FILTER (kind = 'shipped') AS shipped_orders
        FROM ({" UNION ALL ".join(sql)}) GROUP BY day, channel ORDER BY day, channel"""
    frame = snap.query(query, params)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def totals(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """One row: core.orders.figures.FIGURES over the paid orders of the date range (by paid day) in scope."""
    scope, params = f.scope()
    window, window_params = f.between("paid_day")
    return masked(role, snap.query(figures.totals(f"{scope} AND {window}"), params + window_params))


def daily_trend(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """One row per day and channel: orders, gmv_cents, paid_orders, shipped_orders (zeros filled)."""
    frame = _daily_events(snap, f)
    channels = sorted(frame["channel"].unique()) or list(f.channels)
    grid = pd.MultiIndex.from_product([_days(f.start, f.end), channels], names=["day", "channel"])
    frame = frame.set_index(["day", "channel"]).reindex(grid, fill_value=0).reset_index()
    return masked(role, frame)


def daily_totals(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """One row per day, all channels together, with the same weekday a week before and the change."""
    frame = _daily_events(snap, f.earlier(7))
    measures = ["orders", "gmv_cents", "paid_orders", "shipped_orders"]
    totals = frame.groupby("day")[measures].sum().reindex(_days(f.start - timedelta(days=7), f.end), fill_value=0)
    for measure in ("orders", "gmv_cents"):
        before = totals[measure].shift(7)
        totals[f"{measure}_week_before"] = before
        totals[f"{measure}_wow"] = (totals[measure] - before) / before.where(before != 0)
    totals = totals.loc[f.start :].rename_axis("day").reset_index()
    return masked(role, totals)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _by_province(snap: Snapshot, f: Filters, measures: str) -> pd.DataFrame:
    """Counted orders created in the range grouped by province (and whatever else measures selects), bucketed."""
    scope, params = f.scope()
    window, window_params = f.between("created_at")
    frame = snap.query(
        f"SELECT province, country, {measures} FROM orders WHERE {scope} AND {window} AND {counted()} GROUP BY ALL",
        params + window_params,
    )
    places = zip(frame.pop("province"), frame.pop("country"), strict=True)
    frame.insert(0, "province", [china_map.bucket(province, country) for province, country in places])
    return frame


def provinces(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """Counted orders and GMV (their paid amount) per province bucket (mainland provinces, 香港/澳门/台湾,
    海外, 未知)."""
    frame = _by_province(snap, f, f"count(*) AS orders, {figures.paid_amount()} AS gmv_cents")
    frame = frame.groupby("province", as_index=False)[["orders", "gmv_cents"]].sum()
    frame["on_map"] = frame["province"].isin(china_map.on_map())
    frame = frame.sort_values(["orders", "province"], ascending=[False, True], ignore_index=True)
    return masked(role, frame)


def province_hours(snap: Snapshot, f: Filters, role: str) -> pd.DataFrame:
    """Counted orders by province bucket (rows, busiest first) and hour of creation (columns 0–23)."""
    frame = _by_province(snap, f, "CAST(hour(created_at) AS INTEGER) AS hour, count(*) AS orders")
    matrix = frame.pivot_table(index="province", columns="hour", values="orders", aggfunc="sum", fill_value=0)
    matrix = matrix.reindex(columns=range(24), fill_value=0).astype("int64")
    matrix = matrix.loc[matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    matrix.columns.name = "hour"
    return masked(role, matrix)


def return_reasons(snap: Snapshot, f: Filters, role: str, lang: str = "zh") -> pd.DataFrame:
    """Returns per reason in the date range (by return or ticket date), most frequent first."""
    scope, params = f.scope()
    window, window_params = f.between("returned")
    source = RETURN_REASON_SOURCES[return_reason_source(snap)].format(lang="en" if lang == "en" else "zh")
    frame = snap.query(
        f"SELECT reason, count(*) AS returns FROM ({source}) "
        f"WHERE {scope} AND {window} GROUP BY reason ORDER BY returns DESC, reason",
        params + window_params,
    )
    total = frame["returns"].sum()
    frame["share"] = frame["returns"] / total if total else 0.0
    return masked(role, frame)
