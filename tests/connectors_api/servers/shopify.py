"""A local Shopify Admin REST API: access-token header, orders.json filtered by updated_at with
cursor pages in the Link header (page_info), 429 with Retry-After, variants, locations and
inventory_levels/set."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

from connectors.shopify import business_time
from tests.connectors_api.servers.base import Platform, Reply, Request

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
LOCATION_ID = 905684977
BAD_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
ROUTE = re.compile(r"^/admin/api/(\d{4}-\d{2})/(.+)\.json$")


def order(order_id: int, state: str, updated: datetime, lines: list[tuple[str, int, str]]) -> dict:
    """An order as the Admin API returns it (times with the store's offset, money as strings)."""
    stamp = (updated - timedelta(hours=13)).strftime("%Y-%m-%dT%H:%M:%S-05:00")  # a New York store
    created = (updated - timedelta(hours=13, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
    total = sum(qty * float(price) for _, qty, price in lines)
    return {
        "id": order_id,
        "name": f"#{order_id % 100000}",
        "created_at": created,
        "updated_at": stamp,
        "processed_at": created,
        "financial_status": "refunded" if state == "cancelled" else "paid",
        "fulfillment_status": "fulfilled" if state == "shipped" else None,
        "cancelled_at": stamp if state == "cancelled" else None,
        "closed_at": None,
        "currency": "CNY",
        "total_line_items_price": f"{total:.2f}",
        "total_discounts": "0.00",
        "total_price": f"{total + 10:.2f}",
        "shipping_lines": [{"title": "顺丰", "price": "10.00"}],
        "note": None,
        "phone": None,
        "shipping_address": {
            "name": "陈静",
            "phone": "+86 138 0013 8000",
            "province": "Guangdong",
            "city": "Guangzhou",
            "address1": "天河路 208 号",
            "address2": "",
            "country_code": "CN",
        },
        "line_items": [
            {
                "id": order_id * 10 + i,
                "variant_id": 39072856 + i,
                "product_id": 632910392 + i,
                "sku": sku,
                "quantity": qty,
                "price": price,
                "total_discount": "0.00",
                "title": sku,
            }
            for i, (sku, qty, price) in enumerate(lines)
        ],
    }


def _cursor(values: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


class ShopifyPlatform(Platform):
    def __init__(self, retry_after: str = "0.5"):
        super().__init__(lambda o: business_time(o["updated_at"]), lambda o: str(o["id"]))
        self.retry_after = retry_after

    def handle(self, request: Request) -> Reply:
        route = ROUTE.match(request.path)
        if route is None:
            return Reply.json({"errors": "Not Found"}, 404)
        if request.headers.get("x-shopify-access-token") != TOKEN:
            return Reply.json({"errors": BAD_TOKEN}, 401)
        if self.take_throttle():
            return Reply.json(
                {
                    "errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                    "resume uninterrupted service."
                },
                429,
                **{"Retry-After": self.retry_after},
            )
        resource = route.group(2)
        if resource == "orders" and request.method == "GET":
            return self._orders(request)
        if resource.startswith("variants/"):
            variant = int(resource.split("/")[1])
            return Reply.json({"variant": {"id": variant, "inventory_item_id": variant + 800000000}})
        if resource == "locations":
            return Reply.json({"locations": [{"id": LOCATION_ID, "name": "深圳仓", "active": True}]})
        if resource == "inventory_levels/set" and request.method == "POST":
            body = json.loads(request.body)
            if body.get("location_id") != LOCATION_ID:
                return Reply.json({"errors": {"location_id": ["is not a location of this shop"]}}, 422)
            self.stock[str(body["inventory_item_id"])] = int(body["available"])
            return Reply.json({"inventory_level": body | {"updated_at": datetime.now().isoformat()}})
        return Reply.json({"errors": "Not Found"}, 404)

    def _orders(self, request: Request) -> Reply:
        query = request.query
        limit = int(query.get("limit", 50))
        if limit > 250:
            return Reply.json({"errors": {"limit": ["must be less than or equal to 250"]}}, 400)
        if "page_info" in query:
            if set(query) - {"page_info", "limit", "fields"}:
                return Reply.json({"errors": {"page_info": ["only limit and fields may go with page_info"]}}, 400)
            cursor = json.loads(base64.urlsafe_b64decode(query["page_info"]))
        else:
            cursor = {"min": query["updated_at_min"], "max": query["updated_at_max"], "after": None}
        found = self.modified_in(business_time(cursor["min"]), business_time(cursor["max"]))
        if cursor["after"]:
            after = (business_time(cursor["after"][0]), cursor["after"][1])
            found = [o for o in found if (self.modified_of(o), o["id"]) > after]
        page = found[:limit]
        headers = {}
        if len(found) > limit:
            next_cursor = _cursor(cursor | {"after": [page[-1]["updated_at"], page[-1]["id"]]})
            query = urlencode({"limit": limit, "page_info": next_cursor})
            url = f"http://{request.headers['host']}{request.path}?{query}"
            headers["Link"] = f'<{url}>; rel="next"'
        return Reply.json({"orders": page}, **headers)
