"""Taobao/Tmall Open Platform (TOP): sold trades by modified time, md5/hmac signed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from connectors import http
from connectors.base import (
    PLATFORM_TIME,
    ApiConnector,
    ChannelError,
    CredentialsRejected,
    Listing,
    NormalisedOrder,
    OrderLine,
    Raw,
    Throttled,
    Window,
    cents,
    last_page_first,
    mapped_status,
    platform_time,
)
from connectors.signing import top_request
from core import clock
from core.model import CANCELLED, COMPLETED, PAID, PENDING_PAYMENT, SHIPPED

GATEWAY = "https://eco.taobao.com/router/rest"
INCREMENT = "taobao.trades.sold.increment.get"
QUANTITY_UPDATE = "taobao.item.quantity.update"
FIELDS = (
    "tid,status,type,total_fee,payment,post_fee,discount_fee,created,pay_time,modified,buyer_nick,"
    "receiver_name,receiver_mobile,receiver_state,receiver_city,receiver_district,receiver_address,"
    "buyer_message,seller_memo,orders"
)
# Without `type` TOP returns only its default trade types, which leave out 一口价 (fixed).
TRADE_TYPES = "fixed,auto_delivery,guarantee_trade,step,ec,cod"
PAGE_SIZE = 100
# TOP platform error codes: 7 App Call Limited; 25 Invalid Signature, 27 Invalid Session,
# 29 Invalid App Key (and their "Missing …" twins 24, 26, 28).
THROTTLE_CODES = {7}
CREDENTIAL_CODES = {24, 25, 26, 27, 28, 29}
BAN_SECONDS = re.compile(r"ban will last for (\d+) more seconds")

STATUS = {
    "TRADE_NO_CREATE_PAY": PENDING_PAYMENT,
    "WAIT_BUYER_PAY": PENDING_PAYMENT,
    "PAY_PENDING": PENDING_PAYMENT,
    "WAIT_PRE_AUTH_CONFIRM": PENDING_PAYMENT,
    "WAIT_SELLER_SEND_GOODS": PAID,
    "PAID_FORBID_CONSIGN": PAID,
    "SELLER_CONSIGNED_PART": SHIPPED,
    "WAIT_BUYER_CONFIRM_GOODS": SHIPPED,
    "TRADE_BUYER_SIGNED": SHIPPED,
    "TRADE_FINISHED": COMPLETED,
    "TRADE_CLOSED": CANCELLED,
    "TRADE_CLOSED_BY_TAOBAO": CANCELLED,
}


class TaobaoConnector(ApiConnector):
    channel = "taobao"
    platform = "Taobao"
    max_window = timedelta(days=1)  # the increment API refuses longer windows

    def __init__(self, shop: str, settings: dict[str, Any], engine: Engine):
        super().__init__(shop, settings, engine)
        self.app_key = settings["app_key"]
        self.secret = settings["app_secret"]
        self.session = settings["session"]
        self.sign_method = settings.get("sign_method", "md5")
        self.gateway = settings.get("base_url", GATEWAY)
        self.http = http.client()

    def signed(self, method: str, business: dict[str, str]) -> dict[str, str]:
        """System and business parameters, signed as TOP's SDK signs them (blank values left out)."""
        params = {
            "method": method,
            "app_key": self.app_key,
            "session": self.session,
            "timestamp": clock.now().strftime(PLATFORM_TIME),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method,
            **business,
        }
        return top_request(params, self.secret)

    def page_request(self, window: Window, page: int) -> dict[str, str]:
        """The business parameters of one page of the increment query."""
        return {
            "fields": FIELDS,
            "type": TRADE_TYPES,
            "use_has_next": "false",
            "start_modified": window.start.strftime(PLATFORM_TIME),
            "end_modified": window.end.strftime(PLATFORM_TIME),
            "page_no": str(page),
            "page_size": str(PAGE_SIZE),
        }

    def call(self, method: str, business: dict[str, str]) -> dict:
        """POST one signed call (re-signed on every retry, the timestamp moves) and unwrap it."""

        def attempt() -> dict:
            response = self.http.post(self.gateway, data=self.signed(method, business))
            http.raise_for_server_trouble(response)
            return self._unwrap(method, response)

        return http.with_backoff(attempt)

    def _unwrap(self, method: str, response: httpx.Response) -> dict:
        body = http.json_body(response, self.platform)
        if "error_response" in body:
            self._raise(body["error_response"])
        return body[method.removeprefix("taobao.").replace(".", "_") + "_response"]

    def _raise(self, error: dict) -> None:
        code = int(error.get("code", 0))
        detail = f"code {code} {error.get('msg', '')} {error.get('sub_code', '')} {error.get('sub_msg', '')}".strip()
        if code in THROTTLE_CODES:
            ban = BAN_SECONDS.search(str(error.get("sub_msg", "")) + str(error.get("msg", "")))
            raise Throttled(self.platform, float(ban.group(1)) if ban else None, detail)
        if code in CREDENTIAL_CODES:
            raise CredentialsRejected(self.shop, self.platform, detail)
        raise ChannelError(f"Taobao refused the request of shop {self.shop}: {detail}.")

    def records(self, window: Window) -> Iterator[Raw]:
        def fetch(page: int) -> tuple[list[Raw], int]:
            body = self.call(INCREMENT, self.page_request(window, page))
            return body.get("trades", {}).get("trade", []), int(body.get("total_results", 0))

        return last_page_first(fetch, PAGE_SIZE)

    def normalise(self, raw: Raw) -> NormalisedOrder:
        order_no = str(raw["tid"])
        items = raw.get("orders", {}).get("order", [])
        goods, shipping = cents(raw.get("total_fee")), cents(raw.get("post_fee"))
        seller_coupon, paid = cents(raw.get("discount_fee")), cents(raw.get("payment"))
        return NormalisedOrder(
            channel=self.channel,
            channel_order_no=order_no,
            shop=self.shop,
            status=mapped_status(self.platform, order_no, raw["status"], STATUS),
            created_at=platform_time(raw["created"]),
            paid_at=platform_time(raw.get("pay_time")),
            platform_updated_at=platform_time(raw.get("modified")),
            buyer=raw.get("receiver_name") or raw.get("buyer_nick", ""),
            phone=raw.get("receiver_mobile", ""),
            province=raw.get("receiver_state", ""),
            city=raw.get("receiver_city", ""),
            address=raw.get("receiver_district", "") + raw.get("receiver_address", ""),
            goods_cents=goods,
            paid_cents=paid,
            seller_coupon_cents=seller_coupon,
            # TOP has no single platform-subsidy field: what the buyer did not pay after the
            # seller's discounts was paid by Taobao (红包, 淘金币, 购物金).
            platform_discount_cents=max(0, goods + shipping - seller_coupon - paid),
            shipping_fee_cents=shipping,
            buyer_remark=raw.get("buyer_message", ""),
            seller_remark=raw.get("seller_memo", ""),
            lines=tuple(
                OrderLine(_sku(item), int(item["num"]), cents(item.get("price")), cents(item.get("discount_fee")))
                for item in items
            ),
        )

    def listings(self, raw: Raw) -> Iterable[Listing]:
        for item in raw.get("orders", {}).get("order", []):
            yield Listing(_sku(item), str(item["num_iid"]), str(item.get("sku_id") or ""))

    def update_stock(self, listing: Listing, available: int) -> None:
        # type=1 is a full update: the platform's quantity becomes exactly `available`.
        business = {"num_iid": listing.item_id, "quantity": str(available), "type": "1"}
        if listing.platform_sku_id:
            business["sku_id"] = listing.platform_sku_id
        self.call(QUANTITY_UPDATE, business)


def _sku(item: Raw) -> str:
    """Our SKU: the seller's own code (商家编码) when set, else Taobao's ids."""
    return str(item.get("outer_sku_id") or item.get("outer_iid") or item.get("sku_id") or item["num_iid"])
