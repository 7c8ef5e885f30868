"""How an export speaks to a person: headers and codes in their language, amounts in 元, times as times.

A raw export (for scripts) keeps snake_case names, codes such as `shipped` and amounts in 分. An
export for people turns each masked batch into what a finance clerk expects in Excel: 状态 已出库,
渠道 淘宝/天猫, 实付（元） 12.30. Every label comes from the one catalogue (core/locales); a code
the catalogue does not know yet is shown as the code, never as a raw key.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from core.i18n import catalogue, t
from core.shipping.labels import CARRIER_NAMES

CENTS = "_cents"
# 分 → 元 exactly: int64 needs 19 digits as a decimal; times 0.01 gives two decimals.
YUAN = pa.scalar(Decimal("0.01"), pa.decimal128(2, 2))
YUAN_TYPE = pa.decimal128(22, 2)
# Catalogue prefix of each coded column, per dataset (a ticket's status is not an order's).
CODED = {
    "tickets": {"channel": "channel", "type": "aftersales.type", "status": "aftersales.status"},
    "default": {"channel": "channel", "status": "status", "hold_reason": "hold"},
}
# Where a column's header is looked up, most specific first; export.col.* holds only the rest.
HEADER_PREFIXES = {"tickets": ("aftersales.col.", "col.", "export.col."), "default": ("col.", "export.col.")}
# The raw export carries a ticket reason's code and its Chinese label; people get one, in their language.
DROPPED = {"tickets": ("reason_label",)}


def label(prefix: str, code: str | None, lang: str) -> str | None:
    """The catalogue's name for a code (`status.shipped` → 已出库), or the code when it has none."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in catalogue() else code


def header(dataset: str, column: str, lang: str) -> str:
    """A column's header: the label every page uses for it, with 元 (CNY) said for amounts."""
    prefixes = HEADER_PREFIXES.get(dataset, HEADER_PREFIXES["default"])
    key = next((prefix + column for prefix in prefixes if prefix + column in catalogue()), None)
    text = t(key, lang) if key else column
    return t("export.money", lang, label=text) if column.endswith(CENTS) else text


class ForPeople:
    """Turns masked export batches of one dataset into the person-facing columns, in one language.

    reasons maps a ticket reason code to its (zh, en) labels, read once from ticket_reasons.
    """

    def __init__(self, dataset: str, schema: pa.Schema, lang: str, reasons: dict[str, tuple[str, str]] | None = None):
        self.dataset, self.lang = dataset, lang
        self.columns = [f for f in schema if f.name not in DROPPED.get(dataset, ())]
        self.labellers = self._labellers(reasons or {})
        self.schema = pa.schema([pa.field(header(dataset, f.name, lang), self._type(f)) for f in self.columns])

    def _labellers(self, reasons: dict[str, tuple[str, str]]) -> dict[str, Callable[[str], str | None]]:
        coded = CODED.get(self.dataset, CODED["default"])
        labellers: dict[str, Callable[[str], str | None]] = {
            name: (lambda code, prefix=prefix: label(prefix, code, self.lang)) for name, prefix in coded.items()
        }
        if self.lang == "zh":  # carriers' Chinese names; in English the code (SF, YTO) is the name
            labellers["carrier"] = lambda code: CARRIER_NAMES.get(code, code)
        if self.dataset == "tickets":
            language = 0 if self.lang == "zh" else 1
            labellers["reason"] = lambda code: reasons[code][language] if code in reasons else code
        return labellers

    @staticmethod
    def _type(field: pa.Field) -> pa.DataType:
        if field.name.endswith(CENTS) and pa.types.is_integer(field.type):
            return YUAN_TYPE
        return field.type

    def batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """One masked batch as people read it; the same rows, in the same order."""
        columns = [self._column(f, batch.column(f.name)) for f in self.columns]
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)

    def _column(self, field: pa.Field, column: pa.Array) -> pa.Array:
        if field.name in self.labellers:
            return _relabel(column, self.labellers[field.name])
        if field.name.endswith(CENTS) and pa.types.is_integer(field.type):
            return pc.multiply(column.cast(pa.decimal128(19, 0)), YUAN).cast(YUAN_TYPE)
        return column


def _relabel(column: pa.Array, labeller: Callable[[str], str | None]) -> pa.Array:
    """Each distinct code labelled once, then looked up: a 100,000-row batch holds a handful of codes."""
    codes = pc.unique(column)
    labels = pa.array([None if code is None else labeller(code) for code in codes.to_pylist()], pa.string())
    return labels.take(pc.index_in(column, value_set=codes))
