"""Every page's time to interactive in a real browser, through the real login, on the demo store and
on a 1M-order store; each next to the same app's lightest page in the same run (the ratio is the
figure: absolute times vary by machine).

Time to interactive: from the sidebar click (or the start of navigation, for a URL typed in) until
Streamlit says the page's script has finished (the app's `data-test-script-state` is `notRunning`,
after having been `running` for a click), the page's main element is drawn (its title, or its
charts: the reports' first chart, the big screen's SVG tiles), no skeleton is left, and all of that
stays so for half a second. "cold" is each page's first open by URL after the app started;
"url" and "click" are medians of RUNS later opens. Queue searches time a search typed into the
queue's box until its results are shown.

Stores are generated once a day into bench/.cache/ (not in git); BENCH_PAGES_SIZES picks the
sizes ("demo,1000000"). `python -m bench pages`; JSON in bench/results/pages.json.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench.analytics_data import build
from bench.common import write
from core import clock
from core.identity import users
from core.identity.users import DEMO_NAMES, DEMO_PASSWORDS
from core.store.db import MIGRATIONS, make_engine, migrate, transaction
from demo.shop import seed_demo
from ui import navigation

CACHE = Path(__file__).resolve().parent / ".cache"
SIZES = os.environ.get("BENCH_PAGES_SIZES", "demo,1000000").split(",")
RUNS = int(os.environ.get("BENCH_PAGES_RUNS", "3"))
ONLY = [name for name in os.environ.get("BENCH_PAGES_ONLY", "").split(",") if name]  # url paths; default all
ROLE = "admin"  # sees every page
TARGETS = {"click": 1.5, "url": 2.5}
# What shows that a page is there, beyond its title (CSS, inside the main area).
MAIN = {"big_screen": "svg.tv-chart", "reports": "svg.report-chart"}
STEADY_MS = 500
READY = """([main, who, before]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
  const area = document.querySelector('[data-testid="stMain"]');
  const side = document.querySelector('[data-testid="stSidebar"]');
  if (!area || !side || !side.textContent.includes(who) || !area.querySelector(main)) return null;
  const title = area.querySelector('h1')?.textContent ?? '';
  if (window.__benchRan === false && (before === null || title === before)) return null;
  if (area.querySelector('[data-testid="stSkeleton"]')) return null;
  return performance.now();
}"""
STATE = """() => [window.__benchRan, document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState,
  document.querySelector('[data-testid="stMain"] h1')?.textContent]"""
# Marks the start; a click or search counts as done only once a script run began after it (watched
# on the whole document: the app's root element can be replaced when a page changes the layout) or,
# for a click, once another page's title shows.
MARK = """() => {
  window.__benchRan = false;
  new MutationObserver(() => { window.__benchRan = true; })
    .observe(document.body, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
  window.__benchStart = performance.now();
  return document.querySelector('[data-testid="stMain"] h1')?.textContent ?? '';
}"""


def store(size: str) -> Path:
    """Today's store of this size (the demo, or `size` generated orders ending an hour ago), made
    again when the schema changed (a migration on the app's start would be timed as a page)."""
    revisions = " ".join(sorted(path.name for path in (MIGRATIONS / "versions").glob("*.py")))
    schema = hashlib.sha1(revisions.encode()).hexdigest()[:8]
    path = CACHE / f"pages_{size}_{clock.now():%Y%m%d}_{schema}.db"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    for old in CACHE.glob(f"pages_{size}_*.db*"):
        old.unlink()
    started, partial = time.perf_counter(), path.with_suffix(".tmp")
    partial.unlink(missing_ok=True)
    if size == "demo":
        engine = make_engine(f"sqlite:///{partial}")
        migrate(engine)
        seed_demo(engine)
    else:
        build(str(partial), int(size), clock.now() - timedelta(hours=1))
        engine = make_engine(f"sqlite:///{partial}")
        with transaction(engine) as conn:
            users.seed(conn, None, clock.now())
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    print(f"generated the {size} store in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def pages() -> list[navigation.PageSpec]:
    listed = [page for page in navigation.visible_pages(ROLE) if page.url_path != "supplier"]
    return [page for page in listed if not ONLY or page.url_path in ONLY]


def wait_ready(page, main: str, since: float, before: str | None = None) -> float:
    """Seconds from `since` (performance.now() in ms) until the page is interactive and stays so."""
    deadline, first = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        at = page.evaluate(READY, [main, DEMO_NAMES[ROLE], before])
        if at is None:
            first = None
        elif first is None:
            first = at
        elif at - first >= STEADY_MS:
            print(f"  {page.url}: {(first - since) / 1000:.2f} s", flush=True)
            return round((first - since) / 1000, 3)
        time.sleep(0.03)
    state = page.evaluate(STATE)
    raise TimeoutError(f"{page.url} never became interactive: {state}")


def by_url(page, url: str, spec: navigation.PageSpec) -> float:
    page.goto(f"{url}/{spec.url_path}", wait_until="commit")
    return wait_ready(page, MAIN.get(spec.url_path, "h1"), 0.0)


def by_click(page, spec: navigation.PageSpec) -> float:
    before = page.evaluate(MARK)
    page.evaluate(f"document.querySelector(\"[data-testid='stSidebarNav'] a[href$='/{spec.url_path}']\").click()")
    return wait_ready(page, MAIN.get(spec.url_path, "h1"), page.evaluate("window.__benchStart"), before)


def search(page, text: str) -> float:
    """A search typed into the queue's box, until its results are shown (then the box is cleared)."""
    box = page.get_by_label("搜索", exact=False).first
    box.fill(text)
    page.evaluate(MARK)
    box.press("Enter")
    seconds = wait_ready(page, "h1", page.evaluate("window.__benchStart"))
    page.evaluate(MARK)
    box.fill("")
    box.press("Enter")
    wait_ready(page, "h1", page.evaluate("window.__benchStart"))
    return seconds


def search_terms(path: Path) -> dict[str, str]:
    """A partial order number, a phone's last four digits, a whole phone and a SKU from the store."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        number, phone = conn.exec_driver_sql(
            "SELECT channel_order_no, phone FROM orders WHERE phone IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET 500"
        ).one()
        sku = conn.exec_driver_sql("SELECT sku FROM skus ORDER BY id LIMIT 1").scalar_one()
    engine.dispose()
    return {"partial_number": number[-9:-2], "phone_last4": phone[-4:], "phone": phone, "sku": sku}


def measure(browser, size: str) -> dict:
    from tests import browser as chromium

    path = store(size)
    folder = CACHE / f"logs_{size}"
    folder.mkdir(exist_ok=True)
    specs = pages()
    with chromium.running_app(f"sqlite:///{path}", folder) as url:
        page = chromium.log_in(browser, url, ROLE, DEMO_PASSWORDS[ROLE], viewport=(1440, 900))
        cold = {spec.url_path: by_url(page, url, spec) for spec in specs}
        warm = {spec.url_path: [by_url(page, url, spec) for _ in range(RUNS)] for spec in specs}
        clicks: dict[str, list[float]] = {spec.url_path: [] for spec in specs}
        for _ in range(RUNS):
            for spec in specs:
                clicks[spec.url_path].append(by_click(page, spec))
        by_url(page, url, navigation.spec("pages/queue.py"))
        searches = {name: search(page, text) for name, text in search_terms(path).items()}
        page.context.close()
    # Other work on the machine slows every page alike; the ratios are what compare across runs.
    return summary(cold, warm, clicks) | {"queue_search_seconds": searches, "load_average": os.getloadavg()}


def summary(cold: dict, warm: dict, clicks: dict) -> dict:
    """Per page: cold, median URL and click seconds, and each as a ratio to the lightest page."""
    url = {name: statistics.median(times) for name, times in warm.items()}
    click = {name: statistics.median(times) for name, times in clicks.items()}
    lightest = min(click, key=click.get)
    rows = {}
    for name in cold:
        rows[name] = {
            "cold_url_seconds": cold[name],
            "url_seconds": url[name],
            "click_seconds": click[name],
            "click_ratio": round(click[name] / click[lightest], 2),
            "url_ratio": round(url[name] / url[lightest], 2),
            "cold_ratio": round(cold[name] / url[lightest], 2),
            "meets_targets": click[name] <= TARGETS["click"] and max(url[name], cold[name]) <= TARGETS["url"],
        }
    return {"lightest_page": lightest, "pages": rows}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    results = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for size in SIZES:
            results[size] = measure(browser, size)
            print(f"{size}: done", flush=True)
        browser.close()
    write("pages", {"targets_seconds": TARGETS, "runs": RUNS, "stores": results})


if __name__ == "__main__":
    main()
