"""A local JOS gateway: /routerjson with JD's system parameters and 360buy_param_json, md5 signature
check, error_response {code, zh_desc, en_desc}, jingdong.pop.order.search paging and stock update."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.connectors_api.platform_sdks import jd_sign
from tests.connectors_api.servers.base import Platform, Reply, Request, page_of, unsigned

FMT = "%Y-%m-%d %H:%M:%S"
APP_KEY, SECRET, ACCESS_TOKEN = "5A1C2B3D4E5F60718293A4B5C6D7E8F9", "jsecret", "b7c8d9e0-jd-vender-token"
STATE = {"paid": "WAIT_SELLER_STOCK_OUT", "shipped": "WAIT_GOODS_RECEIVE_CONFIRM", "cancelled": "TRADE_CANCELED"}


def order(order_id: int, state: str, modified: datetime, lines: list[tuple[str, int, str]]) -> dict:
    """An order as jingdong.pop.order.search returns it (money as strings in yuan)."""
    total = sum(qty * float(price) for _, qty, price in lines)
    started = modified - timedelta(minutes=30)
    return {
        "orderId": str(order_id),
        "orderState": STATE[state],
        "orderTotalPrice": f"{total:.2f}",
        "orderSellerPrice": f"{total - 4:.2f}",
        "orderPayment": f"{total - 6:.2f}",
        "freightPrice": "0.00",
        "sellerDiscount": "4.00",
        "orderStartTime": started.strftime(FMT),
        "paymentConfirmTime": started.strftime(FMT),
        "modified": modified.strftime(FMT),
        "consigneeInfo": {
            "fullname": "张伟",
            "mobile": "137****5678",
            "province": "北京",
            "city": "朝阳区",
            "county": "四环到五环之间",
            "fullAddress": "北京朝阳区四环到五环之间望京 SOHO T1",
        },
        "itemInfoList": [
            {
                "skuId": str(100012345000 + i),
                "wareId": str(10001000 + i),
                "skuName": sku,
                "outerSkuId": sku,
                "jdPrice": price,
                "itemTotal": str(qty),
            }
            for i, (sku, qty, price) in enumerate(lines)
        ],
        "orderRemark": "",
        "venderRemark": "",
        "waybill": "",
    }


def _error(code: str, zh: str, en: str) -> Reply:
    return Reply.json({"error_response": {"code": code, "zh_desc": zh, "en_desc": en}})


class JdPlatform(Platform):
    def __init__(self):
        super().__init__(lambda o: datetime.strptime(o["modified"], FMT), lambda o: o["orderId"])

    def handle(self, request: Request) -> Reply:
        params = request.form()
        if request.path != "/routerjson":
            return Reply(404, b"not found")
        if params.get("app_key") != APP_KEY:
            return _error("20", "无效的app_key", "Invalid app_key")
        if params.get("sign") != jd_sign(unsigned(params), SECRET):
            return _error("12", "无效签名", "Invalid signature")
        if params.get("access_token") != ACCESS_TOKEN:
            return _error("19", "token已过期或者不存在，请重新授权访问", "Invalid access_token")
        if self.take_throttle():
            return _error("11", "调用频率超过限制", "Call frequency exceeds the limit")
        business = json.loads(params["360buy_param_json"])
        if params["method"] == "jingdong.pop.order.search":
            return self._search(business)
        if params["method"] == "jingdong.stock.write.updateSkuStock":
            self.stock[business["skuId"]] = int(business["stockNum"])
            return Reply.json({"jingdong_stock_write_updateSkuStock_responce": {"code": "0", "success": True}})
        return _error("15", "不存在的方法名", "Invalid Method")

    def _search(self, business: dict) -> Reply:
        start, end = (datetime.strptime(business[k], FMT) for k in ("start_date", "end_date"))
        states = set(business.get("order_state", "").split(","))
        if business.get("dateType") != "0":
            return _error("41", "本服务只按修改时间查询", "only dateType 0 (modified) is served here")
        found = [o for o in self.modified_in(start, end) if o["orderState"] in states]
        page, _ = page_of(found, int(business["page"]), min(int(business["page_size"]), 100))
        result = {
            "apiResult": {"success": True, "chineseErrCode": "成功", "englishErrCode": "success"},
            "orderTotal": len(found),
            "orderInfoList": page,
        }
        return Reply.json({"jingdong_pop_order_search_responce": {"code": "0", "searchorderinfo_result": result}})
