"""What the import page shows before anything is written: the mapping as an editable column →
field table with examples, the first orders as they would land, and the dry-run summary."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy import Engine

from connectors.file_inference import ColumnGuess, mapping_columns, propose
from connectors.file_mapping import Mapping
from connectors.file_reading import Table
from connectors.files import ImportSummary, prepare
from core.model import NormalisedOrder

PREVIEW_ORDERS = 10


@dataclass(frozen=True)
class Review:
    summary: ImportSummary
    mapping: Mapping
    table: Table  # the orders file as read, for a mapping made from the edited columns
    columns: list[ColumnGuess]  # every column of the orders file, the field it feeds and examples
    preview: list[dict]  # the first orders as they would land
    editable: bool  # one file: its table may be edited into the user's own mapping


def review(
    engine: Engine,
    path: str | Path,
    channel: str = "auto",
    mapping: Mapping | None = None,
    items: str | Path | None = None,
    shop: str | None = None,
    names: tuple[str, str] | None = None,
    date_formats: dict[str, str] | None = None,
) -> Review:
    """The dry run of an import, with what the page needs to show and edit its mapping."""
    prepared = prepare(engine, channel, path, items, shop, names, mapping, date_formats)
    prepared.summary.dry_run = True
    table, chosen = prepared.tables[0], prepared.choice
    columns = propose(table).columns if chosen.source == "proposed" else mapping_columns(table, chosen.mapping)
    preview = [_preview_row(order) for order in islice(prepared.built.orders, PREVIEW_ORDERS)]
    return Review(prepared.summary, chosen.mapping, table, columns, preview, editable=len(prepared.tables) == 1)


def _preview_row(order: NormalisedOrder) -> dict:
    """One order as the queue would show it; `phone` keeps its name so a role's mask applies."""
    return {
        "channel_order_no": order.channel_order_no,
        "status": order.status,
        "created_at": order.created_at,
        "buyer": order.buyer,
        "phone": order.phone,
        "province": order.province,
        "city": order.city,
        "items": "、".join(f"{line.sku} × {line.qty}" for line in order.lines),
        "paid_cents": order.paid_cents,
    }
