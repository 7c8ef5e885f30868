"""A local TOP gateway: /router/rest with TOP's system parameters, signature check, error_response
shapes, taobao.trades.sold.increment.get paging and taobao.item.quantity.update."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

from tests.connectors_api.platform_sdks import top_sign
from tests.connectors_api.servers.base import Platform, Reply, Request, page_of, unsigned

FMT = "%Y-%m-%d %H:%M:%S"
GMT8 = timezone(timedelta(hours=8))
APP_KEY, SECRET, SESSION = "12345678", "helloworld", "6100a1b2c3d4e5f6-seller-session"


def trade(tid: int, status: str, modified: datetime, lines: list[tuple[str, int, str]], **extra) -> dict:
    """A trade as TOP returns it (money as strings, lists wrapped in objects)."""
    total = sum(int(qty) * float(price) for _, qty, price in lines)
    created = extra.pop("created", modified - timedelta(minutes=30))
    return {
        "tid": tid,
        "type": "fixed",
        "status": status,
        "created": created.strftime(FMT),
        "pay_time": None if status == "WAIT_BUYER_PAY" else (created + timedelta(minutes=1)).strftime(FMT),
        "modified": modified.strftime(FMT),
        "buyer_nick": "tb_小明",
        "receiver_name": "王小明",
        "receiver_mobile": "13800138000",
        "receiver_state": "广东省",
        "receiver_city": "深圳市",
        "receiver_district": "南山区",
        "receiver_address": "科技园科苑路 15 号",
        "buyer_message": "",
        "seller_memo": "",
        "total_fee": f"{total:.2f}",
        "post_fee": "0.00",
        "discount_fee": "5.00",
        "payment": f"{total - 5:.2f}",
        "orders": {
            "order": [
                {
                    "oid": tid * 10 + i,
                    "num_iid": 600000000000 + i,
                    "sku_id": str(5000000000 + i),
                    "outer_sku_id": sku,
                    "title": sku,
                    "price": price,
                    "num": qty,
                    "discount_fee": "0.00",
                    "status": status,
                }
                for i, (sku, qty, price) in enumerate(lines)
            ]
        },
        **extra,
    }


def _error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> Reply:
    body = {"code": code, "msg": msg, "request_id": uuid.uuid4().hex[:12]}
    body |= {"sub_code": sub_code, "sub_msg": sub_msg} if sub_code else {}
    return Reply.json({"error_response": body})


def _timestamp_in_time(text: str) -> bool:
    """TOP reads `timestamp` as GMT+8 and allows a client clock ten minutes off."""
    try:
        sent = datetime.strptime(text, FMT).replace(tzinfo=GMT8)
    except ValueError:
        return False
    return abs(sent.timestamp() - time.time()) <= 600


class TaobaoPlatform(Platform):
    def __init__(self, ban_seconds: int = 1):
        super().__init__(lambda t: datetime.strptime(t["modified"], FMT), lambda t: str(t["tid"]))
        self.ban_seconds = ban_seconds

    def handle(self, request: Request) -> Reply:
        params = request.form()
        if request.path != "/router/rest":
            return Reply(404, b"not found")
        refused = self._refusal(params)
        if refused:
            return refused
        if self.take_throttle():
            return _error(
                7,
                "App Call Limited",
                "accesscontrol.limited-by-app-access-count",
                f"This ban will last for {self.ban_seconds} more seconds",
            )
        if params["method"] == "taobao.trades.sold.increment.get":
            return self._increment(params)
        if params["method"] == "taobao.item.quantity.update":
            return self._quantity_update(params)
        return _error(22, "Invalid method")

    def _refusal(self, params: dict[str, str]) -> Reply | None:
        """TOP's system-level checks, in its order: app key, signature, session."""
        for name in ("method", "app_key", "timestamp", "v", "sign"):
            if not params.get(name):
                return _error(40, "Missing required arguments", f"missing-{name}")
        if params["app_key"] != APP_KEY:
            return _error(29, "Invalid app Key", "isv.appkey-not-exists")
        if not _timestamp_in_time(params["timestamp"]):
            return _error(31, "Invalid timestamp")
        if params.get("sign_method", "md5") not in ("md5", "hmac", "hmac-sha256"):
            return _error(41, "Invalid arguments", "isv.invalid-sign-method")
        if params["sign"] != top_sign(unsigned(params), SECRET, params.get("sign_method", "md5")):
            return _error(25, "Invalid signature")
        if params.get("session") != SESSION:
            return _error(27, "Invalid session", "invalid-sessionkey")
        return None

    def _increment(self, params: dict[str, str]) -> Reply:
        start, end = (datetime.strptime(params[k], FMT) for k in ("start_modified", "end_modified"))
        if end - start > timedelta(days=1) or end < start:
            return _error(
                41,
                "Invalid arguments",
                "isv.invalid-parameter:start_modified",
                "start_modified and end_modified must be within one day",
            )
        types = set(params.get("type", "guarantee_trade,auto_delivery,ec,cod,step").split(","))
        trades = [t for t in self.modified_in(start, end) if t["type"] in types]
        page, more = page_of(trades, int(params.get("page_no", 1)), min(int(params.get("page_size", 40)), 100))
        body = {"trades": {"trade": page}, "request_id": uuid.uuid4().hex[:12]}
        body |= {"has_next": more} if params.get("use_has_next") == "true" else {"total_results": len(trades)}
        return Reply.json({"trades_sold_increment_get_response": body})

    def _quantity_update(self, params: dict[str, str]) -> Reply:
        key = f"{params['num_iid']}:{params.get('sku_id', '')}"
        if params.get("type", "1") != "1":
            return _error(41, "Invalid arguments", "isv.invalid-parameter:type", "only full updates are served here")
        self.stock[key] = int(params["quantity"])
        item = {
            "num_iid": int(params["num_iid"]),
            "num": int(params["quantity"]),
            "modified": datetime.now().strftime(FMT),
        }
        return Reply.json({"item_quantity_update_response": {"item": item}})
