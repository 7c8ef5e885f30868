"""Pinduoduo open platform: orders by update time (pdd.order.number.list.increment.get), md5 signed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from connectors import http
from connectors.base import (
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
from connectors.signing import md5_request
from core import clock
from core.clock import BUSINESS_TZ
from core.model import CANCELLED, COMPLETED, PAID, SHIPPED

GATEWAY = "https://gw-api.pinduoduo.com/api/router"
INCREMENT = "pdd.order.number.list.increment.get"
QUANTITY_UPDATE = "pdd.goods.quantity.update"
PAGE_SIZE = 100
# From PDD's error-code table: 10016 client_id wrong, 10019 access_token expired, 20004 sign
# check failed, 20032 access_token or client_id wrong; 52101 interface throttled, 52103
# service unavailable, 70031 calls too frequent.
CREDENTIAL_CODES = {10016, 10019, 20004, 20032}
THROTTLE_CODES = {52101, 52102, 52103, 70031}
ORDER_STATUS = {1: PAID, 2: SHIPPED, 3: COMPLETED}  # 待发货, 已发货待签收, 已签收
REFUNDED = 4  # refund_status 4: 退款成功


def unix(moment: datetime) -> str:
    """A business-time datetime as PDD's unix seconds."""
    return str(int(moment.replace(tzinfo=BUSINESS_TZ).timestamp()))


class PddConnector(ApiConnector):
    channel = "pdd"
    platform = "Pinduoduo"
    max_window = timedelta(minutes=30)  # the increment API refuses longer windows
    settle = timedelta(minutes=3)  # PDD: stay 3 minutes behind its clock or miss orders

    def __init__(self, shop: str, settings: dict[str, Any], engine: Engine):
        super().__init__(shop, settings, engine)
        self.client_id = settings["client_id"]
        self.secret = settings["client_secret"]
        self.access_token = settings["access_token"]
        self.gateway = settings.get("base_url", GATEWAY)
        self.http = http.client()

    def signed(self, api: str, business: dict[str, str]) -> dict[str, str]:
        params = {
            "type": api,
            "client_id": self.client_id,
            "access_token": self.access_token,
            "timestamp": unix(clock.now()),
            "data_type": "JSON",
            "version": "V1",
            **business,
        }
        return md5_request(params, self.secret)

    def page_request(self, window: Window, page: int) -> dict[str, str]:
        return {
            "start_updated_at": unix(window.start),
            "end_updated_at": unix(window.end),
            "order_status": "5",
            "refund_status": "5",
            "is_lucky_flag": "0",
            "page": str(page),
            "page_size": str(PAGE_SIZE),
            "use_has_next": "false",
        }

    def call(self, api: str, business: dict[str, str], root: str) -> dict:
        def attempt() -> dict:
            response = self.http.post(self.gateway, data=self.signed(api, business))
            http.raise_for_server_trouble(response)
            body = http.json_body(response, self.platform)
            if "error_response" in body:
                self._raise(body["error_response"])
            return body[root]

        return http.with_backoff(attempt)

    def _raise(self, error: dict) -> None:
        code = int(error.get("error_code", 0))
        detail = f"error_code {code} {error.get('error_msg', '')} {error.get('sub_msg') or ''}".strip()
        if code in THROTTLE_CODES:
            raise Throttled(self.platform, None, detail)
        if code in CREDENTIAL_CODES:
            raise CredentialsRejected(self.shop, self.platform, detail)
        raise ChannelError(f"Pinduoduo refused the request of shop {self.shop}: {detail}.")

    def records(self, window: Window) -> Iterator[Raw]:
        def fetch(page: int) -> tuple[list[Raw], int]:
            body = self.call(INCREMENT, self.page_request(window, page), "order_sn_increment_get_response")
            return body.get("order_sn_list", []), int(body.get("total_count", 0))

        return last_page_first(fetch, PAGE_SIZE)

    def normalise(self, raw: Raw) -> NormalisedOrder:
        refunded = int(raw.get("refund_status", 1)) == REFUNDED
        status = (
            CANCELLED
            if refunded
            else mapped_status(self.platform, str(raw["order_sn"]), int(raw["order_status"]), ORDER_STATUS)
        )
        return NormalisedOrder(
            channel=self.channel,
            channel_order_no=str(raw["order_sn"]),
            shop=self.shop,
            status=status,
            created_at=platform_time(raw["created_time"]),
            paid_at=platform_time(raw.get("pay_time")),
            platform_updated_at=platform_time(raw.get("updated_at")),
            # Newer apps get these fields encrypted; the masked copies are readable.
            buyer=raw.get("receiver_name") or raw.get("receiver_name_mask", ""),
            phone=raw.get("receiver_phone") or raw.get("receiver_phone_mask", ""),
            province=raw.get("province", ""),
            city=raw.get("city", ""),
            address=raw.get("town", "") + (raw.get("address") or raw.get("address_mask", "")),
            goods_cents=cents(raw.get("goods_amount")),
            paid_cents=cents(raw.get("pay_amount")),
            platform_discount_cents=cents(raw.get("platform_discount")),
            seller_coupon_cents=cents(raw.get("seller_discount")),
            shipping_fee_cents=cents(raw.get("postage")),
            buyer_remark=raw.get("buyer_memo", ""),
            seller_remark=raw.get("remark", ""),
            tracking_no=raw.get("tracking_number") or None,
            lines=tuple(
                OrderLine(_sku(item), int(item["goods_count"]), cents(item.get("goods_price")))
                for item in raw.get("item_list", [])
            ),
        )

    def listings(self, raw: Raw) -> Iterable[Listing]:
        for item in raw.get("item_list", []):
            yield Listing(_sku(item), str(item["goods_id"]), str(item.get("sku_id") or ""))

    def update_stock(self, listing: Listing, available: int) -> None:
        # update_type 1 is a full update: the listing's stock becomes exactly `available`.
        business = {"goods_id": listing.item_id, "quantity": str(available), "update_type": "1"}
        if listing.platform_sku_id:
            business["sku_id"] = listing.platform_sku_id
        self.call(QUANTITY_UPDATE, business, "goods_quantity_update_response")


def _sku(item: Raw) -> str:
    """Our SKU: the seller's SKU code (outer_id) when set, else the goods code or PDD's ids."""
    return str(item.get("outer_id") or item.get("outer_goods_id") or item.get("sku_id") or item["goods_id"])
