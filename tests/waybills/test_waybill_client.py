"""The 快递100 client against the local aggregator: signatures as the official demos compute them,
the form it posts, each error the aggregator answers, throttling, a retried order, cancelling."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import parse_qsl

import httpx
import pytest

from connectors import kuaidi100
from connectors.base import Throttled
from connectors.kuaidi100 import Account, Party, WaybillRefused
from tests.waybills.conftest import CUSTOMER, KEY, SECRET, client_for, request

FAR_AWAY = Party("卓玛", "13900001111", "西藏自治区阿里地区噶尔县")


def demo_sign(param: str, t: str, key: str, secret: str) -> str:
    """As kuaidi100-api/python-demo code/elec_print.py: md5((param + t + key + secret).encode()).upper()."""
    return hashlib.md5((param + t + key + secret).encode()).hexdigest().upper()


def test_the_waybill_signature_is_the_demos_md5_of_param_t_key_secret_over_utf8():
    param = '{"kuaidicom":"shunfeng","recMan":{"name":"张伟"}}'
    assert kuaidi100.label_sign(param, "1767225600000", KEY, SECRET) == "BE2FC75C4D162A2D28CF3A2A39749A51"
    assert kuaidi100.label_sign(param, "1767225600000", KEY, SECRET) == demo_sign(param, "1767225600000", KEY, SECRET)


def test_the_query_signature_is_md5_of_param_key_customer():
    param = '{"com":"yuantong","num":"YT9693083639795"}'
    assert kuaidi100.query_sign(param, KEY, CUSTOMER) == "50696A7C061378A99B9E7B1638474886"


def test_param_keeps_chinese_unescaped_and_compact_like_the_php_demos():
    assert kuaidi100.encode({"name": "张伟", "count": 1}) == '{"name":"张伟","count":1}'


def test_an_order_posts_the_documented_form_and_gets_number_and_routing_codes(aggregator):
    server, url = aggregator
    client = client_for(url)
    client.millis = lambda: 1767225600000
    waybill = client.order(request())
    form = dict(parse_qsl(server.requests[-1].body.decode()))
    assert server.requests[-1].headers["content-type"] == "application/x-www-form-urlencoded"
    assert set(form) == {"method", "key", "t", "sign", "param"}
    assert (form["method"], form["key"], form["t"]) == ("order", KEY, "1767225600000")
    assert form["sign"] == demo_sign(form["param"], form["t"], KEY, SECRET)
    param = json.loads(form["param"])
    assert param["kuaidicom"] == "shunfeng" and param["partnerId"] == "SF-MONTHLY-001"
    assert param["recMan"] == {"name": "张伟", "mobile": "13812341234", "printAddr": request().receiver.address}
    assert param["orderId"] == "OH-1001"
    assert waybill.tracking_no.startswith("SF") and waybill.routing == "粤-深圳-南山"
    assert waybill.sort_code == "571W-755A-010" and waybill.carrier_order_no == f"K{waybill.tracking_no}"
    assert waybill.label_url == ""  # printType NON: the number only


def test_a_request_signed_like_the_python_demo_with_escaped_chinese_is_accepted_too(aggregator):
    """The signature covers the param text as sent, so either JSON spelling works."""
    _, url = aggregator
    param = json.dumps({"kuaidicom": "shunfeng", "partnerId": "SF-MONTHLY-001", "orderId": "X1",
                        "recMan": {"name": "张伟", "printAddr": "广东深圳"}, "sendMan": {"name": "李四"}})  # fmt: skip
    form = {"method": "order", "key": KEY, "t": "1", "param": param, "sign": demo_sign(param, "1", KEY, SECRET)}
    body = httpx.post(f"{url}/label/order", data=form).json()
    assert body["result"] is True and body["returnCode"] == "200"


@pytest.mark.parametrize(
    ("change", "code", "reason"),
    [
        ({"secret": "wrong-secret"}, "503", "验证签名失败"),
        ({"key": "NOKEY"}, "601", "授权key无效或已过期"),
        ({"account": Account("NO-SUCH-ACCOUNT")}, "30001", "电子面单账号或密码错误"),
        ({"account": Account("")}, "400", "partnerId不能为空"),
        ({"receiver": FAR_AWAY}, "30002", "收件地址超出快递公司服务范围"),
    ],
)
def test_each_refusal_comes_back_with_the_aggregators_chinese_reason(aggregator, change, code, reason):
    server, url = aggregator
    client = client_for(url, change.get("secret", SECRET), change.get("key", KEY))
    wanted = {name: value for name, value in change.items() if name in ("receiver", "account")}
    with pytest.raises(WaybillRefused) as refused:
        client.order(request(**wanted))
    assert (refused.value.code, refused.value.reason) == (code, reason)
    assert reason in str(refused.value)
    assert not server.parcels


def test_an_empty_balance_is_refused_and_issues_nothing(aggregator):
    server, url = aggregator
    server.balances["SF-MONTHLY-001"] = 0
    with pytest.raises(WaybillRefused, match="余额不足"):
        client_for(url).order(request())
    assert not server.parcels


def test_throttling_is_waited_out_and_the_order_goes_through(aggregator):
    server, url = aggregator
    server.throttle_next = 1
    waybill = client_for(url).order(request())
    assert len(server.calls("order")) == 2 and waybill.tracking_no in server.parcels


def test_throttling_that_lasts_is_reported_as_throttled(aggregator):
    server, url = aggregator
    server.throttle_next = 5
    with pytest.raises(Throttled):
        client_for(url, attempts=2).order(request())
    assert not server.parcels


def test_ordering_again_with_the_same_key_returns_the_same_number(aggregator):
    server, url = aggregator
    client = client_for(url)
    first, again = client.order(request("OH-7")), client.order(request("OH-7"))
    assert first == again and len(server.parcels) == 1
    assert server.balances["SF-MONTHLY-001"] == 1_000_000 - 1


def test_a_waybill_is_cancelled_until_the_courier_picks_the_parcel_up(aggregator):
    server, url = aggregator
    client = client_for(url)
    waybill = client.order(request("OH-8"))
    client.cancel(waybill, request().account, "订单取消")
    assert server.parcels[waybill.tracking_no].cancelled
    sent = server.requests[-1]  # as php-demo src/ele_cancel.php: the method in the URL, signed param in the body
    assert sent.query == {"method": "cancel"} and set(dict(parse_qsl(sent.body.decode()))) == {
        "key",
        "t",
        "sign",
        "param",
    }
    picked = client.order(request("OH-9"))
    server.move(picked.tracking_no, "1", "顺丰速运 已收取快件", datetime(2026, 12, 1, 10, 0))
    with pytest.raises(WaybillRefused, match="无法取消"):
        client.cancel(picked, request().account, "订单取消")


def test_subscribing_twice_is_fine_and_the_query_returns_the_history_oldest_first(aggregator):
    server, url = aggregator
    client = client_for(url)
    waybill = client.order(request("OH-10"))
    client.subscribe("SF", waybill.tracking_no, "http://127.0.0.1:9/cb", "salt-1")
    client.subscribe("SF", waybill.tracking_no, "http://127.0.0.1:9/cb", "salt-1")  # 501 重复订阅: tracked already
    server.parcels[waybill.tracking_no].callback = None  # no push in this test
    server.move(waybill.tracking_no, "1", "已揽收", datetime(2026, 12, 1, 10, 0))
    server.move(waybill.tracking_no, "0", "运输中", datetime(2026, 12, 1, 20, 0))
    tracking = client.query("SF", waybill.tracking_no)
    assert tracking.state == "0" and [e.context for e in tracking.events] == ["已揽收", "运输中"]
    assert tracking.events[0].state == "揽收"


def test_a_query_with_a_wrong_key_is_refused(aggregator):
    server, url = aggregator
    waybill = client_for(url).order(request("OH-11"))
    server.move(waybill.tracking_no, "1", "已揽收", datetime(2026, 12, 1, 10, 0))
    with pytest.raises(WaybillRefused) as refused:
        client_for(url, key="OTHERKEY").query("SF", waybill.tracking_no)
    assert refused.value.code == "503"


def test_subscribing_with_a_wrong_key_or_an_unknown_number_and_querying_too_early_are_refused(aggregator):
    server, url = aggregator
    waybill = client_for(url).order(request("OH-12"))
    with pytest.raises(WaybillRefused) as wrong_key:
        client_for(url, key="OTHERKEY").subscribe("SF", waybill.tracking_no, "http://127.0.0.1:9/cb", "s")
    with pytest.raises(WaybillRefused) as unknown:
        client_for(url).subscribe("SF", "SF999999999999", "http://127.0.0.1:9/cb", "s")
    with pytest.raises(WaybillRefused) as too_early:
        client_for(url).query("SF", waybill.tracking_no)
    assert (wrong_key.value.code, wrong_key.value.reason) == ("600", "您不是合法的订阅者")
    assert unknown.value.code == "700" and too_early.value.code == "500" and "查询无结果" in too_early.value.reason
