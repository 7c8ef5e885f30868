"""JD (京东 JOS): POP orders by modified time (jingdong.pop.order.search), md5 signed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

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
from connectors.signing import md5_request
from core import clock
from core.model import CANCELLED, COMPLETED, PAID, SHIPPED

GATEWAY = "https://api.jd.com/routerjson"
ORDER_SEARCH = "jingdong.pop.order.search"
STOCK_UPDATE = "jingdong.stock.write.updateSkuStock"
PAGE_SIZE = 100
FIELDS = (
    "orderId,orderState,orderTotalPrice,orderSellerPrice,orderPayment,freightPrice,sellerDiscount,"
    "orderStartTime,paymentConfirmTime,modified,consigneeInfo,itemInfoList,orderRemark,venderRemark,waybill"
)
# JOS gateway codes seen in public clients: 12 invalid signature, 19 invalid or expired
# access_token, 20/21 invalid app_key. Throttling has no stable code we know of; its
# description says 频率/限流.
CREDENTIAL_CODES = {"12", "19", "20", "21"}
THROTTLE_WORDS = ("频率", "限流", "frequency", "limit")
STATUS = {
    "WAIT_SELLER_STOCK_OUT": PAID,
    "WAIT_SELLER_DELIVERY": PAID,  # overseas shops: waiting for domestic dispatch
    "PAUSE": PAID,
    "LOCKED": PAID,  # locked by an after-sale request; the goods are still ours to ship
    "WAIT_GOODS_RECEIVE_CONFIRM": SHIPPED,
    "FINISHED_L": COMPLETED,
    "TRADE_CANCELED": CANCELLED,
}


def param_json(business: dict[str, str | None]) -> str:
    """360buy_param_json as JD's SDK writes it (a TreeMap through Jackson with NON_NULL): keys in
    order, no spaces, non-ASCII as UTF-8 text, null values left out. The signature covers this
    exact string, so the gateway never re-serialises it."""
    present = {key: value for key, value in business.items() if value is not None}
    return json.dumps(present, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class JdConnector(ApiConnector):
    channel = "jd"
    platform = "JD"
    max_window = timedelta(days=1)

    def __init__(self, shop: str, settings: dict[str, Any], engine: Engine):
        super().__init__(shop, settings, engine)
        self.app_key = settings["app_key"]
        self.secret = settings["app_secret"]
        self.access_token = settings["access_token"]
        self.gateway = settings.get("base_url", GATEWAY)
        self.http = http.client()

    def signed(self, method: str, business: dict[str, str]) -> dict[str, str]:
        """System parameters plus every business parameter as one compact JSON string, signed."""
        params = {
            "method": method,
            "app_key": self.app_key,
            "access_token": self.access_token,
            "timestamp": clock.now().strftime(PLATFORM_TIME),
            "v": "2.0",
            "360buy_param_json": param_json(business),
        }
        return md5_request(params, self.secret)

    def page_request(self, window: Window, page: int) -> dict[str, str]:
        return {
            "start_date": window.start.strftime(PLATFORM_TIME),
            "end_date": window.end.strftime(PLATFORM_TIME),
            "order_state": ",".join(STATUS),
            "optional_fields": FIELDS,
            "page": str(page),
            "page_size": str(PAGE_SIZE),
            "dateType": "0",  # 0: by modified time
            "sortType": "1",  # 1: oldest first
        }

    def call(self, method: str, business: dict[str, str]) -> dict:
        root = method.replace(".", "_") + "_responce"  # sic: JD spells its envelope "responce"

        def attempt() -> dict:
            response = self.http.post(self.gateway, data=self.signed(method, business))
            http.raise_for_server_trouble(response)
            body = http.json_body(response, self.platform)
            if "error_response" in body:
                self._raise(body["error_response"])
            return body[root]

        return http.with_backoff(attempt)

    def _raise(self, error: dict) -> None:
        code = str(error.get("code", ""))
        detail = f"code {code} {error.get('zh_desc', '')} {error.get('en_desc', '')}".strip()
        if any(word in detail for word in THROTTLE_WORDS):
            raise Throttled(self.platform, None, detail)
        if code in CREDENTIAL_CODES:
            raise CredentialsRejected(self.shop, self.platform, detail)
        raise ChannelError(f"JD refused the request of shop {self.shop}: {detail}.")

    def records(self, window: Window) -> Iterator[Raw]:
        def fetch(page: int) -> tuple[list[Raw], int]:
            result = self.call(ORDER_SEARCH, self.page_request(window, page))["searchorderinfo_result"]
            api_result = result.get("apiResult", {})
            if not api_result.get("success", True):
                raise ChannelError(
                    f"JD could not search orders of shop {self.shop}: {api_result.get('chineseErrCode')}."
                )
            return result.get("orderInfoList", []), int(result.get("orderTotal", 0))

        return last_page_first(fetch, PAGE_SIZE)

    def normalise(self, raw: Raw) -> NormalisedOrder:
        order_no = str(raw["orderId"])
        consignee = raw.get("consigneeInfo") or {}
        goods, paid = cents(raw.get("orderTotalPrice")), cents(raw.get("orderPayment"))
        seller_discount, shipping = cents(raw.get("sellerDiscount")), cents(raw.get("freightPrice"))
        return NormalisedOrder(
            channel=self.channel,
            channel_order_no=order_no,
            shop=self.shop,
            status=mapped_status(self.platform, order_no, raw["orderState"], STATUS),
            created_at=platform_time(raw["orderStartTime"]),
            paid_at=platform_time(raw.get("paymentConfirmTime")),
            platform_updated_at=platform_time(raw.get("modified")),
            buyer=consignee.get("fullname", ""),
            phone=consignee.get("mobile", ""),
            province=consignee.get("province", ""),
            city=consignee.get("city", ""),
            address=consignee.get("fullAddress", ""),
            goods_cents=goods,
            paid_cents=paid,
            seller_coupon_cents=seller_discount,
            # What the buyer did not pay beyond the seller's own discount was JD's subsidy.
            platform_discount_cents=max(0, goods + shipping - seller_discount - paid),
            shipping_fee_cents=shipping,
            buyer_remark=raw.get("orderRemark", ""),
            seller_remark=raw.get("venderRemark", ""),
            tracking_no=raw.get("waybill") or None,
            lines=tuple(
                OrderLine(_sku(item), int(item["itemTotal"]), cents(item.get("jdPrice")))
                for item in raw.get("itemInfoList", [])
            ),
        )

    def listings(self, raw: Raw) -> Iterable[Listing]:
        for item in raw.get("itemInfoList", []):
            yield Listing(_sku(item), str(item.get("wareId") or ""), str(item["skuId"]))

    def update_stock(self, listing: Listing, available: int) -> None:
        result = self.call(STOCK_UPDATE, {"skuId": listing.platform_sku_id, "stockNum": str(available)})
        if not result.get("success", False):
            raise ChannelError(f"JD did not update the stock of SKU {listing.sku} in shop {self.shop}: {result}.")


def _sku(item: Raw) -> str:
    """Our SKU: the seller's code (outerSkuId) when set, else JD's SKU id."""
    return str(item.get("outerSkuId") or item["skuId"])
