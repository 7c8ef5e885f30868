"""What the analytics snapshot copies from the system of record, and how each table is refreshed.

A table is one TableSpec: its columns with their kind, and how a refresh finds changed rows.
Adding a table (after-sales tickets, say) means adding a spec to SPECS; tables the store does not
have yet are skipped. Every value crosses ADBC as a non-null string or a (nullable) integer:
the SQLite driver infers a column's Arrow type from its first rows and fails when a column that
started as NULL later holds text, so times travel as epoch seconds and optional text as ''.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

INT, TEXT, OPT_TEXT, TIME = "int", "text", "opt_text", "time"

# Rows whose order changed since the watermark (minus the overlap); lines and events follow
# their order, which every workflow step touches, so this also catches late commits on PostgreSQL.
CHANGED_ORDERS = "SELECT id FROM orders WHERE updated_at >= {since}{unseen}"


@dataclass(frozen=True)
class TableSpec:
    """One snapshot table: source table, typed columns and its refresh rule.

    mode "full" re-reads the whole (small) table each refresh; "delta" reads rows with an id above
    the highest one held plus the rows matched by `changed` (a SQL condition on {since}, the clock
    table's rows, and {unseen}, which narrows them to those the last refresh may not have seen),
    and replaces those rows by id, so nothing is ever doubled. `rows` keeps out rows no report uses;
    `clock` names the table whose newest updated_at, less the overlap, is {since}.
    """

    name: str
    columns: dict[str, str]
    mode: str = "full"
    changed: str = ""
    rows: str = ""  # which source rows the reports need at all (empty: every row)
    clock: str = "orders"  # whose updated_at watermark {since} comes from

    def select(
        self,
        dialect: str,
        max_id: int | None = None,
        since: datetime | None = None,
        ids: tuple[int, int | None] | None = None,
        unseen_from_xid: int | None = None,
    ) -> str:
        """The SELECT for a first copy (no max_id; optionally the ids low <= id < high, or from low
        on when high is None) or for the rows changed since the watermark; on PostgreSQL, of
        those only the rows written by transactions from unseen_from_xid (32 bits) on, if given."""
        sql = f"SELECT {', '.join(wire(c, kind, dialect) for c, kind in self.columns.items())} FROM {self.name}"
        conditions = [f"({self.rows})"] if self.rows else []
        if ids is not None:
            low, high = ids
            conditions.append(f"id >= {int(low)}" + (f" AND id < {int(high)}" if high is not None else ""))
        if self.mode == "delta" and max_id is not None:
            unseen = f" AND xmin::text::bigint >= {int(unseen_from_xid)}" if unseen_from_xid is not None else ""
            changed = self.changed.format(since=_literal(since), unseen=unseen) if since else "1 = 0"
            conditions.append(f"(id > {int(max_id)} OR {changed})")
        return sql + (f" WHERE {' AND '.join(conditions)}" if conditions else "")

    def typed(self, relation: str) -> str:
        """A DuckDB SELECT turning the wire columns back into proper types."""
        return f"SELECT {', '.join(_typed(c, kind) for c, kind in self.columns.items())} FROM {relation}"


def wire(expression: str, kind: str, dialect: str, name: str | None = None) -> str:
    """A source-side select item that crosses ADBC with a stable type (see the module docstring)."""
    name = name or expression
    if kind == TIME:
        epoch = (
            f"unixepoch({expression})" if dialect == "sqlite" else f"CAST(EXTRACT(EPOCH FROM {expression}) AS BIGINT)"
        )
        return f"{epoch} AS {name}"
    if kind == OPT_TEXT:
        return f"COALESCE({expression}, '') AS {name}"
    return f"{expression} AS {name}"


def _typed(column: str, kind: str) -> str:
    if kind == TIME:
        return f'make_timestamp(CAST("{column}" AS BIGINT) * 1000000) AS "{column}"'
    if kind == OPT_TEXT:
        return f'NULLIF(CAST("{column}" AS VARCHAR), \'\') AS "{column}"'
    if kind == TEXT:
        return f'CAST("{column}" AS VARCHAR) AS "{column}"'
    return f'CAST("{column}" AS BIGINT) AS "{column}"'


def _literal(moment: datetime) -> str:
    # Stored SQLite datetimes are 'YYYY-MM-DD HH:MM:SS.ffffff' text, so a second-precision
    # literal compares correctly as text there and as a timestamp on PostgreSQL.
    return f"'{moment:%Y-%m-%d %H:%M:%S}'"


# Audit rows the reports read: holds (any actor) and steps taken by people. Imports, payments and
# completions recorded by processes are most of the log and feed no report, so they stay home.
# "rules" is the review rules holding an order as it arrives (core.review.review): not a person either.
SYSTEM_ACTORS = ("import", "system", "demo", "worker", "scheduler", "platform", "api", "cli", "sync", "auto", "rules")
PEOPLE_OR_HOLDS = f"to_status = 'on_hold' OR actor NOT IN ({', '.join(repr(a) for a in SYSTEM_ACTORS)})"

SPECS: tuple[TableSpec, ...] = (
    TableSpec("channels", {"code": TEXT, "name": TEXT, "commission_bp": INT}),
    TableSpec("shops", {"id": INT, "name": TEXT, "channel": TEXT}),
    TableSpec(
        "skus",
        {
            "id": INT,
            "sku": TEXT,
            "name": TEXT,
            "on_hand": INT,
            "reserved": INT,
            "safety_stock": INT,
            "unit_cost_cents": INT,
            "updated_at": TIME,
        },
    ),
    TableSpec(
        "orders",
        {
            "id": INT,
            "channel": TEXT,
            "channel_order_no": TEXT,
            "shop_id": INT,
            "status": TEXT,
            "hold_reason": OPT_TEXT,
            "province": TEXT,
            "country": TEXT,
            "created_at": TIME,
            "paid_at": TIME,
            "shipped_at": TIME,
            "cancelled_at": TIME,
            "returned_at": TIME,
            "goods_cents": INT,
            "paid_cents": INT,
            "platform_discount_cents": INT,
            "seller_coupon_cents": INT,
            "shipping_fee_cents": INT,
            "shipping_cost_cents": INT,
            "refund_cents": INT,
            "return_reason": OPT_TEXT,
            "updated_at": TIME,
        },
        mode="delta",
        changed="updated_at >= {since}{unseen}",
    ),
    TableSpec(
        "order_lines",
        {
            "id": INT,
            "order_id": INT,
            "sku_id": INT,
            "qty": INT,
            "unit_price_cents": INT,
            "discount_cents": INT,
        },
        mode="delta",
        changed=f"order_id IN ({CHANGED_ORDERS})",
    ),
    TableSpec(
        "order_events",
        {
            "id": INT,
            "order_id": INT,
            "at": TIME,
            "actor": TEXT,
            "from_status": OPT_TEXT,
            "to_status": TEXT,
            "reason": TEXT,
        },
        mode="delta",
        changed=f"order_id IN ({CHANGED_ORDERS})",
        rows=PEOPLE_OR_HOLDS,
    ),
    # After-sales (tickets area): the return-reason pie reads them once the store has them.
    TableSpec("ticket_reasons", {"code": TEXT, "label_zh": TEXT, "label_en": TEXT}),
    TableSpec(
        "tickets",
        {
            "id": INT,
            "order_id": INT,
            "type": TEXT,
            "reason": TEXT,
            "status": TEXT,
            "refund_cents": INT,
            "created_at": TIME,
            "updated_at": TIME,
        },
        mode="delta",
        changed="updated_at >= {since}{unseen}",
        clock="tickets",
    ),
)
