"""Real browser journeys: Debian's chromium driven by Playwright against `streamlit run app.py`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_pages import ROOT
from app_shop import NOW, PASSWORD, PHONES, fill, order
from playwright.sync_api import expect
from sqlalchemy import select, update

from core.aftersales.tables import tickets
from core.i18n import t
from core.identity.access import Actor
from core.intake import ingest
from core.orders.tables import orders
from core.restock import stock_levels
from core.stock.tables import skus
from core.store.db import make_engine, migrate, transaction
from tests import browser as chromium
from tests.browser import needs_chromium

ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@dataclass
class Server:
    url: str
    engine: object
    ids: dict[str, int]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """The app on a free port over a filled temporary store."""
    folder = tmp_path_factory.mktemp("browser")
    database = f"sqlite:///{folder / 'orderhub.db'}"
    engine = make_engine(database)
    migrate(engine)
    ids = fill(engine)
    try:
        with chromium.running_app(database, folder) as url:
            yield Server(url, engine, ids)
    finally:
        engine.dispose()


def log_in(browser, server: Server, username: str, login_shot: str | None = None):
    """A fresh browser context logged in through the form; returns the page."""
    return chromium.log_in(
        browser, server.url, username, PASSWORD, shot=(lambda page: shot(page, login_shot)) if login_shot else None
    )


def open_path(page, server: Server, path: str, heading: str, wait_for: str | None = None) -> None:
    """Open a page and wait for its heading and, if given, a text it draws: in view, or in a table's
    cells (a data grid paints a canvas and keeps its cells in the DOM only for screen readers)."""
    page.goto(f"{server.url}/{path}")
    page.get_by_role("heading", name=heading).first.wait_for()
    if wait_for:
        page.get_by_text(wait_for).first.wait_for(state="attached")


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")  # tables and charts draw after the text
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_clerk_ships_a_held_order_once_it_is_restocked(browser, server):
    page = log_in(browser, server, "clerk")
    open_path(page, server, "order?order=JD300000000004", "订单详情", "DOG-LEASH-M 需 1 可用 0")
    assert page.get_by_role("heading", name="JD300000000004 · 已挂起").is_visible()

    stock_levels.adjust(
        server.engine, Actor("张仓管", "warehouse"), "DOG-LEASH-M", 3, "供应商到货"
    )  # the warehouse restocks
    open_path(page, server, "order?order=JD300000000004", "订单详情", "已挂起 → 已支付")
    assert page.get_by_role("heading", name="JD300000000004 · 已支付").is_visible()

    page.get_by_role("button", name="出库发货").click()
    page.get_by_text("确定对 1 个订单执行「出库发货」吗？").wait_for()
    page.get_by_role("button", name="确定").click()
    page.get_by_text("已完成 1 个订单：JD300000000004").wait_for()
    page.get_by_role("heading", name="JD300000000004 · 已出库").wait_for()
    page.get_by_text("已支付 → 已出库").first.wait_for()
    with server.engine.connect() as conn:
        row = conn.execute(
            select(orders.c.status, orders.c.tracking_no).where(orders.c.channel_order_no == "JD300000000004")
        ).one()
    assert row.status == "shipped" and row.tracking_no == f"SF{server.ids['JD300000000004']:012d}"
    shot(page, "order_shipped_by_clerk")
    page.context.close()


def test_a_warehouse_user_never_receives_a_phone_number_or_a_price(browser, server):
    page = log_in(browser, server, "warehouse")
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda frame: frames.append(frame if isinstance(frame, bytes) else frame.encode())
        ),
    )
    html = []
    # Each page is read once the text it draws last, or the data looked for, is there.
    visits = [("warehouse", "仓库作业", "拣货单"), ("stock", "库存", "PET-FOOD-2KG")]
    visits += [(f"order?order={number}", "订单详情", "处理记录") for number in server.ids]
    visits += [("order?order=TB20261120001", "订单详情", "张伟")]
    for path, heading, marker in visits:
        open_path(page, server, path, heading, marker)
        html.append(page.content())
    everything = "\n".join(html)
    assert "张伟" in everything and "PET-FOOD-2KG" in everything  # the pages did render their data
    assert any(b"CAT-LITTER-10L" in frame for frame in frames)  # and the frames were captured
    for phone in PHONES:
        assert phone not in everything and phone[-4:] + "</" not in everything
        assert not any(phone.encode() in frame for frame in frames), f"{phone} reached the browser"
    for price in ("¥", "89.00", "45.00", "单价", "实付", "成本"):
        assert price not in everything, f"{price} shown to the warehouse"
    assert not any("单价".encode() in frame or b"unit_price" in frame for frame in frames)
    page.context.close()


def test_a_page_the_role_may_not_use_answers_with_a_polite_refusal(browser, server):
    page = log_in(browser, server, "warehouse")
    open_path(page, server, "admin_users", "用户管理", "不能使用此页面")
    assert "Traceback" not in page.content()
    # The router answers for every page, including those that do not guard themselves.
    open_path(page, server, "returns", t("aftersales.page.title"), "不能使用此页面")
    assert not page.get_by_role("button").filter(has_text="工单").count()
    shot(page, "refusal_for_warehouse")
    page.context.close()


def test_every_main_page_renders_and_is_saved_as_a_screenshot(browser, server):
    page = log_in(browser, server, "admin", login_shot="login")
    pages = [
        ("queue", "订单队列", "全部 ·"),
        ("order?order=TB20261122003", "订单详情", "处理记录"),
        ("warehouse", "仓库作业", "拣货单"),
        ("stock", "库存", "出入库记录"),
        ("admin_users", "用户管理", "添加用户"),
    ]
    for path, heading, marker in pages:
        open_path(page, server, path, heading, marker)
        assert "Traceback" not in page.content()
        assert shot(page, path.split("?")[0]).stat().st_size > 20_000
    page.context.close()


def test_a_clerk_checks_an_unknown_export_then_imports_it(browser, server):
    """A file no shipped mapping fits, as a new seller brings it on day one: the page proposes a
    mapping, shows the first orders as they will land, and imports with it."""
    export = ROOT / "tests" / "fixtures" / "real" / "inf_superstore_orders.csv"
    page = log_in(browser, server, "clerk")
    open_path(page, server, "import", "导入订单文件")
    button_text = page.locator('[data-testid="stFileUploaderDropzone"] button p').first.evaluate(
        "p => getComputedStyle(p, '::after').content"
    )
    assert button_text == '"选择文件"'  # Streamlit's own "Upload", said in Chinese
    page.locator("input[type=file]").first.set_input_files(str(export))
    page.get_by_text("inf_sup").wait_for()  # the uploader shows the name shortened
    page.get_by_role("button", name="试导入（不写入任何数据）").click()
    page.get_by_role("heading", name="导入前预检").wait_for()
    page.get_by_text("映射：按表头推荐").wait_for()
    page.get_by_text("CA-2026-152156").first.wait_for(state="attached")  # the preview's first order
    assert "Traceback" not in page.content()
    shot(page, "import_check")
    with server.engine.connect() as conn:
        assert not conn.execute(select(orders.c.id).where(orders.c.channel_order_no == "CA-2026-152156")).first()
    page.get_by_role("button", name="开始导入").click()
    page.get_by_role("heading", name="导入完成").wait_for()
    with server.engine.connect() as conn:
        assert conn.execute(select(orders.c.id).where(orders.c.channel_order_no == "CA-2026-152156")).first()
    page.context.close()


def test_a_clerk_finds_orders_by_the_phones_last_four_and_by_a_pasted_list(browser, server):
    page = log_in(browser, server, "clerk")
    open_path(page, server, "queue", "订单队列", "TB20261120001")
    search = page.get_by_label("搜索")
    search.fill(PHONES[2][-4:])  # 李娜's phone ends 1111
    search.press("Enter")
    page.get_by_text("全部 · 1").wait_for()
    page.get_by_text("TB20261122003").first.wait_for(state="attached")
    expect(page.get_by_text("TB20261120001")).to_have_count(0)  # the grid drawn again, without it
    search.fill("TB20261120001, TB20261121002")  # numbers pasted from a chat
    search.press("Enter")
    page.get_by_text("全部 · 2").wait_for()
    for number in ("TB20261120001", "TB20261121002"):
        page.get_by_text(number).first.wait_for(state="attached")
    expect(page.get_by_text("TB20261122003")).to_have_count(0)
    page.context.close()


def test_a_clerk_releases_every_held_order_the_stock_now_covers_in_one_click(browser, server):
    held = order("TB20261125009", "paid", "周杰", "13612345678", [("CAT-TREE-XL", 1, 29900)], day=25)
    ingest.ingest(server.engine, [held], now=NOW)  # an unknown SKU: created with no stock, the order held
    with transaction(server.engine) as conn:  # stock counted in, no receipt to resume anything
        conn.execute(update(skus).where(skus.c.sku == "CAT-TREE-XL").values(on_hand=1))
    page = log_in(browser, server, "clerk")
    open_path(page, server, "queue", "订单队列")
    page.get_by_text("已挂起 ·").first.click()
    page.get_by_role("button", name="放行所有库存已够的订单").click()
    page.get_by_text("已放行 1 个订单：TB20261125009").wait_for()
    with server.engine.connect() as conn:
        status = conn.execute(select(orders.c.status).where(orders.c.channel_order_no == "TB20261125009")).scalar()
    assert status == "paid"
    page.context.close()


def test_a_service_user_opens_a_ticket_from_the_order_and_the_buyer_follows_it_by_order_number(browser, server):
    shipped = order("TB20261126010", "shipped", "吴敏", "13512349876", [("PET-FOOD-2KG", 1, 8900)], day=26)
    ingest.ingest(server.engine, [shipped], now=NOW)
    page = log_in(browser, server, "service")
    open_path(page, server, "order?order=TB20261126010", "订单详情")
    page.get_by_text("为此订单开售后工单").click()
    page.get_by_role("button", name="创建工单").click()
    page.get_by_text("已开工单 AS").wait_for()
    number = page.get_by_text("已开工单 AS").inner_text().removeprefix("已开工单 ").removesuffix("。")
    page.get_by_role("button", name="去处理这张工单").click()
    page.get_by_role("heading", name="售后工单").first.wait_for()
    page.get_by_role("button", name="转派").click()  # the box starts on the service user: take it
    page.get_by_text("已更新").first.wait_for()
    with server.engine.connect() as conn:
        assert conn.execute(select(tickets.c.owner).where(tickets.c.number == number)).scalar() == "service"
    page.context.close()

    visitor = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    visitor.goto(f"{server.url}/lookup")
    visitor.get_by_label("售后单号或平台订单号").fill("TB20261126010")
    visitor.get_by_label("下单手机号后4位").fill("9876")
    visitor.get_by_role("button", name="查询").click()
    visitor.get_by_text(number).first.wait_for()
    visitor.get_by_text("下一步：").first.wait_for()
    assert "13512349876" not in visitor.content()
    visitor.context.close()


def test_a_clerk_holds_an_order_to_check_its_address_and_finds_it_under_that_tab(browser, server):
    waiting = order("TB20261127011", "paid", "郑爽", "13712345678", [("PET-FOOD-2KG", 1, 8900)], day=27)
    ingest.ingest(server.engine, [waiting], now=NOW)
    page = log_in(browser, server, "clerk")
    open_path(page, server, "order?order=TB20261127011", "订单详情")
    page.get_by_text("挂起订单").click()
    page.get_by_text("地址待核实").click()
    page.get_by_label("原因（写进操作记录）").fill("买家说门牌号写错了")
    page.get_by_role("button", name="挂起", exact=True).click()
    page.get_by_text("订单 TB20261127011 已挂起：地址待核实").wait_for()
    page.get_by_text("买家说门牌号写错了").first.wait_for()  # in its timeline
    open_path(page, server, "queue", "订单队列")
    page.get_by_text("已挂起 ·").first.click()
    page.get_by_text("地址待核实 · 1").first.click()
    page.get_by_text("TB20261127011").first.wait_for(state="attached")
    with server.engine.connect() as conn:
        held = conn.execute(
            select(orders.c.status, orders.c.hold_reason).where(orders.c.channel_order_no == "TB20261127011")
        ).one()
    assert tuple(held) == ("on_hold", "address")
    page.context.close()
