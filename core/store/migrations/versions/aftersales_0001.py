"""aftersales schema

Revision ID: aftersales_0001
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "aftersales_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "lookup_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_failures")),
    )
    with op.batch_alter_table("lookup_failures", schema=None) as batch_op:
        batch_op.create_index("ix_lookup_failures_client_at", ["client", "at"], unique=False)
        batch_op.create_index("ix_lookup_failures_number_at", ["number", "at"], unique=False)

    op.create_table(
        "service_agents",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("email", sa.String(length=200), server_default="", nullable=False),
        sa.Column("manager_email", sa.String(length=200), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_service_agents")),
    )
    op.create_table(
        "ticket_reasons",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_zh", sa.String(length=100), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ticket_reasons")),
    )
    op.create_table(
        "ticket_sequences",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ticket_sequences")),
    )
    op.create_table(
        "ticket_sla",
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("first_response_hours", sa.Integer(), nullable=False),
        sa.Column("resolution_hours", sa.Integer(), nullable=False),
        sa.Column("warn_hours", sa.Integer(), server_default="6", nullable=False),
        sa.PrimaryKeyConstraint("type", name=op.f("pk_ticket_sla")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("refund_ref", sa.String(length=100), nullable=True),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("refund_cents", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("first_response_due", sa.DateTime(), nullable=False),
        sa.Column("resolution_due", sa.DateTime(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("type in ('refund', 'return', 'exchange', 'resend')", name=op.f("ck_tickets_type_known")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_tickets_order_id_orders")),
        sa.ForeignKeyConstraint(["reason"], ["ticket_reasons.code"], name=op.f("fk_tickets_reason_ticket_reasons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
        sa.UniqueConstraint("refund_ref", name=op.f("uq_tickets_refund_ref")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_tickets_status_owner", ["status", "owner"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.String(length=500), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_lines",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("replacement_sku_id", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=12), nullable=True),
        sa.CheckConstraint("qty > 0", name=op.f("ck_ticket_lines_qty_positive")),
        sa.ForeignKeyConstraint(
            ["replacement_sku_id"], ["skus.id"], name=op.f("fk_ticket_lines_replacement_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_ticket_lines_sku_id_skus")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_lines_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("ticket_id", "sku_id", name=op.f("pk_ticket_lines")),
    )
    _seed_defaults()


def _seed_defaults() -> None:
    """The reasons and SLA a new store starts with; both are editable data afterwards."""
    reasons = sa.table(
        "ticket_reasons",
        sa.column("code", sa.String),
        sa.column("label_zh", sa.String),
        sa.column("label_en", sa.String),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        reasons,
        [
            {"code": code, "label_zh": zh, "label_en": en, "position": position}
            for position, (code, zh, en) in enumerate(DEFAULT_REASONS)
        ],
    )
    sla = sa.table(
        "ticket_sla",
        sa.column("type", sa.String),
        sa.column("first_response_hours", sa.Integer),
        sa.column("resolution_hours", sa.Integer),
        sa.column("warn_hours", sa.Integer),
    )
    op.bulk_insert(
        sla,
        [
            {"type": kind, "first_response_hours": first, "resolution_hours": resolve, "warn_hours": warn}
            for kind, first, resolve, warn in DEFAULT_SLA
        ],
    )


DEFAULT_REASONS = [  # the Chinese labels are the ones platforms and the demo orders use
    ("changed_mind", "七天无理由退货", "Changed mind (7-day return)"),
    ("wrong_size", "尺码/规格不合适", "Wrong size or variant"),
    ("quality", "质量问题", "Quality problem"),
    ("wrong_item", "发错货/漏发", "Wrong or missing item"),
    ("not_as_described", "与描述不符", "Not as described"),
    ("damaged", "物流破损", "Damaged in transit"),
    ("pet_refused", "宠物不爱吃/不喜欢", "The pet did not like it"),
]
DEFAULT_SLA = [  # type, first response h, resolution h, warn h before a deadline
    ("refund", 24, 72, 6),
    ("return", 24, 168, 12),
    ("exchange", 24, 168, 12),
    ("resend", 12, 72, 6),
]


def downgrade() -> None:

    op.drop_table("ticket_lines")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_owner")
        batch_op.drop_index(batch_op.f("ix_tickets_order_id"))
        batch_op.drop_index("ix_tickets_created_at")

    op.drop_table("tickets")
    op.drop_table("ticket_sla")
    op.drop_table("ticket_sequences")
    op.drop_table("ticket_reasons")
    op.drop_table("service_agents")
    with op.batch_alter_table("lookup_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_lookup_failures_number_at")
        batch_op.drop_index("ix_lookup_failures_client_at")

    op.drop_table("lookup_failures")
