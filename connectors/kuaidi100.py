"""快递100 (kuaidi100), the e-waybill aggregator: 电子面单下单 / 取消, 订阅推送 and 实时查询.

Wire format as its documents and official demos give it (docs/waybills.md lists them): every call
is a form-encoded POST whose `param` is a JSON string. Waybill calls sign MD5(param + t + key +
secret), the real-time query MD5(param + key + customer), and a push to our callback carries
MD5(param + salt); all 32 upper-case hex characters, over the exact `param` text sent.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from connectors import http
from connectors.base import ChannelError, Throttled

LABEL_URL = "https://api.kuaidi100.com/label/order"
SUBSCRIBE_URL = "https://poll.kuaidi100.com/poll"
QUERY_URL = "https://poll.kuaidi100.com/poll/query.do"
PLATFORM = "快递100"
# OrderHub's carrier codes (core.carriers) and the aggregator's company codes (its 参数字典).
COMPANY = {
    "SF": "shunfeng",
    "ZTO": "zhongtong",
    "YTO": "yuantong",
    "YD": "yunda",
    "STO": "shentong",
    "JT": "jtexpress",
    "JD": "jd",
    "EMS": "ems",
}
SUBSCRIBED = {"200", "501"}  # 501: subscribed already and still tracked, which is what we want
THROTTLED = "429"


class WaybillRefused(ChannelError):
    """The aggregator said no; `reason` is its own message (Chinese), `code` its returnCode."""

    def __init__(self, code: str, reason: str):
        params = {"reason": reason, "code": code}
        super().__init__(f"{PLATFORM}：{reason}（{code}）", key="error.waybill_refused", params=params)
        self.code, self.reason = code, reason


def encode(param: dict) -> str:
    """The `param` text: compact JSON with Chinese kept as is (the PHP demos' JSON_UNESCAPED_UNICODE)."""
    return json.dumps(param, ensure_ascii=False, separators=(",", ":"))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def label_sign(param: str, t: str, key: str, secret: str) -> str:
    """电子面单 / 订阅 calls: MD5(param + t + key + secret), upper case."""
    return _md5(param + t + key + secret)


def query_sign(param: str, key: str, customer: str) -> str:
    """实时查询: MD5(param + key + customer), upper case."""
    return _md5(param + key + customer)


def push_sign(param: str, salt: str) -> str:
    """A push to our callback: MD5(param + salt), upper case."""
    return _md5(param + salt)


@dataclass(frozen=True)
class Party:
    name: str
    mobile: str
    address: str

    def param(self) -> dict:
        return {"name": self.name, "mobile": self.mobile, "printAddr": self.address}


@dataclass(frozen=True)
class Account:
    """The carrier account the waybill is drawn on: 月结账号 (partnerId) or an outlet's (net)."""

    partner_id: str
    partner_key: str = ""
    partner_secret: str = ""
    partner_name: str = ""
    net: str = ""

    def param(self) -> dict:
        values = {
            "partnerId": self.partner_id,
            "partnerKey": self.partner_key,
            "partnerSecret": self.partner_secret,
            "partnerName": self.partner_name,
            "net": self.net,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class WaybillRequest:
    order_key: str  # our idempotency key, sent as orderId
    carrier: str  # OrderHub's code, e.g. "SF"
    account: Account
    sender: Party
    receiver: Party
    cargo: str
    print_type: str = "NON"  # NON: number only; IMAGE: also the carrier's label image (a short link)


@dataclass(frozen=True)
class Waybill:
    carrier: str
    tracking_no: str
    routing: str = ""  # 大头笔 (bulkpen)
    sort_code: str = ""  # 三段码: origin sorting / destination sorting / package code
    label_url: str = ""
    carrier_order_no: str = ""  # kdComOrderNum, needed again to cancel


@dataclass(frozen=True)
class TrackEvent:
    at: datetime
    context: str
    state: str


@dataclass(frozen=True)
class Tracking:
    tracking_no: str
    state: str  # 0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回, 7 转投, 14 拒签
    events: tuple[TrackEvent, ...]


class Kuaidi100:
    """One aggregator account: key and secret (and the query `customer` id); URLs overridable."""

    def __init__(
        self,
        key: str,
        secret: str,
        customer: str = "",
        label_url: str = LABEL_URL,
        subscribe_url: str = SUBSCRIBE_URL,
        query_url: str = QUERY_URL,
        attempts: int = http.ATTEMPTS,
        millis: Callable[[], int] = lambda: int(time.time() * 1000),
    ):
        self.key, self.secret, self.customer = key, secret, customer
        self.label_url, self.subscribe_url, self.query_url = label_url, subscribe_url, query_url
        self.attempts, self.millis = attempts, millis
        self.http = http.client()

    def order(self, request: WaybillRequest) -> Waybill:
        """下单: a tracking number (and routing codes, label link) for one parcel."""
        param = {
            "printType": request.print_type,
            **request.account.param(),
            "kuaidicom": COMPANY[request.carrier],
            "recMan": request.receiver.param(),
            "sendMan": request.sender.param(),
            "cargo": request.cargo,
            "count": 1,
            "payType": "SHIPPER",  # 寄付: the shipper (our 月结 account) pays, as in the demo
            "orderId": request.order_key,
        }
        data = self._label_call("order", param).get("data") or {}
        if not data.get("kuaidinum"):
            raise ChannelError(f"{PLATFORM} answered 下单 without a tracking number.")
        sorting = (data.get("orgSortingCode"), data.get("destSortingCode"), data.get("pkgCode"))
        return Waybill(
            carrier=request.carrier,
            tracking_no=str(data["kuaidinum"]),
            routing=str(data.get("bulkpen") or ""),
            sort_code="-".join(part for part in sorting if part),
            label_url=str(data.get("label") or ""),
            carrier_order_no=str(data.get("kdComOrderNum") or ""),
        )

    def cancel(self, waybill: Waybill, account: Account, reason: str) -> None:
        """取消: give back a number that has not shipped."""
        param = {
            **account.param(),
            "kuaidicom": COMPANY[waybill.carrier],
            "kuaidinum": waybill.tracking_no,
            "orderId": waybill.carrier_order_no,
            "reason": reason,
        }
        self._label_call("cancel", {name: value for name, value in param.items() if value}, method_in_url=True)

    def subscribe(self, carrier: str, tracking_no: str, callback_url: str, salt: str, phone: str = "") -> None:
        """订阅: the aggregator pushes each change of the parcel to callback_url, signed with salt."""
        parameters = {"callbackurl": callback_url, "salt": salt, "resultv2": "1", "phone": phone}
        param = encode({"company": COMPANY[carrier], "number": tracking_no, "key": self.key, "parameters": parameters})
        body = self._post(self.subscribe_url, {"schema": "json", "param": param})
        code = str(body.get("returnCode", ""))
        if code not in SUBSCRIBED:
            raise WaybillRefused(code, str(body.get("message") or "订阅失败"))

    def query(self, carrier: str, tracking_no: str, phone: str = "") -> Tracking:
        """实时查询: the parcel's whole history now (the polling fallback)."""
        param = encode({"com": COMPANY[carrier], "num": tracking_no, "phone": phone, "resultv2": "1", "order": "asc"})
        form = {"customer": self.customer, "sign": query_sign(param, self.key, self.customer), "param": param}
        body = self._post(self.query_url, form)
        if body.get("returnCode") or body.get("result") is False:
            raise WaybillRefused(str(body.get("returnCode", "")), str(body.get("message") or "查询失败"))
        return tracking_of(body)

    def close(self) -> None:
        self.http.close()

    def _label_call(self, method: str, param: dict, method_in_url: bool = False) -> dict:
        """A signed label/order call; 取消 names its method in the URL, as the official PHP demo does."""
        text = encode(param)
        url = f"{self.label_url}?method={method}" if method_in_url else self.label_url
        named = {} if method_in_url else {"method": method}

        def signed() -> dict[str, str]:  # a retry is a new request: a new timestamp, a new signature
            t = str(self.millis())
            return named | {"key": self.key, "t": t, "sign": label_sign(text, t, self.key, self.secret)}

        body = self._post(url, lambda: signed() | {"param": text})
        if body.get("result") is True or str(body.get("returnCode", body.get("code", ""))) == "200":
            return body
        raise WaybillRefused(str(body.get("returnCode", body.get("code", ""))), str(body.get("message") or "下单失败"))

    def _post(self, url: str, form: dict | Callable[[], dict]) -> dict:
        def call() -> dict:
            response = self.http.post(url, data=form() if callable(form) else form)
            return _answer(response)

        return http.with_backoff(call, self.attempts)


def _answer(response: httpx.Response) -> dict:
    http.raise_for_server_trouble(response)
    body = http.json_body(response, PLATFORM)
    if response.status_code == 429 or str(body.get("returnCode", "")) == THROTTLED:
        retry = response.headers.get("Retry-After")
        raise Throttled(PLATFORM, float(retry) if retry else None, str(body.get("message", "")))
    return body


def tracking_of(result: dict) -> Tracking:
    """A query answer, or a push's lastResult, as our Tracking (events oldest first)."""
    events = [
        TrackEvent(_time(item["time"]), str(item.get("context", "")), str(item.get("status", "")))
        for item in result.get("data") or []
    ]
    events.sort(key=lambda event: event.at)
    return Tracking(str(result.get("nu", "")), str(result.get("state", "")), tuple(events))


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
