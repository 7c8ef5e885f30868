"""Debian's chromium for the real-browser tests: one launch recipe, one skip rule, the real app
started on a free port, and a login through its form."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.identity.users import DEMO_NAMES
from ui.auth import COOKIE_NAME

ROOT = Path(__file__).resolve().parents[1]
WAIT_MS = 30_000
COOKIE_KEY = "browser-test-cookie-key-0123456789"

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags chromium keeps trying hosts this machine cannot reach.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium: run `make test-deps` as root (apt-get install chromium fonts-noto-cjk); "
    "Playwright never downloads a browser here",
)


def launch(playwright):
    """A headless Debian chromium driven by Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(database: str, folder: Path, **env: str) -> Iterator[str]:
    """`streamlit run app.py` over the store at `database`, on a free port; yields its URL."""
    port = free_port()
    env = os.environ | {"ORDERHUB_DATABASE_URL": database, "ORDERHUB_COOKIE_KEY": COOKIE_KEY} | env
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with open(folder / "streamlit.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process, folder / "streamlit.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail("streamlit did not become healthy within 60 s")


def log_in(browser, url: str, username: str, password: str, viewport: tuple[int, int] = (1400, 1400), shot=None):
    """A fresh browser context logged in through the login form; returns the page. `shot`, if
    given, is called with the page while it shows the form."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.get_by_label("用户名").wait_for()
    if shot:
        shot(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(DEMO_NAMES[username]).wait_for()
    _wait_for_login_cookie(context)  # written by a component in the page, a moment after the name shows
    return page


def _wait_for_login_cookie(context) -> None:
    """Opening another URL starts a new session, which logs in from the cookie; on a busy machine
    the page can show the user before its cookie component has run."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not any(cookie["name"] == COOKIE_NAME for cookie in context.cookies()):
        assert time.monotonic() < deadline, "the login cookie was never set"
        time.sleep(0.1)
