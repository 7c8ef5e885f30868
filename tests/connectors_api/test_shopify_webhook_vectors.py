"""Shopify webhooks against the HMAC Shopify's own library computes (shopify-api-js
lib/webhooks/validate.ts, ported in platform_sdks): base64 HMAC-SHA256 over the raw body bytes,
so a body whose JSON re-serialisation differs must still pass, and the re-serialised one must not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.shopify import ShopifyConnector, verify_webhook, webhook_order
from core.errors import PermissionDenied
from tests.connectors_api.platform_sdks import shopify_webhook_hmac

SECRET = "shpss_0123456789abcdef"
FIXTURE = Path(__file__).parent / "fixtures" / "shopify_order.json"
# The same order two ways: escaped non-ASCII in one key order, raw UTF-8 pretty-printed in another; the
# parsed JSON is identical, the bytes (and so the HMAC) are not.
ESCAPED = b'{"id":820982911946154508,"note":"\\u732b\\u7cae 2kg \\ud83d\\udc31","email":"jon@example.com"}'
PRETTY = (
    b'{\n  "email" : "jon@example.com",\n  "id" : 820982911946154508,\n'
    b'  "note" : "\xe7\x8c\xab\xe7\xb2\xae 2kg \xf0\x9f\x90\xb1"\n}\n'
)


def reserialised(body: bytes) -> bytes:
    """What a framework hands over after parsing: json.loads then json.dumps."""
    return json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("body", [ESCAPED, PRETTY], ids=["unicode-escapes", "key-order-and-whitespace"])
def test_a_webhook_is_checked_over_its_raw_bytes(body):
    header = shopify_webhook_hmac(body, SECRET)
    assert json.loads(body) == json.loads(ESCAPED)
    assert verify_webhook(body, header, SECRET)
    assert reserialised(body) != body
    assert not verify_webhook(reserialised(body), header, SECRET)


def test_the_published_style_vector_holds():
    body = b'{"id":820982911946154508,"email":"jon@example.com"}'
    assert shopify_webhook_hmac(body, "shpss_secret") == "vo+n5h/cLxNKGlgJ0Fd1aDzU0aOaajK8Hs9m0hPqWiQ="
    assert verify_webhook(body, "vo+n5h/cLxNKGlgJ0Fd1aDzU0aOaajK8Hs9m0hPqWiQ=", "shpss_secret")


def test_an_empty_body_is_refused_even_with_its_hmac():
    # shopify-api-js answers MissingBody before it computes anything.
    assert not verify_webhook(b"", shopify_webhook_hmac(b"", SECRET), SECRET)


def test_a_shop_without_a_webhook_secret_accepts_no_webhook(engine):
    # Without this, anyone could sign a forged order with the empty key.
    connector = ShopifyConnector("Shopify 海外店", {"store": "petfood-cn", "access_token": "t"}, engine)
    body = json.dumps(json.loads(FIXTURE.read_text())["order"]).encode()
    headers = {"X-Shopify-Hmac-Sha256": shopify_webhook_hmac(body, ""), "X-Shopify-Topic": "orders/create"}
    with pytest.raises(PermissionDenied, match="failed its HMAC check"):
        webhook_order(connector, body, headers)


def test_an_order_webhook_sent_pretty_and_ascii_escaped_is_read_from_its_raw_bytes(engine):
    connector = ShopifyConnector(
        "Shopify 海外店", {"store": "petfood-cn", "access_token": "t", "webhook_secret": SECRET}, engine
    )
    order = json.loads(FIXTURE.read_text())["order"]
    order["shipping_address"]["name"] = "陈静"
    body = json.dumps(order, indent=2, ensure_ascii=True).encode()
    headers = {"X-Shopify-Hmac-Sha256": shopify_webhook_hmac(body, SECRET), "X-Shopify-Topic": "orders/updated"}
    normalised = webhook_order(connector, body, headers)
    assert (normalised.buyer, normalised.paid_cents) == ("陈静", 40994)
    with pytest.raises(PermissionDenied):
        webhook_order(connector, reserialised(body), headers)
