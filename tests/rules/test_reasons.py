"""A review rule's reason is stored as a key and values, and read in each language as the role may."""

from __future__ import annotations

from core.review.reasons import Reason

LOSS = Reason("review.reason.loss_making", {"profit_cents": -832})


def test_a_reason_reads_in_chinese_and_stays_english_for_the_command_line():
    remark = Reason("review.reason.buyer_remark", {"text": "请发顺丰"})
    assert remark.text("zh", "clerk") == "买家留言：请发顺丰"
    assert str(remark) == "buyer remark: 请发顺丰"


def test_a_clerk_is_told_an_order_loses_money_but_never_by_how_much():
    assert "¥" not in LOSS.text("zh", "clerk") and "8.32" not in LOSS.text("en", "clerk")
    assert "毛利低于下限" in LOSS.text("zh", "clerk")
    assert "¥-8.32" in LOSS.text("zh", "manager") and "¥-8.32" in str(LOSS)


def test_a_stored_reason_comes_back_whole_and_an_old_english_margin_stays_hidden_from_a_clerk():
    assert Reason.parse(LOSS.stored(), "loss_making") == LOSS
    old = Reason.parse("margin ¥-8.32 after coupons, commission, goods and shipping", "loss_making")
    assert "8.32" not in old.text("zh", "clerk") and "8.32" in old.text("zh", "admin")
    assert Reason.parse("buyer remark: 周末不在家", "buyer_remark").text("zh", "clerk") == "buyer remark: 周末不在家"


def test_a_phone_in_a_reason_is_masked_for_a_role_that_may_not_see_phones():
    wrong = Reason("review.reason.not_mobile", {"phone": "13812345678"})
    assert "138****5678" in wrong.text("zh", "manager") and "13812345678" in wrong.text("zh", "clerk")
    remark = Reason("review.reason.buyer_remark", {"text": "到了打13912345678"})
    assert "13912345678" not in remark.text("zh", "manager")


def test_a_long_remark_is_clipped_so_the_stored_reason_still_parses():
    long = Reason("review.reason.buyer_remark", {"text": "很长的留言" * 100})
    assert len(long.stored()) <= 300 and Reason.parse(long.stored(), "buyer_remark").key == long.key
