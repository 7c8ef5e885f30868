"""Audit reasons and domain errors, written once in English, read in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.audit_text import reason_text
from core.errors import InvalidInput, NotFound, OrderHubError
from core.i18n import catalogue

CORE = Path(__file__).resolve().parents[2] / "core"


@pytest.mark.parametrize(
    ("stored", "zh", "en"),
    [
        (
            "review: loss_making, buyer_remark",
            "审单挂起：亏损订单、买家留言",
            "held for review: Order loses money, Buyer remark",
        ),
        ("shipped in one parcel", "合并为一个包裹发货", "shipped in one parcel"),
        ("received from jd", "从京东接收", "received from JD"),
        ("order 21875", "订单 21875", "order 21875"),
        ("PO from 宁波宠物用品贸易", "采购自 宁波宠物用品贸易", "PO from 宁波宠物用品贸易"),
        ("return AS20260926-0008", "退货 AS20260926-0008", "return AS20260926-0008"),
        ("refund 1290 cents", "退款 ¥12.90", "refund ¥12.90"),
        ("unassigned -> ajie", "未分配 → ajie", "unassigned → ajie"),
        ("请发顺丰", "请发顺丰", "请发顺丰"),
    ],
)
def test_an_audit_reason_reads_in_chinese_and_in_english(stored, zh, en):
    assert (reason_text(stored, "zh"), reason_text(stored, "en")) == (zh, en)


def test_a_keyed_error_stays_an_english_sentence_for_the_command_line():
    error = NotFound(key="error.order_not_found", params={"order_no": "TB404"})
    assert str(error) == "Order TB404 does not exist." and error.params == {"order_no": "TB404"}
    assert (
        InvalidInput("As it was written.").key is None
        and str(InvalidInput("As it was written.")) == "As it was written."
    )
    assert isinstance(error, OrderHubError)


def test_every_error_key_core_raises_has_chinese_and_english():
    keys = set()
    for source in CORE.rglob("*.py"):
        keys |= set(re.findall(r"""key=["'](error\.[a-z_]+)["']""", source.read_text(encoding="utf-8")))
        keys |= set(re.findall(r"""["'](error\.[a-z_]+)["'] if""", source.read_text(encoding="utf-8")))
    assert len(keys) > 40
    assert sorted(key for key in keys if not {"zh", "en"} <= set(catalogue().get(key, {}))) == []


def test_every_review_reason_a_rule_gives_has_chinese_and_english():
    keys = set(
        re.findall(r"""["'](review\.reason\.[a-z_]+)["']""", (CORE / "review" / "rules.py").read_text(encoding="utf-8"))
    )
    keys |= {"review.reason.buyer_remark", "review.reason.seller_remark"}  # built from the field name
    keys |= {key + ".hidden" for key in ("review.reason.loss_making", "review.reason.price_deviation")}
    assert len(keys) > 12
    assert sorted(key for key in keys if not {"zh", "en"} <= set(catalogue().get(key, {}))) == []
