"""Login guard: when a user's earlier logins were revoked, and failed logins per username

Revision ID: 0003_login_guard
Revises: 0002_merge_heads
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_login_guard"
down_revision = "0002_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("logins_revoked_at", sa.DateTime(), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_failures")),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("logins_revoked_at")
