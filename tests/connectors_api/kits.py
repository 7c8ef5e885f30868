"""What the parametrised client tests need to know about each platform: its local server,
good and bad credentials, how to write one of its orders, and how to read a request back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from connectors.shopify import business_time
from core.clock import BUSINESS_TZ
from tests.connectors_api.servers import jd, pdd, shopify, taobao
from tests.connectors_api.servers.base import Platform, Request

Line = tuple[str, int, str]  # SKU, qty, unit price in yuan
FMT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Kit:
    channel: str
    platform: Callable[[], Platform]
    settings: Callable[[str], dict]  # server URL -> the shop's settings
    wrong_secret: dict
    # order number, one of paid/shipped/cancelled, modified time, lines -> the platform's raw order
    order: Callable[[int, str, datetime, list[Line]], dict]
    orders_call: str  # how the order query shows in the request log
    page: Callable[[Request], str]  # which page a logged request asked for
    window: Callable[[Request], tuple[datetime, datetime]]  # the modified-time window it asked for
    page_size: int


def _form_window(start: str, end: str, parse: Callable[[str], datetime]):
    return lambda request: (parse(request.form()[start]), parse(request.form()[end]))


def _text_time(value: str) -> datetime:
    return datetime.strptime(value, FMT)


def _unix_time(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), BUSINESS_TZ).replace(tzinfo=None)


TAOBAO_STATUS = {"paid": "WAIT_SELLER_SEND_GOODS", "shipped": "WAIT_BUYER_CONFIRM_GOODS", "cancelled": "TRADE_CLOSED"}

TAOBAO = Kit(
    channel="taobao",
    platform=taobao.TaobaoPlatform,
    settings=lambda url: {
        "base_url": f"{url}/router/rest",
        "app_key": taobao.APP_KEY,
        "app_secret": taobao.SECRET,
        "session": taobao.SESSION,
    },
    wrong_secret={"app_secret": "not-the-secret"},
    order=lambda no, state, modified, lines: taobao.trade(3028689418086000 + no, TAOBAO_STATUS[state], modified, lines),
    orders_call="taobao.trades.sold.increment.get",
    page=lambda r: r.form()["page_no"],
    window=_form_window("start_modified", "end_modified", _text_time),
    page_size=100,
)

PDD = Kit(
    channel="pdd",
    platform=pdd.PddPlatform,
    settings=lambda url: {
        "base_url": f"{url}/api/router",
        "client_id": pdd.CLIENT_ID,
        "client_secret": pdd.SECRET,
        "access_token": pdd.ACCESS_TOKEN,
    },
    wrong_secret={"client_secret": "not-the-secret"},
    order=lambda no, state, modified, lines: pdd.order(f"261120-{no:015d}", state, modified, lines),
    orders_call="pdd.order.number.list.increment.get",
    page=lambda r: r.form()["page"],
    window=_form_window("start_updated_at", "end_updated_at", _unix_time),
    page_size=100,
)


def _jd_business(request: Request) -> dict:
    return json.loads(request.form()["360buy_param_json"])


JD = Kit(
    channel="jd",
    platform=jd.JdPlatform,
    settings=lambda url: {
        "base_url": f"{url}/routerjson",
        "app_key": jd.APP_KEY,
        "app_secret": jd.SECRET,
        "access_token": jd.ACCESS_TOKEN,
    },
    wrong_secret={"app_secret": "not-the-secret"},
    order=lambda no, state, modified, lines: jd.order(300000000000 + no, state, modified, lines),
    orders_call="jingdong.pop.order.search",
    page=lambda r: _jd_business(r)["page"],
    window=lambda r: (_text_time(_jd_business(r)["start_date"]), _text_time(_jd_business(r)["end_date"])),
    page_size=100,
)

SHOPIFY = Kit(
    channel="shopify",
    platform=shopify.ShopifyPlatform,
    settings=lambda url: {"base_url": url, "store": "petfood-cn", "access_token": shopify.TOKEN},
    wrong_secret={"access_token": "shpat_revoked"},
    order=lambda no, state, modified, lines: shopify.order(5123456780000 + no, state, modified, lines),
    orders_call="/admin/api/2025-10/orders.json",
    page=lambda r: r.query.get("page_info", "1"),
    window=lambda r: (business_time(r.query["updated_at_min"]), business_time(r.query["updated_at_max"])),
    page_size=250,
)

KITS = [TAOBAO, PDD, JD, SHOPIFY]
