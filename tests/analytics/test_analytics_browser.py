"""The big screen in a real browser (Debian chromium), logged in through the real login page and
drawn in the real app frame, on a full-HD and a 4K TV and a laptop, with screenshots to look at."""

from __future__ import annotations

import random
from datetime import timedelta

import analytics_factory as factory
import pytest

from core import clock
from core.analytics import screen
from core.analytics.analytics import Snapshot
from core.identity import users
from core.store.db import transaction
from tests import browser as chromium
from tests.browser import ROOT, needs_chromium

ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "manager-pass-2026"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]

# Where each tile, each chart and each chart's texts are on the page, in CSS pixels.
MEASURE = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    width: innerWidth, height: innerHeight,
    scroll: Math.max(main.scrollHeight, document.documentElement.scrollHeight),
    tiles: [...document.querySelectorAll('.tv-card, .tv-tile')].map((tile) => ({
      box: box(tile),
      charts: [...tile.querySelectorAll('svg.tv-chart')].map(box),
      bars: tile.querySelectorAll('svg.tv-chart rect.bar').length,
      texts: [...tile.querySelectorAll('svg.tv-chart text')].filter((t) => t.textContent.trim())
        .map((t) => ({text: t.textContent, box: box(t)})),
    })),
  };
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app over a store whose orders end now, with a manager who logs in through the form."""
    folder = tmp_path_factory.mktemp("screen")
    database = f"sqlite:///{folder / 'orderhub.db'}"
    engine = factory.store_ending_now(database, 1500)
    with transaction(engine) as conn:
        users.create(conn, "manager", "manager", PASSWORD, name=users.DEMO_NAMES["manager"], rounds=4)
    try:
        with chromium.running_app(database, folder, ORDERHUB_SCREEN_REFRESH_SECONDS="3") as url:
            yield url, engine
    finally:
        engine.dispose()


def open_screen(browser, url: str, size: tuple[int, int], query: str = ""):
    page = chromium.log_in(browser, url, "manager", PASSWORD, viewport=size)
    page.goto(f"{url}/big_screen{query}")
    page.wait_for_function("document.querySelectorAll('.tv-tile svg.tv-chart').length >= 4", timeout=90_000)
    page.wait_for_timeout(500)  # fonts settle before the picture
    return page


def intersect(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def inside(inner: list[float], outer: list[float]) -> bool:
    return (
        inner[0] >= outer[0] - 1 and inner[1] >= outer[1] - 1 and inner[2] <= outer[2] + 1 and inner[3] <= outer[3] + 1
    )


def assert_fits_without_overlap(layout: dict) -> None:
    size = f"{layout['width']}x{layout['height']}"
    assert layout["scroll"] <= layout["height"], f"the screen scrolls at {size}: {layout['scroll']}px"
    tiles = layout["tiles"]
    assert len(tiles) == 4 + 5  # the number cards and the tiles
    screen_box = [0, 0, layout["width"], layout["height"]]
    for n, tile in enumerate(tiles):
        assert inside(tile["box"], screen_box), f"tile {n + 1} is cut off at {size}"
        assert all(inside(chart, tile["box"]) for chart in tile["charts"]), f"a chart leaves tile {n + 1} at {size}"
        texts = tile["texts"]
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                assert not intersect(a["box"], b["box"]), f"{a['text']!r} overlaps {b['text']!r} at {size}"
    for i, a in enumerate(tiles):
        for b in tiles[i + 1 :]:
            assert not intersect(a["box"], b["box"])
    # The board fills the screen it is on (its 16:9 part): a 4K TV shows it as large, not in a quarter.
    board = min(layout["height"], layout["width"] * 9 / 16)
    assert max(tile["box"][3] for tile in tiles) >= 0.9 * board, f"the board is too small at {size}"


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_the_big_screen_fills_a_tv_exactly_through_the_real_login(browser, app, size):
    url, _ = app
    page = open_screen(browser, url, size)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"big_screen_{size[0]}x{size[1]}.png"
    page.screenshot(path=str(shot))
    layout = page.evaluate(MEASURE)
    text = page.inner_text("body")
    errors = page.locator('[data-testid="stException"]').count()
    page.context.close()
    for label in ("今日订单", "今日成交额", "挂起订单", "超时未发货", "订单地区分布", "退货原因", "渠道订单"):
        assert label in text
    assert errors == 0
    assert_fits_without_overlap(layout)
    assert shot.stat().st_size > 50_000


def test_nothing_overlaps_on_a_laptop_over_thirty_days(browser, app):
    url, _ = app
    page = open_screen(browser, url, (1440, 900), "?period=30")
    page.screenshot(path=str(ARTIFACTS / "big_screen_1440x900_30_days.png"))
    layout = page.evaluate(MEASURE)
    page.context.close()
    assert_fits_without_overlap(layout)
    assert layout["tiles"][4]["bars"] == 30  # a bar a day; their labels and numbers checked above for overlap


def arrive_now(engine) -> None:
    plan = factory.random_order(random.Random(1), 99_999, clock.now())
    plan.row.update(
        created_at=clock.now() - timedelta(seconds=5),
        status="pending_payment",
        paid_at=None,
        shipped_at=None,
        cancelled_at=None,
        updated_at=clock.now(),
    )
    plan.events = plan.events[:1]
    factory.write(engine, [plan])


def test_a_new_order_reaches_the_big_screen_without_a_reload(browser, app):
    url, engine = app
    page = open_screen(browser, url, (1920, 1080))
    before = int(page.locator(".tv-value").first.inner_text().replace(",", ""))
    arrive_now(engine)  # a new order comes in; nobody touches the TV
    page.wait_for_function(f"document.querySelector('.tv-value').innerText === '{before + 1:,}'", timeout=30_000)
    page.context.close()
    want = screen.screen(Snapshot(engine), "manager", clock.now(), 7)  # includes the new order
    assert want.today.iloc[0]["orders"] == before + 1
