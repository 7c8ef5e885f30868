"""Each review rule on its own, positive and negative, without a database."""

from __future__ import annotations

import pytest

from core.review import rules as R
from core.review.review import evaluate
from core.review.review_facts import parse_addresses

SHENZHEN = {"province": "广东省", "city": "深圳市", "address": "南山区科技园南路88号3栋1201"}


def facts(**fields) -> R.OrderFacts:
    values = {
        "id": 1,
        "channel_order_no": "3312456789012",
        "channel": "taobao",
        "shop_id": 1,
        "buyer": "张三",
        "phone": "13800138000",
        **SHENZHEN,
    } | fields
    return R.OrderFacts(**values)


def line(sku="PET-FOOD-2KG", qty=1, price=9_900, discount=0, cost=4_000) -> R.LineFacts:
    return R.LineFacts(1, sku, qty, price, discount, cost)


def defaults(code: str) -> dict:
    return R.BY_CODE[code].defaults


def check(code: str, order: R.OrderFacts, ctx: R.Context | None = None, **params) -> str | None:
    """The rule's reason in English, as the CLI shows it (None: the order passes)."""
    reason = R.BY_CODE[code].check(order, ctx or R.Context(), defaults(code) | params)
    return None if reason is None else str(reason)


@pytest.mark.parametrize(
    "phone",
    ["13800138000", "+86 138 0013 8000", "138-0013-8000", "19912345678", "13800138000-1234", "13800138000转5678"],
)
def test_a_mainland_mobile_number_passes_the_phone_rule(phone):
    assert check("phone_invalid", facts(phone=phone)) is None


@pytest.mark.parametrize("phone", ["", "1380013800", "12800138000", "0755-86013388", "138****8000", "23800138000"])
def test_a_number_that_is_no_mainland_mobile_is_flagged(phone):
    assert check("phone_invalid", facts(phone=phone))


def test_a_privacy_number_extension_is_flagged_when_extensions_are_not_allowed():
    assert check("phone_invalid", facts(phone="13800138000-1234"), allow_extension=False)


def address_check(**fields) -> str | None:
    """The rule's verdict, which must not depend on whether cpca parsed the text or the platform's
    region fields were trusted."""
    order = facts(**fields)
    trusted, parsed = (R.Context(addresses=parse_addresses([order], need_district)) for need_district in (False, True))
    verdict = check("address_incomplete", order, trusted)
    assert (verdict is None) == (check("address_incomplete", order, parsed) is None)
    return verdict


def test_a_full_shenzhen_address_passes_the_address_rule():
    assert address_check() is None


def test_an_empty_address_is_flagged():
    assert address_check(province="", city="", address="") == "no address"


def test_an_address_without_a_province_cannot_be_parsed_and_is_flagged():
    assert "province" in address_check(province="", city="", address="门口左转第三家")


def test_an_address_without_a_district_is_flagged_only_when_districts_are_required():
    order = facts(address="高新区科技园南路88号")
    ctx = R.Context(addresses=parse_addresses([order]))
    assert check("address_incomplete", order, ctx) is None
    assert "district" in check("address_incomplete", order, ctx, require_district=True)


def test_an_address_with_the_province_and_city_typed_in_again_still_parses():
    assert address_check(address="广东省深圳市南山区科技园南路88号") is None


def test_a_municipality_needs_no_separate_city():
    assert address_check(province="上海", city="上海市", address="浦东新区世纪大道100号") is None
    assert address_check(province="北京", city="", address="北京高新区长安街490号18栋") is None


def test_an_address_that_stops_at_the_city_is_flagged():
    assert "too short" in address_check(province="", city="", address="广东省深圳市")
    assert "too short" in address_check(address="广东省深圳市")


def test_an_address_that_stops_at_the_district_is_flagged_as_too_short():
    assert "too short" in address_check(address="南山区")


def test_a_buyer_remark_is_flagged_and_a_blank_one_is_not():
    assert check("buyer_remark", facts(buyer_remark="请发顺丰，周末不在家")) == "buyer remark: 请发顺丰，周末不在家"
    assert check("buyer_remark", facts(buyer_remark="   ")) is None


def test_a_seller_remark_is_flagged_and_an_empty_one_is_not():
    assert check("seller_remark", facts(seller_remark="赠品：猫薄荷"))
    assert check("seller_remark", facts()) is None


def usual(price: int, samples: int = 6) -> R.Context:
    return R.Context(recent_prices={1: [float(price)] * samples})


def test_a_line_at_a_tenth_of_the_usual_price_is_flagged_as_a_pricing_error():
    reason = check("price_deviation", facts(lines=(line(price=990),)), usual(9_900))
    assert reason == "PET-FOOD-2KG sold at ¥9.90, usually ¥99.00"


def test_a_line_within_the_allowed_deviation_passes():
    assert check("price_deviation", facts(lines=(line(price=7_900),)), usual(9_900)) is None


def test_a_line_discount_counts_towards_the_price_actually_paid():
    order = facts(lines=(line(qty=2, price=9_900, discount=15_000),))  # ¥24.00 a unit after discount
    assert check("price_deviation", order, usual(9_900))


def test_without_enough_past_sales_no_usual_price_is_assumed():
    assert check("price_deviation", facts(lines=(line(price=990),)), usual(9_900, samples=4)) is None


def test_margin_counts_the_platform_funded_discount_commission_goods_and_shipping():
    order = facts(paid_cents=10_000, platform_discount_cents=1_000, lines=(line(qty=2, cost=3_000),))
    ctx = R.Context(commission_bp={"taobao": 500}, shop_shipping_cost={1: 800})
    assert R.margin_cents(order, ctx) == 10_000 + 1_000 - 500 - 6_000 - 800


def test_an_order_that_loses_money_after_coupons_and_commission_is_flagged():
    order = facts(paid_cents=4_100, lines=(line(cost=4_000),))  # ¥99 less a ¥58 coupon: 41.00 - 2.05 - 40.00
    assert "margin ¥-1.05" in check("loss_making", order, R.Context(commission_bp={"taobao": 500}))


def test_a_profitable_order_is_not_flagged_as_loss_making():
    assert (
        check("loss_making", facts(paid_cents=9_900, lines=(line(),)), R.Context(commission_bp={"taobao": 500})) is None
    )


def test_an_unpaid_order_is_judged_on_what_is_due():
    due = facts(goods_cents=9_900, seller_coupon_cents=1_000, shipping_fee_cents=600, lines=(line(),))
    assert due.payable_cents == 9_500
    assert check("loss_making", due, R.Context(commission_bp={"taobao": 500})) is None
    assert check("loss_making", facts(goods_cents=9_900, seller_coupon_cents=6_000, lines=(line(),)))


def test_an_order_with_a_sku_of_unknown_cost_is_not_judged_for_loss():
    assert check("loss_making", facts(paid_cents=1, lines=(line(cost=0),))) is None


def test_a_minimum_margin_threshold_flags_thin_orders():
    order = facts(paid_cents=5_000, lines=(line(cost=4_000),))
    assert check("loss_making", order, min_margin_cents=2_000)
    assert check("loss_making", order) is None


def test_an_order_with_an_open_sibling_is_a_merge_candidate():
    assert "3312456789099" in check("merge_candidate", facts(), R.Context(open_siblings={1: (1, ["3312456789099"])}))
    assert check("merge_candidate", facts(), R.Context()) is None


def test_a_blacklisted_buyer_or_phone_is_flagged_and_others_are_not():
    ctx = R.Context(blacklisted={("buyer", "职业差评师"), ("phone", "13900139000")})
    assert check("blacklisted", facts(buyer="职业差评师"), ctx)
    assert check("blacklisted", facts(phone="139-0013-9000"), ctx)
    assert check("blacklisted", facts(), ctx) is None


def test_a_disabled_rule_does_not_run():
    config = {rule.code: R.RuleConfig(rule.code, rule.code != "buyer_remark", rule.defaults) for rule in R.RULES}
    order = facts(buyer_remark="加急", lines=(line(),), paid_cents=9_900)
    ctx = R.Context(addresses=parse_addresses([order]))
    assert evaluate([order], ctx, config) == []
    config["buyer_remark"] = R.RuleConfig("buyer_remark", True, {})
    assert [f.rule for f in evaluate([order], ctx, config)] == ["buyer_remark"]
