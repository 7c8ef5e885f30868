"""Export-file mappings: which column of a channel's export feeds which order field, as data.

A mapping is a TOML file in connectors/mappings/<channel>.toml; a changed export needs a new
mapping, not new code. Fields a mapping may fill:

- order level: order_no, shop, status, created_at, paid_at, updated_at, buyer, phone, province,
  city, address, country, goods, paid, platform_discount, seller_coupon, shipping_fee,
  order_total (the order total the channel shows; paid where a file has no paid column), refund
  (the amount refunded on the order), buyer_remark, seller_remark, tracking_no, carrier, and any
  other name a status rule reads;
- line level: sku, qty, unit_price or line_total (a line's whole price), discount.

A field names one column or a list of candidates; per row the first non-empty one wins, so
renamed columns of older exports can be listed side by side.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.errors import InvalidInput
from core.model import PLATFORM_RANK

MAPPINGS = Path(__file__).resolve().parent / "mappings"
LINE_FIELDS = frozenset({"sku", "qty", "unit_price", "line_total", "discount"})
TIME_FIELDS = ("created_at", "paid_at", "updated_at")
ORDER_MONEY = ("goods", "paid", "platform_discount", "seller_coupon", "shipping_fee", "order_total", "refund")
LINE_MONEY = ("unit_price", "line_total", "discount")
LAYOUTS = ("lines", "orders")


def header_key(name: str) -> str:
    """How headers are compared: NFKC (full-width brackets), trimmed (`收货地址 ` happens)."""
    return unicodedata.normalize("NFKC", str(name)).strip()


@dataclass(frozen=True)
class Sheet:
    """The columns of one file: field → candidate column names, and the fields it must have."""

    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]

    @property
    def has_lines(self) -> bool:
        return "sku" in self.columns


@dataclass(frozen=True)
class StatusRule:
    field: str
    status: str
    values: frozenset[str] | None  # None: any non-empty value matches


@dataclass(frozen=True)
class Mapping:
    channel: str
    title: str
    layout: str  # "lines": one row per order line; "orders": one row per order, lines in an items file
    sheet: Sheet
    items: Sheet | None
    row_key: str  # the field all rows of one order share
    status_field: str  # the field named in an "unknown status" message
    status_rules: tuple[StatusRule, ...]


def channels() -> list[str]:
    return sorted(path.stem for path in MAPPINGS.glob("*.toml"))


@cache
def load_mapping(channel: str) -> Mapping:
    path = MAPPINGS / f"{channel}.toml"
    if not path.is_file():
        raise InvalidInput(f"No export mapping for channel {channel!r}; known: {', '.join(channels())}.")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    status = data.get("status", {})
    rules = [
        StatusRule(
            rule["field"], rule["status"], frozenset(map(header_key, rule["values"])) if "values" in rule else None
        )
        for rule in status.get("rules", [])
    ]
    rules += [
        StatusRule(status["field"], to, frozenset({header_key(raw)})) for raw, to in status.get("map", {}).items()
    ]
    mapping = Mapping(
        channel=data["channel"],
        title=data.get("title", channel),
        layout=data.get("layout", "lines"),
        sheet=_sheet(data["sheet"]),
        items=_sheet(data["items"]) if "items" in data else None,
        row_key=data.get("row_key", "order_no"),
        status_field=status.get("field") or rules[0].field,
        status_rules=tuple(rules),
    )
    _check(mapping, path)
    return mapping


def _sheet(section: dict) -> Sheet:
    columns = {
        field: tuple(header_key(c) for c in ([names] if isinstance(names, str) else names))
        for field, names in section["columns"].items()
    }
    return Sheet(columns, tuple(section.get("required", ())))


def _check(mapping: Mapping, path: Path) -> None:
    """A broken mapping file is a set-up error worth a precise message, not a KeyError later."""
    problems = []
    if mapping.layout not in LAYOUTS:
        problems.append(f"layout must be one of {LAYOUTS}")
    if mapping.layout == "orders" and (mapping.sheet.has_lines or mapping.items is None):
        problems.append("an 'orders' layout takes its lines from [items] only")
    for sheet in filter(None, (mapping.sheet, mapping.items)):
        problems += [f"required field {f} has no column" for f in sheet.required if f not in sheet.columns]
        if sheet.has_lines and not {"unit_price", "line_total"} & sheet.columns.keys():
            problems.append("lines need unit_price or line_total")
        if sheet.has_lines and "qty" not in sheet.columns:
            problems.append("lines need qty")
    problems += [f"unknown status {r.status}" for r in mapping.status_rules if r.status not in PLATFORM_RANK]
    problems += [
        f"status rule reads unmapped field {r.field}"
        for r in mapping.status_rules
        if r.field not in mapping.sheet.columns
    ]
    if not mapping.status_rules:
        problems.append("no status rules")
    if problems:
        raise InvalidInput(f"The export mapping {path.name} is broken: {'; '.join(problems)}.")
