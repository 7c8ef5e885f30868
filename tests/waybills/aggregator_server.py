"""A local 快递100 for tests: 电子面单下单 / 取消 (api.kuaidi100.com/label/order), 订阅 (poll.kuaidi100.com/poll),
实时查询 (poll/query.do) and pushes to the subscriber's callback, on the documented wire format.

Requests are form-encoded with `param` as JSON text; the signatures are checked the way the
official demos compute them (MD5 upper hex of param+t+key+secret, of param+key+customer; pushes
carry MD5(param+salt)). Answers carry result / returnCode / message (and data). The error codes
it plays are listed in docs/waybills.md.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from tests.connectors_api.servers.base import Reply, Request

STATE_NAMES = {"1": "揽收", "0": "在途", "5": "派件", "3": "签收", "6": "退回", "14": "拒签", "4": "退签"}
NOT_SUBSCRIBABLE = "订阅方的订阅数据存在错误（如不支持的快递公司、单号为空、单号超长等）或错误的回调地址"
PREFIX = {"shunfeng": "SF", "yuantong": "YT", "jtexpress": "JT", "jd": "JDV", "zhongtong": "78", "yunda": "43"}


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def refusal(code: str, message: str, status: int = 200) -> Reply:
    return Reply.json({"result": False, "returnCode": code, "message": message, "data": None}, status)


@dataclass
class Parcel:
    company: str
    number: str
    order_key: str
    state: str = ""
    events: list[dict] = field(default_factory=list)
    cancelled: bool = False
    callback: tuple[str, str] | None = None  # (callbackurl, salt) once subscribed


class Aggregator:
    """The aggregator's state: API accounts, carrier accounts with their balance, issued parcels."""

    def __init__(self, key: str = "KD100KEY", secret: str = "kd100-secret", customer: str = "CUSTOMER01"):
        self.keys = {key: (secret, customer)}
        self.balances: dict[str, int] = {"SF-MONTHLY-001": 1_000_000}  # partnerId → waybills left
        self.unserved = ("西藏自治区阿里地区",)  # addresses no outlet serves
        self.parcels: dict[str, Parcel] = {}  # by number
        self.by_order: dict[tuple[str, str], str] = {}  # (key, orderId) → number: 下单 again returns it
        self.throttle_next = 0
        self.delay = 0.0
        self.requests: list[Request] = []
        self.serials = itertools.count(1)
        self.lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        form = request.form()
        if request.path == "/label/order":
            return self._label(form)
        if request.path == "/poll":
            return self._subscribe(form)
        if request.path == "/poll/query.do":
            return self._query(form)
        return Reply(404, b"not found")

    def calls(self, method: str) -> list[dict]:
        """The requests for one label/order method (named in the form or, for 取消, in the URL)."""
        return [r.form() for r in self.requests if r.form().get("method") == method]

    # 电子面单 ----------------------------------------------------------------------------------

    def _label(self, form: dict) -> Reply:
        with self.lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return refusal("429", "请求过于频繁，请稍后再试", 429)
        if form.get("key") not in self.keys:
            return refusal("601", "授权key无效或已过期")
        secret = self.keys[form["key"]][0]
        if form.get("sign") != md5(form.get("param", "") + form.get("t", "") + form["key"] + secret):
            return refusal("503", "验证签名失败")
        try:
            param = json.loads(form.get("param", ""))
        except ValueError:
            return refusal("400", "param不是合法的JSON")
        if form.get("method") == "cancel":
            return self._cancel(param)
        return self._order(form["key"], param)

    def _order(self, key: str, param: dict) -> Reply:
        missing = [name for name in ("kuaidicom", "recMan", "sendMan", "partnerId") if not param.get(name)]
        if missing:
            return refusal("400", f"{missing[0]}不能为空")
        partner = param["partnerId"]
        if partner not in self.balances:
            return refusal("30001", "电子面单账号或密码错误")
        if any(place in param["recMan"].get("printAddr", "") for place in self.unserved):
            return refusal("30002", "收件地址超出快递公司服务范围")
        with self.lock:
            known = self.by_order.get((key, param.get("orderId", "")))
            if known and param.get("orderId"):
                return self._issued(self.parcels[known], param.get("printType", "NON"))
            if self.balances[partner] <= 0:
                return refusal("30003", "电子面单余额不足，请联系网点充值")
            self.balances[partner] -= 1
            number = f"{PREFIX.get(param['kuaidicom'], '9')}{next(self.serials):012d}"
            parcel = Parcel(param["kuaidicom"], number, param.get("orderId", ""))
            self.parcels[number] = parcel
            self.by_order[(key, parcel.order_key)] = number
        return self._issued(parcel, param.get("printType", "NON"))

    def _issued(self, parcel: Parcel, print_type: str) -> Reply:
        """下单's answer; the label image link only when one was asked for (printType IMAGE or HTML)."""
        data = {
            "kuaidinum": parcel.number,
            "taskId": f"T{parcel.number}",
            "kdComOrderNum": f"K{parcel.number}",
            "bulkpen": "粤-深圳-南山",
            "orgSortingCode": "571W",
            "destSortingCode": "755A",
            "pkgCode": "010",
        }
        if print_type in ("IMAGE", "HTML"):
            data["label"] = f"https://example.invalid/label/{parcel.number}.png"
        return Reply.json({"result": True, "returnCode": "200", "message": "提交成功", "data": data})

    def _cancel(self, param: dict) -> Reply:
        parcel = self.parcels.get(param.get("kuaidinum", ""))
        if parcel is None or parcel.company != param.get("kuaidicom"):
            return refusal("400", "运单号不存在")
        if parcel.events:
            return refusal("30004", "快件已揽收，无法取消")
        parcel.cancelled = True
        return Reply.json({"result": True, "returnCode": "200", "message": "取消成功"})

    # 订阅与查询 -------------------------------------------------------------------------------

    def _subscribe(self, form: dict) -> Reply:
        try:
            param = json.loads(form.get("param", ""))
        except ValueError:
            return refusal("700", "订阅参数错误")
        if param.get("key") not in self.keys:
            return refusal("600", "您不是合法的订阅者")
        parcel = self.parcels.get(param.get("number", ""))
        parameters = param.get("parameters") or {}
        if parcel is None or parcel.company != param.get("company") or not parameters.get("callbackurl"):
            return refusal("700", NOT_SUBSCRIBABLE)
        if parcel.callback:
            return refusal("501", "重复订阅")
        parcel.callback = (parameters["callbackurl"], parameters.get("salt") or "")
        return Reply.json({"result": True, "returnCode": "200", "message": "提交成功"})

    def _query(self, form: dict) -> Reply:
        matching = [key for key, (_, customer) in self.keys.items() if customer == form.get("customer")]
        param_text = form.get("param", "")
        if not matching or form.get("sign") != md5(param_text + matching[0] + form["customer"]):
            return refusal("503", "验证签名失败")
        param = json.loads(param_text)
        parcel = self.parcels.get(param.get("num", ""))
        if parcel is None or not parcel.events:
            return refusal("500", "查询无结果，请隔段时间再查")
        return Reply.json(self._result(parcel))

    def _result(self, parcel: Parcel) -> dict:
        return {
            "message": "ok",
            "nu": parcel.number,
            "ischeck": "1" if parcel.state == "3" else "0",
            "com": parcel.company,
            "status": "200",
            "state": parcel.state,
            "data": list(reversed(parcel.events)),  # newest first, as documented
        }

    # The parcel moves ------------------------------------------------------------------------

    def move(self, number: str, state: str, context: str, at: datetime) -> httpx.Response | None:
        """The carrier scans the parcel; a subscribed one is pushed to its callback (the answer returned)."""
        parcel = self.parcels[number]
        event = {"time": f"{at:%Y-%m-%d %H:%M:%S}", "ftime": f"{at:%Y-%m-%d %H:%M:%S}", "context": context}
        parcel.events.append(event | {"status": STATE_NAMES.get(state, ""), "areaCode": None})
        parcel.state = state
        return self.push(number) if parcel.callback else None

    def push(self, number: str, salt: str | None = None) -> httpx.Response:
        """POST the parcel's whole history to its callback, signed with its salt (or another one)."""
        parcel = self.parcels[number]
        url, own_salt = parcel.callback
        status = "shutdown" if parcel.state == "3" else "polling"
        param = json.dumps({"status": status, "message": "", "lastResult": self._result(parcel)}, ensure_ascii=False)
        sign = md5(param + (own_salt if salt is None else salt))
        return httpx.post(url, data={"param": param, "sign": sign}, timeout=10)
