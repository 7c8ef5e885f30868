"""Our channel clients' requests, checked against the platforms' own SDK signing (platform_sdks,
ported from the SDK sources in docs/platform-signing.md), never against our signing or servers.

Each request is captured as the bytes httpx would put on the wire and read back the way a gateway
reads a form; the expected signature is computed from what arrived."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import httpx
import pytest

from connectors.jd import JdConnector
from connectors.pdd import PddConnector
from connectors.taobao import TaobaoConnector
from tests.connectors_api import platform_sdks as sdk

GMT8 = timezone(timedelta(hours=8))
# What a seller's data looks like: Chinese with a space, an optional field left empty, a memo
# of one full-width space (U+3000, blank to Java) and one of a no-break space (not blank to Java).
BUSINESS = {"outer_id": "猫粮 PET-FOOD-2KG", "sku_id": "", "memo": "\u3000", "title": "\u00a0鲜肉"}
BLANK_KEYS = {"sku_id", "memo"}


def capture(connector, answer: dict) -> list[httpx.Request]:
    """Route the connector's HTTP client to a recorder answering `answer`; returns what it sent."""
    sent: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=answer)

    connector.http = httpx.Client(transport=httpx.MockTransport(gateway))
    return sent


def form(request: httpx.Request) -> dict[str, str]:
    """The parameters as a gateway decodes an application/x-www-form-urlencoded UTF-8 body."""
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return dict(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True, strict_parsing=True))


def unsigned(params: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in params.items() if key != "sign"}


def assert_now_in_gmt8(text: str, before: float, after: float) -> None:
    """`yyyy-MM-dd HH:mm:ss` read in GMT+8 (the SDKs' DATE_TIMEZONE) is the moment of the call."""
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=GMT8).timestamp()
    assert int(before) <= moment <= after


@pytest.mark.parametrize("sign_method", ["md5", "hmac", "hmac-sha256"])
def test_a_taobao_call_is_signed_and_encoded_as_signtoprequest_does(sign_method, engine):
    connector = TaobaoConnector(
        "淘宝旗舰店",
        {"app_key": "12345678", "app_secret": "helloworld", "session": "s", "sign_method": sign_method},
        engine,
    )
    sent = capture(connector, {"item_quantity_update_response": {"item": {}}})
    before = time.time()
    connector.call("taobao.item.quantity.update", {"num_iid": "600000000000", "quantity": "5", **BUSINESS})
    params = form(sent[0])

    assert params["sign"] == sdk.top_sign(unsigned(params), "helloworld", sign_method)
    # The SDK signs the full map too: TaobaoHashMap drops empty values, signTopRequest skips them.
    full = unsigned(params) | BUSINESS
    assert params["sign"] == sdk.top_sign(full, "helloworld", sign_method)
    assert BLANK_KEYS.isdisjoint(params), "WebUtils.buildQuery sends no empty or blank parameter"
    assert (params["outer_id"], params["title"]) == (BUSINESS["outer_id"], BUSINESS["title"])
    assert b"outer_id=%E7%8C%AB%E7%B2%AE+PET-FOOD-2KG" in sent[0].content  # UTF-8, space as +
    assert_now_in_gmt8(params["timestamp"], before, time.time())
    assert (params["v"], params["format"], params["sign_method"]) == ("2.0", "json", sign_method)


def test_a_pinduoduo_call_is_signed_as_pop_sdk_signs_what_it_sends(engine):
    connector = PddConnector(
        "拼多多店", {"client_id": "9f2c1b7e8a4d4c0f", "client_secret": "csecret", "access_token": "tok"}, engine
    )
    sent = capture(connector, {"goods_quantity_update_response": {"is_success": True}})
    before = time.time()
    connector.call(
        "pdd.goods.quantity.update",
        {"goods_id": "320000000", "quantity": "5", **BUSINESS},
        "goods_quantity_update_response",
    )
    params = form(sent[0])

    # pop-sdk signs every parameter it sends, empty ones included; ours sends no blank one.
    assert params["sign"] == sdk.pdd_sign(unsigned(params), "csecret")
    assert BLANK_KEYS.isdisjoint(params)
    assert params["outer_id"] == BUSINESS["outer_id"]
    # PopBaseHttpRequest: timestamp is System.currentTimeMillis() / 1000, as text.
    assert int(before) <= int(params["timestamp"]) <= time.time()
    assert (params["type"], params["data_type"], params["version"]) == ("pdd.goods.quantity.update", "JSON", "V1")


def test_jd_business_parameters_are_one_json_string_as_the_jd_sdk_writes_it(engine):
    connector = JdConnector(
        "京东自营店", {"app_key": "5A1C2B3D", "app_secret": "jsecret", "access_token": "tok"}, engine
    )
    sent = capture(connector, {"jingdong_stock_write_updateSkuStock_responce": {"success": True}})
    business = {"stockNum": "5", "skuId": "100012345000", "remark": '猫粮 "2kg"\\鲜', "empty": ""}
    before = time.time()
    connector.call("jingdong.stock.write.updateSkuStock", business)
    params = form(sent[0])

    assert params["360buy_param_json"] == sdk.jd_param_json(business)
    assert (
        params["360buy_param_json"]
        == '{"empty":"","remark":"猫粮 \\"2kg\\"\\\\鲜","skuId":"100012345000","stockNum":"5"}'
    )
    assert params["sign"] == sdk.jd_sign(unsigned(params), "jsecret")
    assert_now_in_gmt8(params["timestamp"], before, time.time())
    assert (params["v"], params["method"]) == ("2.0", "jingdong.stock.write.updateSkuStock")


def test_a_jd_call_without_an_access_token_neither_sends_nor_signs_it(engine):
    connector = JdConnector("京东自营店", {"app_key": "5A1C2B3D", "app_secret": "jsecret", "access_token": ""}, engine)
    params = connector.signed("jingdong.stock.write.updateSkuStock", {"skuId": "1"})
    assert "access_token" not in params
    assert params["sign"] == sdk.jd_sign(unsigned(params) | {"access_token": ""}, "jsecret")


@pytest.mark.parametrize(
    ("business", "expected"),
    [
        ({"b": "2", "a": "1"}, '{"a":"1","b":"2"}'),
        ({"name": "王小明", "note": None}, '{"name":"王小明"}'),  # Include.NON_NULL
        ({"line": "a\nb\tc"}, '{"line":"a\\nb\\tc"}'),
    ],
)
def test_jd_param_json_matches_jacksons_treemap_output(business, expected, engine):
    connector = JdConnector("京东自营店", {"app_key": "k", "app_secret": "s", "access_token": "t"}, engine)
    sent = connector.signed("jingdong.pop.order.search", business)["360buy_param_json"]
    assert sent == expected == sdk.jd_param_json(business)
