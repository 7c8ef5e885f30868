"""A mapping proposed for an export no shipped or saved mapping fits, from its headers and content.

A proposal matches headers against Chinese and English names for each field (订单编号, Order ID,
order_number …), and looks at a sample of the content where names alone do not decide (a column
of dates, of whole numbers, of amounts). It only reads the header and a few hundred rows, so it
costs next to nothing on a million-row file. Without a status column the status is derived from
what the file has (cancelled or refunded → cancelled, shipped or a tracking number → shipped,
paid → paid), the rest taking a default for the whole file.

connectors/file_choice.py decides when a proposal is used; the page edits it as a column → field
table (mapping_from_columns) and `cli.py import suggest` prints it (suggestion_toml).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from connectors.file_mapping import (
    LINE_FIELDS,
    LINE_MONEY,
    ORDER_MONEY,
    TIME_FIELDS,
    Mapping,
    Sheet,
    StatusRule,
    channels,
    load_mapping,
    mapping_toml,
)
from connectors.file_reading import Table, read_table
from connectors.file_rows import TEXT_FIELDS
from connectors.file_values import OK, clean_code, to_cents, to_time, to_whole
from core.errors import InvalidInput
from core.model import CANCELLED, COMPLETED, PAID, PENDING_PAYMENT, SHIPPED

PROPOSED_CHANNEL = "generic"
SAMPLE_ROWS = 200
DERIVED_TIMES = ("shipped_at", "cancelled_at", "refunded_at")  # read for the status only
SHOWN_SAMPLES = 3

# Per field, the names exports give its column, compared after _name(): case, spaces, punctuation
# and a trailing unit such as (元) do not count. A header that equals a name scores 3; one that
# ends with a longer name (订单付款时间, Shipping Phone) scores 2 if its content fits; WEAK names 1.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单号", "订单编号", "订单id", "主订单编号", "order id", "order number", "order_number", "order no"),
    "created_at": (
        "下单时间",
        "创建时间",
        "订单创建时间",
        "订单成交时间",
        "order date",
        "created at",
        "order time",
        "purchase date",
    ),
    "paid_at": ("付款时间", "支付时间", "订单付款时间", "付款确认时间", "paid at", "payment date", "payment time"),
    "updated_at": ("更新时间", "修改时间", "updated at"),
    "shipped_at": ("发货时间", "出库时间", "ship date", "shipped at", "fulfilled at", "shipping date"),
    "cancelled_at": ("取消时间", "关闭时间", "交易关闭时间", "cancelled at", "canceled at", "closed at"),
    "refunded_at": ("退款时间", "退款完成时间", "refunded at", "refund date"),
    "status": ("订单状态", "状态", "交易状态", "order status", "status", "financial status"),
    "sku": ("商品编码", "商家编码", "sku", "lineitem sku", "货号", "sku编码", "规格编码", "product id", "商品id"),
    "qty": ("数量", "购买数量", "商品数量", "订购数量", "quantity", "qty", "lineitem quantity"),
    "unit_price": ("单价", "商品单价", "价格", "price", "unit price", "lineitem price", "item cost"),
    "line_total": ("金额", "小计", "商品金额", "商品总价", "sales", "line total", "lineitem total", "amount"),
    "goods": ("商品总额", "货款", "应付货款", "goods total", "subtotal", "order subtotal amount"),
    "paid": ("实付", "实付金额", "实际支付金额", "订单金额", "应付金额", "order total", "total", "order total amount"),
    "shipping_fee": ("运费", "邮费", "应付邮费", "shipping", "shipping fee", "shipping cost", "order shipping amount"),
    "refund": ("退款金额", "退款", "refund", "refunded amount", "refund amount"),
    "buyer": ("收货人", "收货人姓名", "收件人", "买家", "customer name", "ship name", "shipping name", "recipient"),
    "phone": ("手机", "手机号", "电话", "联系电话", "联系手机", "收货人手机号", "收货人电话", "phone", "mobile"),
    "province": ("省", "省份", "province", "state", "state code", "shipping province", "shipping province name"),
    "city": ("市", "城市", "city", "shipping city"),
    "address": ("地址", "收货地址", "详细地址", "address", "shipping address", "shipping street", "street"),
    "country": ("国家", "国家地区", "country", "shipping country", "country/region", "country code"),
    "tracking_no": ("快递单号", "物流单号", "运单号", "tracking", "tracking number", "tracking no"),
    "carrier": ("快递公司", "物流公司", "carrier", "shipping carrier"),
    "shop": ("店铺", "店铺名称", "shop", "store"),
    "buyer_remark": ("买家留言", "买家备注", "notes", "note"),
    "seller_remark": ("商家备注", "卖家备注"),
}
# The fields a column can be given (the page offers these): only fields the import reads, as a
# column given to any other would vanish without being listed.
FIELDS = frozenset(
    {*LINE_FIELDS, *TIME_FIELDS, *ORDER_MONEY, *TEXT_FIELDS, *DERIVED_TIMES}
    | {"order_no", "status", "phone", "tracking_no", "carrier"}
)
WEAK = {"order_no": ("name",)}  # Shopify's order name; many files have a Name that is something else
LINE_PARTS = ("sku", "qty", "unit_price", "line_total")
# Without a status column, the first rule whose column has a value decides.
DERIVED_STATUS = (
    ("cancelled_at", CANCELLED),
    ("refunded_at", CANCELLED),
    ("shipped_at", SHIPPED),
    ("tracking_no", SHIPPED),
    ("paid_at", PAID),
)
# Status words beyond those the shipped mappings know, compared case-insensitively.
STATUS_WORDS = {
    PENDING_PAYMENT: ("pending", "unpaid", "awaiting payment", "pending payment", "on-hold", "未付款", "待付款"),
    PAID: ("paid", "processing", "awaiting shipment", "已付款", "待发货", "已支付"),
    SHIPPED: ("shipped", "fulfilled", "in transit", "已发货", "已出库", "运输中"),
    COMPLETED: ("completed", "complete", "delivered", "done", "已完成", "已签收", "交易成功", "已收货"),
    CANCELLED: (
        "cancelled",
        "canceled",
        "closed",
        "refunded",
        "voided",
        "failed",
        "已取消",
        "已关闭",
        "交易关闭",
        "已退款",
    ),
}
_UNIT = re.compile(r"[(（\[【].*?[)）\]】]")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class ColumnGuess:
    """One column of the file as the proposal sees it: the field it feeds (None: none) and examples."""

    column: str
    field: str | None
    samples: tuple[str, ...]


@dataclass(frozen=True)
class Proposal:
    mapping: Mapping | None  # None when no column looks like an order number
    columns: list[ColumnGuess]


def propose(table: Table) -> Proposal:
    """A mapping for the file from its headers and a sample of its rows, with each column's guess."""
    sample = _sample(table.frame)
    fields = guess_fields(table.frame.columns, sample)
    mapping = build_mapping({f: (c,) for f, c in fields.items()}, table) if "order_no" in fields else None
    kept = {c: f for f, c in fields.items() if mapping is None or f in mapping.sheet.columns}
    return Proposal(mapping, [ColumnGuess(c, kept.get(c), _examples(sample[c])) for c in table.frame.columns])


def mapping_columns(table: Table, mapping: Mapping) -> list[ColumnGuess]:
    """Each column of the file with the field a (shipped or saved) mapping reads it as, to show
    and edit the same way as a proposal."""
    read_as = {column: name for name, columns in reversed(mapping.sheet.columns.items()) for column in columns}
    sample = _sample(table.frame)
    return [ColumnGuess(c, read_as.get(c), _examples(sample[c])) for c in table.frame.columns]


def propose_file(path: str | Path, name: str | None = None) -> Proposal:
    return propose(read_table(path, name))


def mapping_from_columns(table: Table, fields: dict[str, str | None], default_status: str | None = None) -> Mapping:
    """A mapping from an edited column → field table (None or "" leaves a column out); a field
    given to several columns reads them in file order, the first non-empty one winning."""
    unknown = {f for f in fields.values() if f} - FIELDS
    if unknown:
        raise InvalidInput(f"Unknown field(s) {', '.join(sorted(unknown))}; choose from {', '.join(sorted(FIELDS))}.")
    assigned: dict[str, tuple[str, ...]] = {}
    for column in table.frame.columns:
        if fields.get(column):
            assigned[fields[column]] = (*assigned.get(fields[column], ()), column)
    if "order_no" not in assigned:
        raise InvalidInput("A mapping needs a column for the order number (order_no).")
    return build_mapping(assigned, table, default_status)


def guess_fields(headers: list[str] | pd.Index, sample: pd.DataFrame) -> dict[str, str]:
    """field → column: each column its best-named field, each field its best column (by name,
    then content that fits, then leftmost)."""
    best: dict[str, tuple[tuple, str]] = {}
    for position, column in enumerate(headers):
        claim = _claim(column, sample[column])
        if claim is None:
            continue
        field, score, fits, filled = claim
        rank = (score, fits, filled, -position)
        if field not in best or rank > best[field][0]:
            best[field] = (rank, column)
    fields = {field: column for field, (_, column) in best.items()}
    return _line_price_fallback(fields)


def _claim(column: str, values: pd.Series) -> tuple[str, int, bool, bool] | None:
    """The field this column's name suits best (longest name matched), with its score and
    whether the sample fits it; an exact name is kept even if the sample does not parse: its
    rows then say why."""
    name = _name(column)
    options = []  # (score, length of the name matched, field)
    for field in SYNONYMS:
        if name in _names(field):
            options.append((3, len(name), field))
        elif ends := [len(n) for n in _names(field) if _ends_with(name, n)]:
            options.append((2, max(ends), field))
    options += [(1, 0, field) for field, names in WEAK.items() if name in map(_name, names)]
    for score, _, field in sorted(options, reverse=True):
        if field not in FIELDS:  # a refund column is no line total: it stays listed until the import reads it
            return None
        fits = _parses_as(field, values)
        if score == 3 or fits:
            return field, score, fits, bool((values != "").any())
    return None


def _ends_with(name: str, synonym: str) -> bool:
    """A longer header ending with the name: 收货人手机号 → 手机号, shippingphone → phone."""
    long_enough = len(synonym) >= (3 if _cjk(synonym) else 4)  # not 金额 in 退款金额 or 优惠金额
    return long_enough and name != synonym and name.endswith(synonym)


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@cache
def _names(field: str) -> frozenset[str]:
    return frozenset(map(_name, SYNONYMS[field]))


def _name(header: str) -> str:
    """How a header is compared with the names: 'Order ID' = 'order_id' = 'ORDER-ID', '实付金额(元)' = '实付金额'."""
    folded = unicodedata.normalize("NFKC", str(header)).casefold()
    return _NOT_WORD.sub("", _UNIT.sub("", folded)) or _NOT_WORD.sub("", folded)


def _parses_as(field: str, values: pd.Series) -> bool:
    """Most of the sample's non-empty values parse as the field's kind (any text fits a text field)."""
    filled = values[values != ""]
    if field in (*TIME_FIELDS, *DERIVED_TIMES):
        parse = to_time
    elif field == "qty":
        parse = to_whole
    elif field in (*ORDER_MONEY, *LINE_MONEY, "refund"):
        parse = to_cents
    else:
        return True
    if filled.empty:
        return True
    return float(np.mean(parse(filled)[1] == OK)) >= 0.8


def _line_price_fallback(fields: dict[str, str]) -> dict[str, str]:
    """Lines without a price column take the file's amount column as each line's total."""
    if "sku" in fields and "qty" in fields and not {"unit_price", "line_total"} & fields.keys():
        amount = next((f for f in ("paid", "goods") if f in fields), None)
        if amount:
            fields["line_total"] = fields.pop(amount)
    return fields


def build_mapping(assigned: dict[str, tuple[str, ...]], table: Table, default_status: str | None = None) -> Mapping:
    """The mapping for field → columns: layout, required fields and how the status is read."""
    columns = dict(assigned)
    if "created_at" not in columns and "paid_at" in columns:
        columns["created_at"] = columns["paid_at"]  # an order paid at once: the payment time is its time
    lines = {"sku", "qty"} <= columns.keys() and bool({"unit_price", "line_total"} & columns.keys())
    if not lines:  # an order-only report: line columns without the rest cannot make lines
        columns = {f: c for f, c in columns.items() if f not in (*LINE_PARTS, "discount")}
    if "status" in columns:  # times read only to derive a status would vanish unlisted
        columns = {f: c for f, c in columns.items() if f not in DERIVED_TIMES}
    required = [f for f in ("order_no", "created_at", "status", *LINE_PARTS) if f in columns]
    rules, default = _status(columns, table)
    return Mapping(
        channel=PROPOSED_CHANNEL,
        title=f"proposed for {table.name}",
        layout="lines" if lines else "orders",
        sheet=Sheet(columns, tuple(required)),
        items=None,
        row_key="order_no",
        status_field="status",
        status_rules=rules,
        default_status=default_status or default,
    )


def _status(columns: dict[str, tuple[str, ...]], table: Table) -> tuple[tuple[StatusRule, ...], str | None]:
    """Rules for the file's status values; without a status column, rules from the columns that
    tell one, and a default (pending payment if the file says when orders were paid, else paid)."""
    if "status" in columns:
        values = pd.unique(pd.concat([table.frame[c] for c in columns["status"]], ignore_index=True))
        words = _status_words()
        known = {value: words.get(_status_word(value)) for value in clean_code(pd.Series(values, dtype="str"))}
        rules = [StatusRule("status", status, frozenset({value})) for value, status in sorted(known.items()) if status]
        return tuple(rules), None
    rules = tuple(StatusRule(field, status, None) for field, status in DERIVED_STATUS if field in columns)
    return rules, PENDING_PAYMENT if "paid_at" in columns else PAID


def _status_word(value: str) -> str:
    """A status value as looked up: case-folded, WooCommerce's wc- prefix dropped."""
    return value.casefold().removeprefix("wc-")


@cache
def _status_words() -> dict[str, str]:
    """Every status value the shipped mappings know, and the common words, folded to lower case."""
    words = {word.casefold(): status for status, many in STATUS_WORDS.items() for word in many}
    for channel in channels():
        mapping = load_mapping(channel)
        for rule in mapping.status_rules:
            words.update({value.casefold(): rule.status for value in rule.values or ()})
    return words


def _sample(frame: pd.DataFrame) -> pd.DataFrame:
    """Up to SAMPLE_ROWS rows spread over the file (exports are often sorted by date or status)."""
    if len(frame) <= SAMPLE_ROWS:
        return frame
    return frame.iloc[np.unique(np.linspace(0, len(frame) - 1, SAMPLE_ROWS).astype(np.int64))]


def has_lines(table: Table) -> bool:
    """Whether the file has what makes order lines: a SKU and a quantity column."""
    return {"sku", "qty"} <= guess_fields(table.frame.columns, _sample(table.frame)).keys()


def _examples(values: pd.Series) -> tuple[str, ...]:
    return tuple(pd.unique(values[values != ""])[:SHOWN_SAMPLES].tolist())


def suggestion_toml(proposal: Proposal, file_name: str) -> str:
    """The proposed mapping as a TOML file to edit, its comments naming the columns left out."""
    if proposal.mapping is None:
        raise InvalidInput(f"{file_name}: no column looks like an order number; write the mapping by hand.")
    left_out = [f"{g.column} ({_shown(g.samples)})" for g in proposal.columns if g.field is None]
    head = [
        f"# Mapping proposed for {file_name}: check it, edit it, then import with --mapping THIS_FILE.",
        "# Fields and format: connectors/mappings/README.md.",
        f"# Columns no field took: {'; '.join(left_out) if left_out else 'none'}.",
    ]
    return "\n".join(head) + "\n" + mapping_toml(proposal.mapping)


def _shown(samples: tuple[str, ...]) -> str:
    """Examples on one comment line: whitespace and line breaks folded, each cut short."""
    return ", ".join(" ".join(str(v).split())[:30] for v in samples) or "empty"
