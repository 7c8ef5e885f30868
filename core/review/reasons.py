"""Why a review rule held an order, as a message key and its values (`review.reason.*` in
core/locales/rules.json): stored once, shown in each reader's language and with only what the
reader's role may see — a clerk is told an order loses money, never by how much."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core import phones
from core.i18n import t
from core.identity.access import mask_phone, treatment

STORED_LENGTH = 300  # order_exceptions.detail
TEXT_LENGTH = 80  # a remark or address quoted in a reason
LEGACY = "review.reason.legacy"  # a reason stored as an English sentence before reasons had keys
# Money values, and the column whose field policy decides who may read them.
MONEY = {"profit_cents": "profit_cents", "price_cents": "unit_price_cents", "usual_cents": "unit_price_cents"}
HIDDEN = ".hidden"  # the key of the sentence without the amounts the reader may not see
# Rules whose reasons carry money: an English sentence stored before keys is shown only to roles
# that may read that money.
MONEY_RULES = {"loss_making": "profit_cents", "price_deviation": "price_cents"}


@dataclass(frozen=True)
class Reason:
    key: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        """English with every value: for the CLI and logs."""
        return self.text("en", "admin")

    def stored(self) -> str:
        """The reason as the store keeps it (JSON), its quoted texts clipped to fit the column."""
        params = {k: v[:TEXT_LENGTH] if isinstance(v, str) else v for k, v in self.params.items()}
        return json.dumps({"key": self.key, "params": params}, ensure_ascii=False)[:STORED_LENGTH]

    @classmethod
    def parse(cls, stored: str, rule: str) -> Reason:
        """The stored reason of the rule (an older English sentence kept as it was written)."""
        try:
            data = json.loads(stored)
            return cls(data["key"], data["params"])
        except (ValueError, TypeError, KeyError):
            money = {MONEY_RULES[rule]: None} if rule in MONEY_RULES else {}
            return cls(LEGACY, {"text": stored, **money})

    def text(self, lang: str, role: str) -> str:
        """The sentence in lang as the role may read it: money it may not see leaves the sentence,
        phone numbers are masked as the role's phone policy says."""
        if any(treatment(role, MONEY[name]) == "hide" for name in self.params if name in MONEY):
            return t(self.key + HIDDEN, lang)
        return t(self.key, lang, **{name: _shown(role, name, value) for name, value in self.params.items()})


def _shown(role: str, name: str, value: Any) -> Any:
    if name in MONEY and value is not None:
        return f"¥{value / 100:.2f}"
    if name == "phone" and treatment(role, "phone") != "show":
        return mask_phone(value)
    if isinstance(value, str) and treatment(role, "phone") != "show":
        return phones.mask_in_text(value)
    return value
