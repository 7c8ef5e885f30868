"""Property: however a day's pulls are split into overlapping windows, and whatever changed on the
platform between them, the store ends the same as after one pull at the end of the day."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from connectors import sync
from core.orders import store_checks
from core.orders.tables import order_lines, orders
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store.db import make_engine, migrate, transaction
from tests.connectors_api.conftest import make_connector
from tests.connectors_api.kits import TAOBAO
from tests.connectors_api.servers.base import serving

DAY = datetime(2026, 11, 20, 0, 0, 0)
END = DAY + timedelta(hours=12)
SKUS = ["PET-FOOD-2KG", "CAT-LITTER-10L", "DOG-LEASH-M"]


def _versions(later: str) -> list[dict]:
    """Twenty orders over the morning; every third changes to `later` 45 minutes after payment."""
    versions = []
    for n in range(20):
        placed = DAY + timedelta(minutes=7 + 31 * n)
        lines = [(SKUS[n % 3], 1 + n % 2, "59.90")]
        versions.append(TAOBAO.order(n, "paid", placed, lines))
        if n % 3 == 0:
            versions.append(TAOBAO.order(n, later, placed + timedelta(minutes=45), lines))
    return versions


def _store_state(engine) -> tuple:
    """What must not depend on the windows (local timestamps of our own transitions aside)."""
    with engine.connect() as conn:
        order_rows = conn.execute(
            select(
                orders.c.channel_order_no,
                orders.c.status,
                orders.c.platform_status,
                orders.c.goods_cents,
                orders.c.paid_cents,
                orders.c.platform_updated_at,
                orders.c.buyer,
            ).order_by(orders.c.channel_order_no)
        ).all()
        line_rows = conn.execute(
            select(orders.c.channel_order_no, order_lines.c.qty, skus.c.sku)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .join(skus, skus.c.id == order_lines.c.sku_id)
            .order_by(orders.c.channel_order_no, skus.c.sku)
        ).all()
        stock_rows = conn.execute(select(skus.c.sku, skus.c.on_hand, skus.c.reserved).order_by(skus.c.sku)).all()
        assert store_checks.invariant_violations(conn) == []
    return tuple(map(tuple, order_rows)), tuple(map(tuple, line_rows)), tuple(map(tuple, stock_rows))


def _fresh_store(template: Path, tmp: Path, name: str):
    target = tmp / f"{name}.db"
    shutil.copy(template, target)
    return make_engine(f"sqlite:///{target}")


def _pull_at(versions, times: list[datetime], window: timedelta, template: Path, tmp: Path, name: str) -> tuple:
    """Pull at each time, the platform holding every order version changed by then."""
    engine = _fresh_store(template, tmp, name)
    server = TAOBAO.platform()
    with serving(server) as url:
        connector = make_connector(TAOBAO, url, engine, start=DAY)
        connector.max_window = window
        for moment in times:
            server.put(*[v for v in versions if server.modified_of(v) <= moment])
            sync.pull(engine, connector, now=moment)
        connector.close()
    result = _store_state(engine)
    engine.dispose()
    return result


def _template(tmp: Path) -> Path:
    path = tmp / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with transaction(engine) as conn:
        for code, sku_id in stock.ensure_skus(conn, SKUS, DAY).items():
            stock.receive(conn, sku_id, 100, "test", f"opening stock of {code}", DAY)
    engine.dispose()
    return path


def _same_store_however_split(tmp: Path, later: str, minutes: list[int], window_minutes: int) -> None:
    template, versions = _template(tmp), _versions(later)
    once = _pull_at(versions, [END], timedelta(days=1), template, tmp, "once")
    times = [DAY + timedelta(minutes=m) for m in sorted(minutes)] + [END]
    assert _pull_at(versions, times, timedelta(minutes=window_minutes), template, tmp, "split") == once


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    minutes=st.lists(st.integers(min_value=1, max_value=12 * 60 - 1), min_size=1, max_size=5, unique=True),
    window_minutes=st.sampled_from([47, 120, 24 * 60]),
)
def test_any_split_into_overlapping_pull_windows_gives_the_same_store(tmp_path_factory, minutes, window_minutes):
    _same_store_however_split(tmp_path_factory.mktemp("split"), "cancelled", minutes, window_minutes)


def test_an_order_shipped_between_pulls_leaves_the_same_stock_as_one_seen_shipped(tmp_path):
    _same_store_however_split(tmp_path, "shipped", [131], 47)
