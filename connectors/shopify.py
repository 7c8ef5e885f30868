"""Shopify Admin REST API: orders by updated_at with cursor pages (Link header), access-token
header, 429 Retry-After backoff, inventory levels for stock push-back, webhook HMAC check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx
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
)
from core import regions
from core.clock import BUSINESS_TZ
from core.errors import InvalidInput, PermissionDenied
from core.model import CANCELLED, COMPLETED, PAID, PENDING_PAYMENT, SHIPPED

API_VERSION = "2025-10"
PAGE_SIZE = 250  # Shopify's maximum
PAID_STATES = {"paid", "authorized", "partially_paid", "partially_refunded"}


def verify_webhook(body: bytes, hmac_header: str | None, secret: str) -> bool:
    """Whether X-Shopify-Hmac-Sha256 is base64(HMAC-SHA256(secret, raw body)); constant time.

    The raw bytes as received, never re-serialised JSON; like Shopify's own library
    (shopify-api-js webhooks/validate.ts) an empty body or a missing secret is refused outright.
    """
    if not (body and hmac_header and secret):
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, hmac_header)


def webhook_order(connector: ShopifyConnector, body: bytes, headers: Mapping[str, str]) -> NormalisedOrder:
    """The order an orders/* webhook carries, after checking it was signed with the shop's secret."""
    headers = {name.lower(): value for name, value in headers.items()}
    if not verify_webhook(body, headers.get("x-shopify-hmac-sha256"), connector.settings.get("webhook_secret", "")):
        raise PermissionDenied(f"A webhook for shop {connector.shop} failed its HMAC check and was ignored.")
    topic = headers.get("x-shopify-topic", "")
    if not topic.startswith("orders/"):
        raise InvalidInput(f"Shopify webhook topic {topic!r} carries no order.")
    return connector.normalise(json.loads(body))


def business_time(value: str | None) -> datetime | None:
    """'2026-11-20T10:00:00-05:00' as naive Asia/Shanghai time."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(BUSINESS_TZ).replace(tzinfo=None)


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=BUSINESS_TZ).isoformat()


class ShopifyConnector(ApiConnector):
    channel = "shopify"
    platform = "Shopify"

    def __init__(self, shop: str, settings: dict[str, Any], engine: Engine):
        super().__init__(shop, settings, engine)
        version = settings.get("api_version", API_VERSION)
        root = settings.get("base_url") or f"https://{settings['store']}.myshopify.com"
        self.api = f"{root}/admin/api/{version}"
        self.location_id = settings.get("location_id")
        self.http = http.client(headers={"X-Shopify-Access-Token": settings["access_token"]})
        self._inventory_items: dict[str, int] = {}

    def first_page(self, window: Window) -> tuple[str, dict[str, str]]:
        """The orders request for a window; later pages follow the Link header instead."""
        params = {
            "status": "any",
            "limit": str(PAGE_SIZE),
            "order": "updated_at asc",
            "updated_at_min": iso(window.start),
            "updated_at_max": iso(window.end),
        }
        return f"{self.api}/orders.json", params

    def request(self, method: str, url: str, **options) -> httpx.Response:
        def attempt() -> httpx.Response:
            response = self.http.request(method, url, **options)
            self._check(response)
            return response

        return http.with_backoff(attempt)

    def _check(self, response: httpx.Response) -> None:
        if response.status_code == 429:
            raise Throttled(self.platform, float(response.headers.get("Retry-After", 2.0)), "HTTP 429")
        http.raise_for_server_trouble(response)
        if response.status_code in (401, 403):
            raise CredentialsRejected(self.shop, self.platform, f"HTTP {response.status_code} {_errors(response)}")
        if response.status_code >= 400:
            raise ChannelError(
                f"Shopify refused a request of shop {self.shop}: HTTP {response.status_code} {_errors(response)}."
            )

    def records(self, window: Window) -> Iterator[Raw]:
        url, params = self.first_page(window)
        while url:
            response = self.request("GET", url, params=params)
            yield from http.json_body(response, self.platform)["orders"]
            # The next page's URL carries its own cursor; it must be followed exactly.
            url, params = response.links.get("next", {}).get("url"), None

    def normalise(self, raw: Raw) -> NormalisedOrder:
        address = raw.get("shipping_address") or raw.get("billing_address") or {}
        paid = raw.get("financial_status") in PAID_STATES
        return NormalisedOrder(
            channel=self.channel,
            channel_order_no=str(raw["id"]),  # names (#1001) repeat across stores, ids do not
            shop=self.shop,
            status=_status(raw),
            created_at=business_time(raw["created_at"]),
            paid_at=business_time(raw.get("processed_at") or raw["created_at"]) if paid else None,
            platform_updated_at=business_time(raw.get("updated_at")),
            buyer=address.get("name", ""),
            phone=address.get("phone") or raw.get("phone") or "",
            province=address.get("province") or "",
            city=address.get("city") or "",
            address=" ".join(filter(None, (address.get("address1"), address.get("address2")))),
            country=regions.normalise_country(address.get("country_code") or address.get("country")),
            goods_cents=cents(raw.get("total_line_items_price")),
            paid_cents=cents(raw.get("total_price")),
            seller_coupon_cents=cents(raw.get("total_discounts")),
            shipping_fee_cents=sum(cents(line.get("price")) for line in raw.get("shipping_lines", [])),
            order_total_cents=cents(raw.get("total_price")),
            refund_cents=_refunded(raw),
            buyer_remark=raw.get("note") or "",
            lines=tuple(
                OrderLine(_sku(item), int(item["quantity"]), cents(item["price"]), cents(item.get("total_discount")))
                for item in raw.get("line_items", [])
            ),
        )

    def listings(self, raw: Raw) -> Iterable[Listing]:
        for item in raw.get("line_items", []):
            if item.get("variant_id"):
                yield Listing(_sku(item), str(item["variant_id"]))

    def update_stock(self, listing: Listing, available: int) -> None:
        body = {
            "location_id": int(self._location()),
            "inventory_item_id": self._inventory_item(listing.item_id),
            "available": available,
        }
        self.request("POST", f"{self.api}/inventory_levels/set.json", json=body)

    def _inventory_item(self, variant_id: str) -> int:
        if variant_id not in self._inventory_items:
            variant = http.json_body(self.request("GET", f"{self.api}/variants/{variant_id}.json"), self.platform)[
                "variant"
            ]
            self._inventory_items[variant_id] = int(variant["inventory_item_id"])
        return self._inventory_items[variant_id]

    def _location(self) -> str:
        """The configured location, else the store's first active one."""
        if not self.location_id:
            locations = http.json_body(self.request("GET", f"{self.api}/locations.json"), self.platform)["locations"]
            active = [loc for loc in locations if loc.get("active", True)]
            if not active:
                raise ChannelError(f"Shopify store of shop {self.shop} has no active location to hold stock.")
            self.location_id = str(active[0]["id"])
        return self.location_id


def _status(raw: Raw) -> str:
    if raw.get("cancelled_at") or raw.get("financial_status") in ("refunded", "voided"):
        return CANCELLED
    if raw.get("fulfillment_status") == "fulfilled":
        return COMPLETED if raw.get("closed_at") else SHIPPED
    return PAID if raw.get("financial_status") in PAID_STATES else PENDING_PAYMENT


def _refunded(raw: Raw) -> int:
    """What the order's refunds paid back: their successful refund transactions."""
    return sum(
        cents(transaction.get("amount"))
        for refund in raw.get("refunds") or []
        for transaction in refund.get("transactions") or []
        if transaction.get("kind") == "refund" and transaction.get("status", "success") == "success"
    )


def _sku(item: Raw) -> str:
    return str(item.get("sku") or f"SHOPIFY-VARIANT-{item.get('variant_id') or item['id']}")


def _errors(response: httpx.Response) -> str:
    try:
        return str(response.json().get("errors", ""))
    except ValueError:
        return response.text[:200]
