"""Auto-review rules (智能审单): pure checks over an order's facts, configured as data in the store.

Each rule is a plain function `check(order, context, params) -> reason or None`. Which rules run
and their thresholds live in the review_rules table (defaults below fill what is not stored), so
an admin changes them on a page, a sandbox can try them out, and the checks stay easy to test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from statistics import median
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core import clock
from core.errors import InvalidInput, NotFound
from core.identity import access
from core.identity.access import Actor
from core.identity.audit import audit
from core.review.reasons import Reason
from core.review.tables import blacklist, review_rules
from core.store.unit_of_work import unit_of_work


@dataclass(frozen=True)
class LineFacts:
    sku_id: int
    sku: str
    qty: int
    unit_price_cents: int
    discount_cents: int
    unit_cost_cents: int

    @property
    def effective_unit_cents(self) -> float:
        """What one unit really sold for after the line's own discount."""
        return (self.unit_price_cents * self.qty - self.discount_cents) / self.qty


@dataclass(frozen=True)
class OrderFacts:
    """What the rules look at; loaded by core.review.review, built by hand in unit tests."""

    id: int
    channel_order_no: str
    channel: str
    shop_id: int
    buyer: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    address: str = ""
    buyer_remark: str = ""
    seller_remark: str = ""
    paid_cents: int = 0
    platform_discount_cents: int = 0
    shipping_cost_cents: int = 0
    goods_cents: int = 0
    seller_coupon_cents: int = 0
    shipping_fee_cents: int = 0

    @property
    def payable_cents(self) -> int:
        """What the buyer pays: the paid amount once known, else what is due (an unpaid order)."""
        due = self.goods_cents - self.seller_coupon_cents - self.platform_discount_cents + self.shipping_fee_cents
        return self.paid_cents or due

    lines: tuple[LineFacts, ...] = ()


@dataclass(frozen=True)
class ParsedAddress:
    province: str | None
    city: str | None
    district: str | None
    street: str


@dataclass
class Context:
    """Facts about the rest of the store that some rules compare an order with."""

    addresses: dict[int, ParsedAddress] = field(default_factory=dict)
    commission_bp: dict[str, int] = field(default_factory=dict)
    shop_shipping_cost: dict[int, int] = field(default_factory=dict)
    recent_prices: dict[int, list[float]] = field(default_factory=dict)  # sku_id -> effective unit prices
    blacklisted: set[tuple[str, str]] = field(default_factory=set)
    # order id -> (how many other open orders share shop, buyer and address; a few of their numbers)
    open_siblings: dict[int, tuple[int, list[str]]] = field(default_factory=dict)


Check = Callable[[OrderFacts, Context, dict[str, Any]], Reason | None]
MOBILE = re.compile(r"1[3-9]\d{9}")
MUNICIPALITIES = frozenset({"北京市", "上海市", "天津市", "重庆市"})  # the province is the city
# A platform privacy number (虚拟号) carries an extension: 13800138000-1234 or 13800138000转1234.
EXTENSION = re.compile(r"(?:-|转|#|,)\d{1,6}")


@cache  # a batch sees the same few formats and numbers many times
def normalise_phone(phone: str) -> str:
    """Digits of a mainland number without spaces, dashes or the +86 prefix (extension kept)."""
    compact = re.sub(r"[\s()]", "", phone or "")
    compact = re.sub(r"^(?:\+86|0086|86)(?=1\d{10})", "", compact)
    return re.sub(r"^(1\d{2})-?(\d{4})-?(\d{4})", r"\1\2\3", compact)


def phone_invalid(order: OrderFacts, _ctx: Context, params: dict[str, Any]) -> Reason | None:
    if not order.phone.strip():
        return Reason("review.reason.no_phone")
    phone = normalise_phone(order.phone)
    number, extension = phone[:11], phone[11:]
    if MOBILE.fullmatch(number) and (not extension or (params["allow_extension"] and EXTENSION.fullmatch(extension))):
        return None
    return Reason("review.reason.not_mobile", {"phone": order.phone})


def address_incomplete(order: OrderFacts, ctx: Context, params: dict[str, Any]) -> Reason | None:
    parsed = ctx.addresses.get(order.id)
    if not order.address.strip():
        return Reason("review.reason.no_address")
    if parsed is None or not parsed.province:
        return Reason("review.reason.no_province", {"address": order.address})
    if params["require_city"] and not parsed.city and parsed.province not in MUNICIPALITIES:
        return Reason("review.reason.no_city", {"address": order.address})
    if params["require_district"] and not parsed.district:
        return Reason("review.reason.no_district", {"address": order.address})
    if len(parsed.street) < params["min_street_chars"]:
        street = parsed.street.strip()
        return Reason("review.reason.short_street", {"street": street}) if street else Reason("review.reason.no_street")
    return None


def remark_of(field_name: str) -> Check:
    def check(order: OrderFacts, _ctx: Context, _params: dict[str, Any]) -> Reason | None:
        text = getattr(order, field_name).strip()
        return Reason(f"review.reason.{field_name}", {"text": text[:80]}) if text else None

    return check


def price_deviation(order: OrderFacts, ctx: Context, params: dict[str, Any]) -> Reason | None:
    """A line far from what the SKU usually sells for: 标错价 (a pricing error) or a fake order."""
    for line in order.lines:
        prices = ctx.recent_prices.get(line.sku_id, [])
        if len(prices) < params["min_samples"]:
            continue
        usual = median(prices)
        if usual > 0 and abs(line.effective_unit_cents - usual) * 100 > params["max_deviation_pct"] * usual:
            amounts = {"price_cents": round(line.effective_unit_cents), "usual_cents": round(usual)}
            return Reason("review.reason.price_deviation", {"sku": line.sku, **amounts})
    return None


def margin_cents(order: OrderFacts, ctx: Context) -> int:
    """What the seller keeps: paid (or due) + platform-funded discount - commission - goods - shipping."""
    revenue = order.payable_cents + order.platform_discount_cents
    commission = round(order.payable_cents * ctx.commission_bp.get(order.channel, 0) / 10_000)
    goods = sum(line.qty * line.unit_cost_cents for line in order.lines)
    shipping = order.shipping_cost_cents or ctx.shop_shipping_cost.get(order.shop_id, 0)
    return revenue - commission - goods - shipping


def loss_making(order: OrderFacts, ctx: Context, params: dict[str, Any]) -> Reason | None:
    if not order.lines or any(line.unit_cost_cents == 0 for line in order.lines):
        return None  # a SKU without a known cost cannot be judged
    margin = margin_cents(order, ctx)
    if margin < params["min_margin_cents"]:
        return Reason("review.reason.loss_making", {"profit_cents": margin})
    return None


def merge_candidate(order: OrderFacts, ctx: Context, _params: dict[str, Any]) -> Reason | None:
    count, sample = ctx.open_siblings.get(order.id, (0, []))
    return Reason("review.reason.merge_candidate", {"count": count, "orders": ", ".join(sample)}) if count else None


def blacklisted(order: OrderFacts, ctx: Context, _params: dict[str, Any]) -> Reason | None:
    if order.buyer and ("buyer", order.buyer) in ctx.blacklisted:
        return Reason("review.reason.blacklisted_buyer", {"buyer": order.buyer})
    if order.phone and ("phone", normalise_phone(order.phone)) in ctx.blacklisted:
        return Reason("review.reason.blacklisted_phone")
    return None


@dataclass(frozen=True)
class Rule:
    code: str
    check: Check
    defaults: dict[str, Any] = field(default_factory=dict)
    # Off until an admin switches review on (rules page, `cli.py rules enable --all`): holding
    # orders is a change in how a shop works, so it is chosen, never sprung on a running store.
    enabled_by_default: bool = False


RULES: tuple[Rule, ...] = (
    # Development zones (高新区, 经开区) are no official districts, so a district is not required by default.
    Rule(
        "address_incomplete",
        address_incomplete,
        {"min_street_chars": 4, "require_city": True, "require_district": False},
    ),
    Rule("phone_invalid", phone_invalid, {"allow_extension": True}),
    Rule("buyer_remark", remark_of("buyer_remark")),
    Rule("seller_remark", remark_of("seller_remark")),
    Rule("price_deviation", price_deviation, {"max_deviation_pct": 50, "min_samples": 5, "sample_size": 20}),
    Rule("loss_making", loss_making, {"min_margin_cents": 0}),
    Rule("merge_candidate", merge_candidate),
    Rule("blacklisted", blacklisted),
)
BY_CODE = {rule.code: rule for rule in RULES}


@dataclass(frozen=True)
class RuleConfig:
    code: str
    enabled: bool
    params: dict[str, Any]


def load_config(conn: Connection) -> dict[str, RuleConfig]:
    """Every rule with its stored switch and thresholds (defaults for what is not stored)."""
    stored = {row.code: row for row in conn.execute(select(review_rules))}
    config = {}
    for rule in RULES:
        row = stored.get(rule.code)
        params = rule.defaults | (json.loads(row.params) if row else {})
        config[rule.code] = RuleConfig(rule.code, row.enabled if row else rule.enabled_by_default, params)
    return config


def save_rule(
    conn: Connection, code: str, enabled: bool, params: dict[str, Any], actor: Actor, now: datetime | None = None
) -> RuleConfig:
    """Store a rule's switch and thresholds after checking them against the rule's defaults."""
    access.authorize(actor, "edit_rules")
    rule = BY_CODE.get(code)
    if rule is None:
        raise NotFound(key="error.no_rule", params={"code": code})
    clean = _validated(rule, params)
    now = now or clock.now()
    values = {"enabled": enabled, "params": json.dumps(clean), "updated_at": now, "updated_by": actor}
    if conn.execute(update(review_rules).where(review_rules.c.code == code).values(**values)).rowcount == 0:
        conn.execute(insert(review_rules).values(code=code, **values))
    audit(conn, actor, f"rule {code}", {"enabled": enabled, **clean}, now)
    return RuleConfig(code, enabled, clean)


def enable_all(conn: Connection, actor: Actor, now: datetime | None = None) -> None:
    """Switch every rule on with its stored (or default) thresholds."""
    access.authorize(actor, "edit_rules")
    for code, current in load_config(conn).items():
        if not current.enabled:
            save_rule(conn, code, True, current.params, actor, now)


def _validated(rule: Rule, params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - set(rule.defaults)
    if unknown:
        raise InvalidInput(f"Rule {rule.code} has no setting {', '.join(sorted(unknown))}.")
    clean = dict(rule.defaults)
    for name, value in params.items():
        expected = type(rule.defaults[name])
        if expected is bool and not isinstance(value, bool):
            raise InvalidInput(key="error.setting_bool", params={"name": name, "rule": rule.code})
        if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise InvalidInput(key="error.setting_number", params={"name": name, "rule": rule.code})
        clean[name] = value
    return clean


def add_to_blacklist(
    conn: Connection, kind: str, value: str, reason: str, actor: Actor, now: datetime | None = None
) -> None:
    access.authorize(actor, "edit_rules")
    if kind not in ("buyer", "phone") or not value.strip():
        raise InvalidInput(key="error.blacklist_kind")
    value = normalise_phone(value) if kind == "phone" else value.strip()
    now = now or clock.now()
    known = conn.execute(select(blacklist.c.id).where(blacklist.c.kind == kind, blacklist.c.value == value)).first()
    if known is None:
        conn.execute(insert(blacklist).values(kind=kind, value=value, reason=reason, created_at=now, created_by=actor))
        audit(conn, actor, "blacklist add", {"kind": kind, "value": value, "reason": reason}, now)


def remove_from_blacklist(conn: Connection, kind: str, value: str, actor: Actor, now: datetime | None = None) -> None:
    access.authorize(actor, "edit_rules")
    conn.execute(delete(blacklist).where(blacklist.c.kind == kind, blacklist.c.value == value))
    audit(conn, actor, "blacklist remove", {"kind": kind, "value": value}, now or clock.now())


def blacklist_entries(conn: Connection) -> list[dict[str, Any]]:
    """The blacklist as the rules page lists it: kind, value, reason, who added it."""
    columns = (blacklist.c.kind, blacklist.c.value, blacklist.c.reason, blacklist.c.created_by)
    return [dict(row) for row in conn.execute(select(*columns).order_by(blacklist.c.id)).mappings()]


# The rules page's units of work, each in its own transaction.
save_rule_setting = unit_of_work(save_rule)
blacklist_add = unit_of_work(add_to_blacklist)
blacklist_remove = unit_of_work(remove_from_blacklist)
