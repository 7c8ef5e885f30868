"""The reasons core writes into its audit trails (order history, stock ledger, ticket history) are
English text; read back here as a message key and values, they show in the reader's language.

A fixed reason is a key of its own (`reason.<text>`); a reason with values is matched by one of
the patterns below. Text that matches neither (a reason a person typed) is shown as written.
"""

from __future__ import annotations

import re

from core.i18n import catalogue, t

# key: pattern, tried in this order (the first that matches the whole reason wins)
PATTERNS: dict[str, re.Pattern[str]] = {
    "reason.received_from": re.compile(r"received from (?P<channel>\w+)"),
    "reason.review": re.compile(r"review: (?P<rules>[a-z_]+(?:, [a-z_]+)*)"),
    "reason.reviewed_short": re.compile(
        r"reviewed; SKU (?P<sku>\S+) has (?P<available>-?\d+) available, (?P<wanted>\d+) needed\."
    ),
    "reason.platform_shipped_short": re.compile(
        r"order (?P<order>\S+) shipped on the platform; (?P<short>\d+) short in stock"
    ),
    "reason.platform_shipped": re.compile(r"order (?P<order>\S+) shipped on the platform"),
    "reason.order": re.compile(r"order (?P<order>\S+)"),
    "reason.po_from": re.compile(r"PO from (?P<supplier>.+)"),
    "reason.po": re.compile(r"PO (?P<number>\S+)"),
    "reason.return": re.compile(r"return (?P<number>\S+)"),
    "reason.stock_count": re.compile(r"stock count from (?P<source>.+)"),
    "reason.merged": re.compile(r"merged into one shipment: (?P<orders>.+)"),
    "reason.fixed_in_review": re.compile(r"fixed in review: (?P<changes>.+)"),
    "reason.refund": re.compile(r"refund (?P<cents>\d+) cents"),
    "reason.restocked": re.compile(r"restocked: (?P<count>\d+) item\(s\)"),
    "reason.written_off": re.compile(r"written_off: (?P<count>\d+) item\(s\)"),
    "reason.reassigned": re.compile(r"(?P<before>[\w.]+) -> (?P<after>[\w.]+)"),
}


def reason_text(reason: str | None, lang: str) -> str:
    """The stored reason in lang (unknown text as it is)."""
    if not reason:
        return ""
    if f"reason.{reason}" in catalogue():
        return t(f"reason.{reason}", lang)
    for key, pattern in PATTERNS.items():
        if found := pattern.fullmatch(reason):
            return t(key, lang, **_shown(found.groupdict(), lang))
    return reason


def _shown(values: dict[str, str], lang: str) -> dict[str, str]:
    """Codes among the values (a channel, rule codes, cents) as the reader knows them."""
    shown = dict(values)
    if "channel" in values:
        shown["channel"] = t(f"channel.{values['channel']}", lang)
    if "rules" in values:
        names = [t(f"rule.{code}", lang) for code in values["rules"].split(", ")]
        shown["rules"] = ("、" if lang == "zh" else ", ").join(names)
    if "cents" in values:
        shown["cents"] = f"¥{int(values['cents']) / 100:.2f}"
    for who in ("before", "after"):
        if values.get(who) == "unassigned":
            shown[who] = t("reason.unassigned", lang)
    return shown
