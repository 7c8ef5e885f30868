"""A local PDD gateway: /api/router with PDD's common parameters, md5 signature check, its
error_response shape, pdd.order.number.list.increment.get paging and pdd.goods.quantity.update."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

from core.clock import BUSINESS_TZ
from tests.connectors_api.platform_sdks import pdd_sign
from tests.connectors_api.servers.base import Platform, Reply, Request, page_of, unsigned

FMT = "%Y-%m-%d %H:%M:%S"
CLIENT_ID, SECRET, ACCESS_TOKEN = "9f2c1b7e8a4d4c0f", "csecret", "a1b2c3d4e5-pdd-mall-token"
STATUS = {"paid": (1, 1), "shipped": (2, 1), "completed": (3, 1), "cancelled": (1, 4)}


def order(order_sn: str, state: str, updated: datetime, lines: list[tuple[str, int, str]]) -> dict:
    """An order as the increment API returns it (money in yuan as numbers)."""
    order_status, refund_status = STATUS[state]
    goods = round(sum(qty * float(price) for _, qty, price in lines), 2)
    created = updated - timedelta(minutes=30)
    return {
        "order_sn": order_sn,
        "order_status": order_status,
        "refund_status": refund_status,
        "confirm_status": 1,
        "created_time": created.strftime(FMT),
        "confirm_time": created.strftime(FMT),
        "pay_time": created.strftime(FMT),
        "updated_at": updated.strftime(FMT),
        "goods_amount": goods,
        "pay_amount": round(goods - 3, 2),
        "discount_amount": 3.0,
        "seller_discount": 2.0,
        "platform_discount": 1.0,
        "capital_free_discount": 0.0,
        "postage": 0.0,
        "province": "浙江省",
        "province_id": 33,
        "city": "杭州市",
        "city_id": 3301,
        "town": "西湖区",
        "receiver_name_mask": "李*",
        "receiver_phone_mask": "139****0000",
        "address_mask": "文三路 90 号****",
        "buyer_memo": "",
        "remark": "",
        "tracking_number": "",
        "trade_type": 0,
        "item_list": [
            {
                "goods_id": 320000000 + i,
                "goods_name": sku,
                "goods_price": float(price),
                "goods_count": qty,
                "goods_spec": "默认",
                "outer_goods_id": "",
                "outer_id": sku,
                "sku_id": 880000000 + i,
            }
            for i, (sku, qty, price) in enumerate(lines)
        ],
    }


def _error(code: int, msg: str) -> Reply:
    return Reply.json(
        {
            "error_response": {
                "error_code": code,
                "error_msg": msg,
                "sub_code": str(code),
                "sub_msg": msg,
                "request_id": uuid.uuid4().hex[:16],
            }
        }
    )


class PddPlatform(Platform):
    def __init__(self):
        super().__init__(lambda o: datetime.strptime(o["updated_at"], FMT), lambda o: o["order_sn"])

    def handle(self, request: Request) -> Reply:
        params = request.form()
        if request.path != "/api/router":
            return Reply(404, b"not found")
        for name in ("type", "client_id", "timestamp", "sign"):
            if not params.get(name):
                return _error(10001, f"公共参数错误:{name}")
        if params["client_id"] != CLIENT_ID:
            return _error(10016, "client下线或者clientId不正确")
        if abs(int(params["timestamp"]) - time.time()) > 600:
            return _error(10001, "公共参数错误:timestamp")
        if params["sign"] != pdd_sign(unsigned(params), SECRET):
            return _error(20004, "签名sign校验失败")
        if params.get("access_token") != ACCESS_TOKEN:
            return _error(10019, "access_token已过期")
        if self.take_throttle():
            return _error(70031, "调用过于频繁，请调整调用频率")
        if params["type"] == "pdd.order.number.list.increment.get":
            return self._increment(params)
        if params["type"] == "pdd.goods.quantity.update":
            self.stock[f"{params['goods_id']}:{params.get('sku_id', '')}"] = int(params["quantity"])
            return Reply.json({"goods_quantity_update_response": {"is_success": True}})
        return _error(10017, "type不正确")

    def _increment(self, params: dict[str, str]) -> Reply:
        start, end = (
            datetime.fromtimestamp(int(params[k]), BUSINESS_TZ).replace(tzinfo=None)
            for k in ("start_updated_at", "end_updated_at")
        )
        if not timedelta(0) <= end - start <= timedelta(minutes=30):
            return _error(21001, "请求参数错误: end_updated_at - start_updated_at 不能超过 30 分钟")
        size = int(params.get("page_size", 100))
        if size > 100:
            return _error(21001, "请求参数错误: page_size 不能超过 100")
        orders = self.modified_in(start, end)
        page, more = page_of(orders, int(params.get("page", 1)), size)
        body = {"order_sn_list": page, "total_count": len(orders), "request_id": uuid.uuid4().hex[:16]}
        if params.get("use_has_next") == "true":
            body["has_next"] = more
        return Reply.json({"order_sn_increment_get_response": body})
