"""The first operational schema: subscriptions, deliveries, delivery_items, tokens, leases.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opstore.schema import Key, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LISTS = (
    "keywords",
    "levels",
    "workplaces",
    "locations",
    "families",
    "countries",
    "companies",
    "exclude_companies",
)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        *(sa.Column(name, sa.JSON, nullable=False) for name in LISTS),
        sa.Column("min_salary_usd", sa.Float),
        sa.Column("min_salary_amount", sa.Float),
        sa.Column("min_salary_currency", sa.String(3)),
        sa.Column("include_no_salary", sa.Boolean, nullable=False),
        sa.Column("no_news", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime),
        sa.UniqueConstraint("email", "cadence", name="uq_subscriptions_email_cadence"),
    )
    op.create_table(
        "deliveries",
        sa.Column("message_id", sa.String(255), primary_key=True),
        sa.Column(
            "subscription_id",
            Key,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("transport", sa.Text),
        sa.Column("message", sa.LargeBinary),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("posting_count", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("last_attempt_at", UtcDateTime),
        sa.Column("period", sa.String(16)),
    )
    op.create_index("ix_deliveries_cadence_status", "deliveries", ["cadence", "status"])
    op.create_index(
        "ix_deliveries_subscription_created", "deliveries", ["subscription_id", "created_at"]
    )
    op.create_table(
        "delivery_items",
        sa.Column(
            "message_id",
            sa.String(255),
            sa.ForeignKey("deliveries.message_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("subscription_id", Key, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("source_id", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "source", "source_id"),
    )
    op.create_index("ix_delivery_items_message", "delivery_items", ["message_id"])
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column(
            "subscription_id",
            Key,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.CheckConstraint(
            "purpose IN ('unsubscribe', 'manage', 'confirm')", name="ck_tokens_purpose"
        ),
    )
    op.create_index("ix_tokens_subscription", "tokens", ["subscription_id"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("acquired_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "ops_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("ops_meta", "leases", "tokens", "delivery_items", "deliveries", "subscriptions"):
        op.drop_table(table)
