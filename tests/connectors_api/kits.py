"""What the parametrised client tests need to know about each platform: its local server,
good and bad credentials, how to write one of its orders, and how to read a request back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tests.connectors_api.servers import taobao
from tests.connectors_api.servers.base import Platform, Request

Line = tuple[str, int, str]  # SKU, qty, unit price in yuan
FMT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Kit:
    channel: str
    platform: Callable[[], Platform]
    settings: Callable[[str], dict]  # server URL -> the shop's settings
    wrong_secret: dict
    # order number, one of unpaid/paid/shipped/cancelled, modified time, lines -> raw order
    order: Callable[[int, str, datetime, list[Line]], dict]
    orders_call: str  # how the order query shows in the request log
    page: Callable[[Request], str]  # which page a logged request asked for
    window: Callable[[Request], tuple[datetime, datetime] | None]  # the modified-time window asked for
    max_page: int
    extra: dict = field(default_factory=dict)


TAOBAO_STATUS = {"unpaid": "WAIT_BUYER_PAY", "paid": "WAIT_SELLER_SEND_GOODS",
                 "shipped": "WAIT_BUYER_CONFIRM_GOODS", "cancelled": "TRADE_CLOSED"}


def _taobao_window(request: Request) -> tuple[datetime, datetime]:
    form = request.form()
    return datetime.strptime(form["start_modified"], FMT), datetime.strptime(form["end_modified"], FMT)


TAOBAO = Kit(
    channel="taobao",
    platform=taobao.TaobaoPlatform,
    settings=lambda url: {"base_url": f"{url}/router/rest", "app_key": taobao.APP_KEY, "app_secret": taobao.SECRET,
                          "session": taobao.SESSION},
    wrong_secret={"app_secret": "not-the-secret"},
    order=lambda no, status, modified, lines: taobao.trade(3028689418086000 + no, TAOBAO_STATUS[status], modified, lines),
    orders_call="taobao.trades.sold.increment.get",
    page=lambda r: r.form()["page_no"],
    window=_taobao_window,
    max_page=100,
)

KITS = [TAOBAO]
