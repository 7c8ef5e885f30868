"""Signatures against the vectors in shared/reference/channels.md, and the Shopify webhook check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest

from connectors import sync
from connectors.shopify import ShopifyConnector, verify_webhook, webhook_order
from connectors.signing import hmac_sign, md5_sign, top_sign
from core.errors import InvalidInput, PermissionDenied
from tests.connectors_api.conftest import START, make_connector
from tests.connectors_api.kits import TAOBAO
from tests.connectors_api.platform_sdks import TOP_REFERENCE_DIGESTS, TOP_REFERENCE_PARAMS
from tests.connectors_api.servers.base import serving

TOP_PARAMS = {k: v for k, v in TOP_REFERENCE_PARAMS.items() if k != "sign_method"}


# The reference computed all three digests over the same parameters (sign_method=md5 among them).
@pytest.mark.parametrize(
    ("sign", "expected"),
    [
        (lambda p, s: md5_sign(p, s), TOP_REFERENCE_DIGESTS["md5"]),
        (lambda p, s: hmac_sign(p, s, "md5"), TOP_REFERENCE_DIGESTS["hmac"]),
        (lambda p, s: hmac_sign(p, s, "sha256"), TOP_REFERENCE_DIGESTS["hmac-sha256"]),
    ],
    ids=["md5", "hmac", "hmac-sha256"],
)
def test_taobao_digests_match_the_reference_vectors(sign, expected):
    assert sign(TOP_PARAMS | {"sign_method": "md5"}, "helloworld") == expected


@pytest.mark.parametrize(("sign_method", "digest"), [("hmac", "md5"), ("hmac-sha256", "sha256")])
def test_a_taobao_request_is_signed_with_the_method_it_names(sign_method, digest):
    params = TOP_PARAMS | {"sign_method": sign_method}
    assert top_sign(params, "helloworld") == hmac_sign(params, "helloworld", digest)
    assert top_sign(TOP_PARAMS | {"sign_method": "md5"}, "helloworld") == TOP_REFERENCE_DIGESTS["md5"]


def test_an_existing_sign_parameter_is_left_out_of_the_signature():
    params = TOP_PARAMS | {"sign_method": "md5"}
    assert top_sign(params | {"sign": "WHATEVER"}, "helloworld") == top_sign(params, "helloworld")


def test_pinduoduo_requests_are_signed_as_pdd_documents():
    params = {
        "type": "pdd.order.number.list.increment.get",
        "client_id": "cid123",
        "access_token": "tok",
        "timestamp": 1580000000,
        "data_type": "JSON",
        "is_lucky_flag": 0,
        "order_status": 5,
        "start_updated_at": 1580000000,
        "end_updated_at": 1580001800,
        "page": 1,
        "page_size": 100,
        "refund_status": 5,
    }
    assert md5_sign(params, "csecret") == "8B92394F87F7E105632D5CBD45EDE844"


def test_jd_requests_are_signed_over_the_compact_param_json():
    param_json = (
        '{"start_date":"2020-01-01 00:00:00","end_date":"2020-01-01 12:00:00",'
        '"order_state":"WAIT_SELLER_STOCK_OUT","optional_fields":"orderId,orderTotalPrice",'
        '"page":"1","page_size":"100"}'
    )
    params = {
        "method": "jingdong.pop.order.search",
        "app_key": "appkey",
        "access_token": "tok",
        "timestamp": "2020-01-01 12:00:00",
        "v": "2.0",
        "360buy_param_json": param_json,
    }
    assert md5_sign(params, "jsecret") == "3B0376BA54FF4CC90355253AC76EF6FC"


BODY = b'{"id":820982911946154508,"email":"jon@example.com"}'


def test_a_shopify_webhook_with_the_right_hmac_is_accepted():
    assert verify_webhook(BODY, "vo+n5h/cLxNKGlgJ0Fd1aDzU0aOaajK8Hs9m0hPqWiQ=", "shpss_secret")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "vo+n5h/cLxNKGlgJ0Fd1aDzU0aOaajK8Hs9m0hPqWiQ",
        base64.b64encode(hmac.new(b"another_secret", BODY, hashlib.sha256).digest()).decode(),
        hmac.new(b"shpss_secret", BODY, hashlib.sha256).hexdigest(),  # hex, not base64
    ],
)
def test_a_shopify_webhook_with_a_missing_or_wrong_hmac_is_refused(header):
    assert not verify_webhook(BODY, header, "shpss_secret")


def test_a_shopify_webhook_body_changed_by_one_byte_is_refused():
    assert not verify_webhook(
        BODY.replace(b"jon", b"jan"), "vo+n5h/cLxNKGlgJ0Fd1aDzU0aOaajK8Hs9m0hPqWiQ=", "shpss_secret"
    )


@pytest.mark.parametrize("sign_method", ["md5", "hmac", "hmac-sha256"])
def test_a_taobao_shop_pulls_with_each_signing_method_the_gateway_accepts(sign_method, engine):
    server = TAOBAO.platform()
    server.put(TAOBAO.order(1, "paid", START + timedelta(hours=1), [("PET-FOOD-2KG", 1, "59.90")]))
    with serving(server) as url:
        connector = make_connector(TAOBAO, url, engine, sign_method=sign_method)
        result = sync.pull(engine, connector, now=START + timedelta(hours=4))
        connector.close()
    assert result.summary.new == 1
    assert {r.form()["sign_method"] for r in server.requests} == {sign_method}


# From Shopify/shopify_python_api's test fixtures (MIT, licence beside it).
FIXTURE = Path(__file__).parent / "fixtures" / "shopify_order.json"


def _signed(body: bytes, secret: str = "shpss_secret") -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_signed_shopify_order_webhook_gives_the_normalised_order(engine):
    connector = ShopifyConnector(
        "Shopify 海外店", {"store": "petfood-cn", "access_token": "t", "webhook_secret": "shpss_secret"}, engine
    )
    body = json.dumps(json.loads(FIXTURE.read_text())["order"]).encode()
    headers = {"X-Shopify-Hmac-Sha256": _signed(body), "X-Shopify-Topic": "orders/updated"}
    order = webhook_order(connector, body, headers)
    assert (order.channel_order_no, order.status, order.paid_cents) == ("450789469", "paid", 40994)
    assert [(line.sku, line.qty) for line in order.lines][0] == ("IPOD2008GREEN", 1)
    assert order.created_at.isoformat() == "2008-01-11T00:00:00"  # 11:00 in New York is midnight in Shanghai
    with pytest.raises(PermissionDenied, match="failed its HMAC check"):
        webhook_order(connector, body, headers | {"X-Shopify-Hmac-Sha256": _signed(body, "someone-else")})
    with pytest.raises(InvalidInput, match="carries no order"):
        webhook_order(connector, body, headers | {"X-Shopify-Topic": "products/update"})
