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

Shipped mappings live here; a user's own are saved in data/mappings/ in the same format
(connectors/file_inference.py proposes them, connectors/file_choice.py saves and picks them).
"""

from __future__ import annotations

import json
import re
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
    layout: str  # "lines": one row per order line; "orders": one row per order, lines (if any) in an items file
    sheet: Sheet
    items: Sheet | None
    row_key: str  # the field all rows of one order share
    status_field: str  # the field named in an "unknown status" message
    status_rules: tuple[StatusRule, ...]
    default_status: str | None = None  # an order no rule matches gets it (files without a status column)

    def columns_taken(self) -> set[str]:
        """Every column some field of the mapping reads."""
        sheets = filter(None, (self.sheet, self.items))
        return {column for sheet in sheets for names in sheet.columns.values() for column in names}


def channels() -> list[str]:
    return sorted(path.stem for path in MAPPINGS.glob("*.toml"))


@cache
def load_mapping(channel: str) -> Mapping:
    path = MAPPINGS / f"{channel}.toml"
    if not path.is_file():
        raise InvalidInput(f"No export mapping for channel {channel!r}; known: {', '.join(channels())}.")
    return read_mapping(path)


def read_mapping(path: Path) -> Mapping:
    """A mapping file anywhere: shipped, saved in data/mappings/ or written by hand."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The export mapping {Path(path).name} is not valid TOML: {exc}.") from None
    return parse_mapping(data, Path(path))


def parse_mapping(data: dict, path: Path) -> Mapping:
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
    if "channel" not in data or "sheet" not in data:
        raise InvalidInput(f"The export mapping {path.name} is broken: it needs channel and [sheet].")
    mapping = Mapping(
        channel=data["channel"],
        title=data.get("title", path.stem),
        layout=data.get("layout", "lines"),
        sheet=_sheet(data["sheet"]),
        items=_sheet(data["items"]) if "items" in data else None,
        row_key=data.get("row_key", "order_no"),
        status_field=status.get("field") or (rules[0].field if rules else "status"),
        status_rules=tuple(rules),
        default_status=status.get("default"),
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
    if mapping.layout == "orders" and mapping.sheet.has_lines:
        problems.append("an 'orders' layout takes its lines from [items] only")
    for sheet in filter(None, (mapping.sheet, mapping.items)):
        problems += [f"required field {f} has no column" for f in sheet.required if f not in sheet.columns]
        if sheet.has_lines and not {"unit_price", "line_total"} & sheet.columns.keys():
            problems.append("lines need unit_price or line_total")
        if sheet.has_lines and "qty" not in sheet.columns:
            problems.append("lines need qty")
    statuses = [r.status for r in mapping.status_rules] + [mapping.default_status] * bool(mapping.default_status)
    problems += [f"unknown status {status}" for status in statuses if status not in PLATFORM_RANK]
    problems += [
        f"status rule reads unmapped field {r.field}"
        for r in mapping.status_rules
        if r.field not in mapping.sheet.columns
    ]
    if not mapping.status_rules and not mapping.default_status:
        problems.append("no status rules and no default status")
    if problems:
        raise InvalidInput(f"The export mapping {path.name} is broken: {'; '.join(problems)}.")


def mapping_toml(mapping: Mapping) -> str:
    """The mapping as TOML that read_mapping turns back into the same Mapping."""
    out = [f"channel = {_string(mapping.channel)}", f"title = {_string(mapping.title)}"]
    out += [f"layout = {_string(mapping.layout)}", f"row_key = {_string(mapping.row_key)}"]
    for section, sheet in (("sheet", mapping.sheet), ("items", mapping.items)):
        if sheet is not None:
            out += ["", f"[{section}]", f"required = {_strings(sheet.required)}", "", f"[{section}.columns]"]
            out += [f"{_key(f)} = {_columns(names)}" for f, names in sheet.columns.items()]
    rules, by_value = _rules_and_map(mapping)
    out += ["", "[status]", f"field = {_string(mapping.status_field)}"]
    if mapping.default_status:
        out.append(f"default = {_string(mapping.default_status)}")
    for rule in rules:
        out += ["", "[[status.rules]]", f"field = {_string(rule.field)}"]
        if rule.values is not None:
            out.append(f"values = {_strings(sorted(rule.values))}")
        out.append(f"status = {_string(rule.status)}")
    if by_value:
        out += ["", "[status.map]", *(f"{_string(value)} = {_string(status)}" for value, status in by_value.items())]
    return "\n".join(out) + "\n"


def _rules_and_map(mapping: Mapping) -> tuple[list[StatusRule], dict[str, str]]:
    """The trailing one-value rules on the status column read best as [status.map] (the loader
    puts map entries after the rules, so the order, and the Mapping, survive the round trip)."""
    rules, by_value = list(mapping.status_rules), {}
    while rules and (rule := rules[-1]).field == mapping.status_field and rule.values and len(rule.values) == 1:
        (value,) = rule.values
        if value in by_value:
            break
        by_value[value] = rule.status
        rules.pop()
    return rules, dict(reversed(by_value.items()))


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")  # JSON strings are TOML strings


def _strings(texts) -> str:
    return "[" + ", ".join(map(_string, texts)) + "]"


def _columns(names: tuple[str, ...]) -> str:
    return _string(names[0]) if len(names) == 1 else _strings(names)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)
