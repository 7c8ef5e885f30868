"""The big screen in a real browser (Debian chromium) at TV resolution, with a screenshot to look at."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import analytics_factory as factory
import pytest

from core import clock, screen
from core.analytics import Snapshot
from tests.browser import launch, needs_chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "tests" / "artifacts" / "big_screen_1920x1080.png"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def screen_server(tmp_path):
    """Streamlit serving the big screen (behind a stand-in login) over a store that ends now."""
    url = f"sqlite:///{tmp_path / 'orderhub.db'}"
    engine = factory.store_ending_now(url, 1500)
    port = _free_port()
    env = {
        **os.environ,
        "ORDERHUB_DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "ORDERHUB_HARNESS_ROLE": "manager",
        "ORDERHUB_SCREEN_REFRESH_SECONDS": "3",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "tests/analytics/page_harness.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(port)
        yield f"http://127.0.0.1:{port}", engine
    finally:
        server.terminate()
        server.wait(timeout=20)
        engine.dispose()


def _wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("streamlit did not become healthy within 60 s")


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


def test_the_big_screen_fills_a_tv_and_shows_a_new_order_without_a_reload(screen_server):
    from playwright.sync_api import sync_playwright

    base, engine = screen_server
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{base}/?period=7")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=60_000)
        page.wait_for_timeout(1000)  # let plotly finish its layout pass before the picture
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACT))
        text = page.inner_text("body")
        overflow = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        sidebar = page.locator('[data-testid="stSidebar"]').is_visible()
        errors = page.locator('[data-testid="stException"]').count()
        before = int(page.locator(".tv-value").first.inner_text().replace(",", ""))
        arrive_now(engine)  # a new order comes in; nobody touches the TV
        page.wait_for_function(f"document.querySelector('.tv-value').innerText === '{before + 1:,}'", timeout=30_000)
        browser.close()
    want = screen.screen(Snapshot(engine), "manager", clock.now(), 7)  # includes the new order
    for label in ("今日订单", "今日成交额", "挂起订单", "超时未发货", "订单地区分布", "退货原因", "渠道订单"):
        assert label in text
    assert want.today.iloc[0]["orders"] == before + 1
    assert errors == 0 and not sidebar
    assert overflow <= 1080, f"the screen scrolls ({overflow}px): a TV cannot scroll"
    assert ARTIFACT.stat().st_size > 50_000
