"""The team stack for real (ops.teamdemo, the core of `make team-demo`): a private PostgreSQL,
two Streamlit replicas, a worker and nginx with deploy/'s config; checked through nginx only."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select
from websockets.sync.client import connect

from core.identity import users
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.orders import store_checks
from core.orders.tables import orders
from core.store.db import ROOT, make_engine
from demo.shop import demo_order
from ops import nginx
from ops.pgcluster import bin_dir
from ops.teamdemo import Ports, Stack, is_alive
from tests.browser import launch, needs_chromium
from tests.team.conftest import free_port


def _nginx_or_skip() -> None:
    try:
        nginx.binary()
    except FileNotFoundError:
        if os.geteuid() != 0:
            pytest.skip("nginx is not installed and only root may apt-get install it")
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True, capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    _nginx_or_skip()
    bin_dir()
    home = ROOT / "data" / "team" / f"test-demo-{uuid.uuid4().hex[:8]}"
    ports = Ports(nginx=free_port(), postgres=free_port(), replicas=[free_port(), free_port()])
    running = Stack(home, ports)
    try:
        running.up(demo_data=False)
        yield running
    finally:
        running.down()
        shutil.rmtree(home, ignore_errors=True)


def _route(response: httpx.Response) -> str:
    return re.search(r"orderhub_route=([0-9a-f]+)", response.headers["set-cookie"]).group(1)


def _upstreams(stack: Stack, route: str, at_least: int = 1) -> list[str]:
    """Which replica served each request of the route, from nginx's access log (a request that
    found its replica dead lists every one tried: "dead:port, live:port"; the last one served it).
    nginx writes the line just after the response, so wait until the expected lines are there."""
    deadline = time.monotonic() + 10
    while True:
        log = (stack.home / "nginx" / "access.log").read_text()
        served = [tried.split(", ")[-1] for tried in re.findall(rf"route={route} upstream=(.+?) rt=", log)]
        if len(served) >= at_least or time.monotonic() > deadline:
            return served
        time.sleep(0.05)


def test_through_nginx_the_health_check_the_page_and_the_websocket_all_answer(stack):
    assert httpx.get(stack.url + "_stcore/health").text == "ok"
    page = httpx.get(stack.url)
    assert page.status_code == 200 and '<div id="root">' in page.text
    headers = {"Cookie": f"orderhub_route={_route(page)}"}
    with connect(f"ws://127.0.0.1:{stack.ports.nginx}/_stcore/stream", additional_headers=headers) as socket:
        assert socket.response.status_code == 101  # upgraded through nginx to the replica


def test_requests_with_the_same_route_cookie_reach_the_same_replica(stack):
    routes = [_route(httpx.get(stack.url)) for _ in range(12)]
    for route in routes[:3]:
        for _ in range(4):
            assert httpx.get(stack.url, cookies={"orderhub_route": route}).status_code == 200
        assert len(set(_upstreams(stack, route, at_least=5))) == 1
    first_replicas = {_upstreams(stack, route)[0] for route in routes}
    assert len(first_replicas) == 2  # new sessions are spread over both replicas


@needs_chromium
def test_in_a_real_browser_the_app_runs_through_nginx_on_one_replica(stack):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(stack.url)
        # An element the app's script rendered: it ran on the replica, over the websocket.
        page.locator('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]').first.wait_for(
            timeout=30_000
        )
        assert page.locator('[data-testid="stException"]').count() == 0
        (route,) = [c["value"] for c in page.context.cookies() if c["name"] == "orderhub_route"]
        browser.close()
    websocket = rf'"GET /_stcore/stream HTTP/1.1" 101 \d+ route={route} '  # logged when it closes
    deadline = time.monotonic() + 10
    while not re.search(websocket, (stack.home / "nginx" / "access.log").read_text()):
        assert time.monotonic() < deadline, "the browser's websocket never went through nginx"
        time.sleep(0.1)
    assert len(set(_upstreams(stack, route))) == 1  # page, scripts and websocket: one replica


def test_a_killed_replicas_users_move_to_the_other_and_the_store_keeps_everything(stack):
    route = _route(httpx.get(stack.url))
    (home,) = set(_upstreams(stack, route))
    victim = f"replica-{stack.ports.replicas.index(int(home.rsplit(':', 1)[1])) + 1}"
    store = make_engine(stack.database_url)
    rng = random.Random(8)
    placed = [demo_order(rng, datetime(2026, 11, 26, 9, n)) for n in range(20)]
    ingest(store, placed, actor="客服-小王")
    stack.kill(victim)
    for _ in range(3):
        assert httpx.get(stack.url, cookies={"orderhub_route": route}).status_code == 200
    served = _upstreams(stack, route, at_least=4)
    assert served[-1] != home and len(set(served[-3:])) == 1  # moved, and stays on its new replica
    headers = {"Cookie": f"orderhub_route={route}"}
    with connect(f"ws://127.0.0.1:{stack.ports.nginx}/_stcore/stream", additional_headers=headers) as socket:
        assert socket.response.status_code == 101  # the browser reconnects: a new session there
    with store.connect() as conn:  # what was committed before the crash is all there
        # (the worker's demo feed adds orders of its own meanwhile)
        numbers = [order.channel_order_no for order in placed]
        kept = select(func.count()).where(orders.c.channel_order_no.in_(numbers))
        assert conn.execute(kept).scalar_one() == 20
        assert store_checks.invariant_violations(conn) == []
    store.dispose()
    stack.respawn(victim)  # systemd would restart it; the next drill needs both replicas


@needs_chromium
def test_a_user_whose_replica_dies_carries_on_from_the_other_replica(stack):
    store = make_engine(stack.database_url)
    users.add_user(store, Actor("admin", "admin"), "wang.clerk", "clerk", "Clerk-pass-2026", name="王小明")
    store.dispose()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(30_000)
        page.goto(stack.url)
        _log_in(page)
        (route,) = [c["value"] for c in page.context.cookies() if c["name"] == "orderhub_route"]
        (home,) = set(_upstreams(stack, route))
        stack.kill(f"replica-{stack.ports.replicas.index(int(home.rsplit(':', 1)[1])) + 1}")
        page.reload()
        # The session died with its replica. The login cookie is signed with the key every replica
        # shares, so the other one usually recognises the user; otherwise the user logs in again.
        if not _recognised(page):
            _log_in(page)
        browser.close()
    assert _upstreams(stack, route)[-1] != home


def _recognised(page, seconds: float = 30) -> bool:
    """After a reload: True once the user's name shows, False once the login form shows."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.locator("text=王小明 >> visible=true").count():
            return True
        if page.locator("input[type=password] >> visible=true").count():
            return False
        page.wait_for_timeout(250)
    raise AssertionError(f"after the reload the page showed neither user nor login: {page.inner_text('body')[:200]}")


def _log_in(page) -> None:
    page.get_by_label("用户名").fill("wang.clerk")
    page.get_by_label("密码").fill("Clerk-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.locator("text=王小明 >> visible=true").first.wait_for()


def test_stopping_the_stack_leaves_no_process_behind(stack):
    pids = dict(stack.pids)
    stack.down()
    assert not [name for name, pid in pids.items() if is_alive(pid)]
    assert not (stack.cluster.data / "postmaster.pid").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(stack.url + "_stcore/health")
