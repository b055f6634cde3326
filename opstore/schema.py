"""The operational store's tables, as SQLAlchemy Core metadata (portable SQLite / Postgres)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

# An autoincrementing key: BIGINT on Postgres, the rowid alias `INTEGER PRIMARY KEY` on SQLite.
Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PURPOSES = ("unsubscribe", "manage", "confirm")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timestamps in UTC: stored naive-UTC on SQLite, timestamptz on Postgres; read back aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the operational store takes timezone-aware timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        return aware(value)


def aware(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (aggregates may come back naive or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


LIST_COLUMNS = (
    "keywords",
    "levels",
    "workplaces",
    "locations",
    "families",
    "countries",
    "companies",
    "exclude_companies",
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", Key, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("cadence", sa.String(16), nullable=False),
    *(sa.Column(name, sa.JSON, nullable=False) for name in LIST_COLUMNS),
    sa.Column("min_salary_usd", sa.Float),
    sa.Column("min_salary_amount", sa.Float),
    sa.Column("min_salary_currency", sa.String(3)),
    sa.Column("include_no_salary", sa.Boolean, nullable=False),
    sa.Column("no_news", sa.Boolean, nullable=False, server_default=sa.false()),
    # `active`: digests go out; always equal to `status = 'active'` (every writer sets both).
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime),
    # pending (signed up on the web, not confirmed), active, paused or unsubscribed.
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.UniqueConstraint("email", "cadence", name="uq_subscriptions_email_cadence"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
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
    sa.Index("ix_deliveries_cadence_status", "cadence", "status"),
    sa.Index("ix_deliveries_subscription_created", "subscription_id", "created_at"),
)

delivery_items = sa.Table(
    "delivery_items",
    metadata,
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
    sa.Index("ix_delivery_items_message", "message_id"),
)

tokens = sa.Table(
    "tokens",
    metadata,
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
    sa.CheckConstraint("purpose IN ('unsubscribe', 'manage', 'confirm')", name="ck_tokens_purpose"),
    sa.Index("ix_tokens_subscription", "subscription_id"),
)

# One row per sign-up email (confirmation or manage link) sent to an address: at most a few a
# day, so the sign-up form cannot be used to flood someone's inbox.
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", Key, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=False),
    sa.Index("ix_notices_email_sent", "email", "sent_at"),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("acquired_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

meta = sa.Table(
    "ops_meta",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
