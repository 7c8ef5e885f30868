"""The SDK ports pinned to literal vectors, and the local gateways refusing what the real ones
refuse: each now checks `sign` the way its platform's SDK computes it, not with our code."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from connectors import signing
from tests.connectors_api import platform_sdks as sdk
from tests.connectors_api.servers import jd, pdd, taobao
from tests.connectors_api.servers.base import serving

TOP_PARAMS = sdk.TOP_REFERENCE_PARAMS  # the vectors of shared/reference/channels.md


@pytest.mark.parametrize(("sign_method", "expected"), list(sdk.TOP_REFERENCE_DIGESTS.items()))
def test_the_top_port_gives_the_reference_vectors_and_skips_what_java_calls_empty(sign_method, expected):
    assert sdk.top_sign(TOP_PARAMS, "helloworld", sign_method) == expected
    assert sdk.top_sign(TOP_PARAMS | {"buyer_nick": "", "memo": " \t\u3000"}, "helloworld", sign_method) == expected
    assert sdk.top_sign(TOP_PARAMS | {"memo": "\u00a0"}, "helloworld", sign_method) != expected


def test_the_pdd_and_jd_ports_give_the_reference_vectors():
    pdd_params = {"type": "pdd.order.number.list.increment.get", "client_id": "cid123", "access_token": "tok"}
    pdd_params |= {"timestamp": "1580000000", "data_type": "JSON", "is_lucky_flag": "0", "order_status": "5"}
    pdd_params |= {"start_updated_at": "1580000000", "end_updated_at": "1580001800", "page": "1"}
    pdd_params |= {"page_size": "100", "refund_status": "5"}
    assert sdk.pdd_sign(pdd_params, "csecret") == "8B92394F87F7E105632D5CBD45EDE844"
    assert sdk.jd_param_json({"page_size": "100", "page": "1", "end_date": "2020-01-01 12:00:00"}) == (
        '{"end_date":"2020-01-01 12:00:00","page":"1","page_size":"100"}'
    )
    param_json = (
        '{"start_date":"2020-01-01 00:00:00","end_date":"2020-01-01 12:00:00","order_state":"WAIT_SELLER_STOCK_OUT",'
        '"optional_fields":"orderId,orderTotalPrice","page":"1","page_size":"100"}'
    )
    jd_params = {"method": "jingdong.pop.order.search", "app_key": "appkey", "access_token": "tok", "v": "2.0"}
    jd_params |= {"timestamp": "2020-01-01 12:00:00", "360buy_param_json": param_json}
    assert sdk.jd_sign(jd_params, "jsecret") == "3B0376BA54FF4CC90355253AC76EF6FC"


def test_our_blank_rule_is_javas_isempty_for_every_character():
    for code in [*range(0xD800), *range(0xE000, 0x10000)]:
        assert signing.blank(chr(code)) == sdk.java_is_empty(chr(code)), hex(code)


def test_booleans_are_signed_as_they_are_sent():
    # httpx writes True as "true" in a form; Java's String.valueOf(Boolean) too. Signing str(True)
    # ("True") would sign something other than what the gateway receives.
    sent = signing.md5_request({"type": "pdd.goods.quantity.update", "use_has_next": True, "page": 2}, "csecret")
    assert sent["use_has_next"] == "true"
    assert sent["sign"] == sdk.pdd_sign({k: v for k, v in sent.items() if k != "sign"}, "csecret")


def old_md5(params: dict[str, str], secret: str) -> str:
    """What OrderHub signed before: every parameter, empty ones as their bare key."""
    joined = "".join(f"{key}{params[key]}" for key in sorted(params))
    return hashlib.md5(f"{secret}{joined}{secret}".encode()).hexdigest().upper()


def call(platform, path: str, params: dict[str, str]) -> dict:
    with serving(platform) as url:
        return httpx.post(f"{url}{path}", data=params).json()


def now_gmt8(offset: timedelta = timedelta(0)) -> str:
    return (datetime.now(timezone(timedelta(hours=8))) + offset).strftime("%Y-%m-%d %H:%M:%S")


def top_params(**overrides: str) -> dict[str, str]:
    params = {"method": "taobao.item.quantity.update", "app_key": taobao.APP_KEY, "session": taobao.SESSION}
    params |= {"timestamp": now_gmt8(), "format": "json", "v": "2.0", "sign_method": "md5"}
    return params | {"num_iid": "600000000000", "quantity": "5", "type": "1", "sku_id": ""} | overrides


def test_the_top_gateway_refuses_an_empty_parameter_signed_as_we_used_to():
    params = top_params()
    refused = call(taobao.TaobaoPlatform(), "/router/rest", params | {"sign": old_md5(params, taobao.SECRET)})
    assert refused["error_response"]["code"] == 25
    accepted = call(
        taobao.TaobaoPlatform(), "/router/rest", params | {"sign": sdk.top_sign(params, taobao.SECRET, "md5")}
    )
    assert "item_quantity_update_response" in accepted


def test_the_top_gateway_refuses_a_timestamp_not_in_gmt8():
    params = top_params(timestamp=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    refused = call(
        taobao.TaobaoPlatform(), "/router/rest", params | {"sign": sdk.top_sign(params, taobao.SECRET, "md5")}
    )
    assert refused["error_response"]["code"] == 31


def test_the_pdd_gateway_signs_an_empty_parameter_it_receives_as_pop_sdk_does():
    params = {"type": "pdd.goods.quantity.update", "client_id": pdd.CLIENT_ID, "access_token": pdd.ACCESS_TOKEN}
    params |= {"timestamp": str(int(datetime.now().timestamp())), "data_type": "JSON", "version": "V1"}
    params |= {"goods_id": "320000000", "quantity": "5", "update_type": "1", "sku_id": ""}
    skipped = sdk.pdd_sign({k: v for k, v in params.items() if v}, pdd.SECRET)
    assert call(pdd.PddPlatform(), "/api/router", params | {"sign": skipped})["error_response"]["error_code"] == 20004
    accepted = call(pdd.PddPlatform(), "/api/router", params | {"sign": sdk.pdd_sign(params, pdd.SECRET)})
    assert accepted["goods_quantity_update_response"]["is_success"] is True


def test_the_jd_gateway_refuses_an_empty_parameter_signed_as_we_used_to():
    params = {"method": "jingdong.stock.write.updateSkuStock", "app_key": jd.APP_KEY, "access_token": jd.ACCESS_TOKEN}
    params |= {
        "timestamp": now_gmt8(),
        "v": "2.0",
        "sign_method": "",
        "360buy_param_json": '{"skuId":"1","stockNum":"5"}',
    }
    assert (
        call(jd.JdPlatform(), "/routerjson", params | {"sign": old_md5(params, jd.SECRET)})["error_response"]["code"]
        == "12"
    )
    accepted = call(jd.JdPlatform(), "/routerjson", params | {"sign": sdk.jd_sign(params, jd.SECRET)})
    assert accepted["jingdong_stock_write_updateSkuStock_responce"]["success"] is True
