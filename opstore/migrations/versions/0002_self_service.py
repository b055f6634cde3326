"""Self-service: a subscription's status (pending, active, paused, unsubscribed), and a record
of the sign-up emails sent to each address (to cap them per day).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opstore.schema import Key, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", recreate="never") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="active")
        )
    op.execute("UPDATE subscriptions SET status = 'unsubscribed' WHERE NOT active")
    op.create_table(
        "notices",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_notices_email_sent", "notices", ["email", "sent_at"])


def downgrade() -> None:
    op.drop_table("notices")
    with op.batch_alter_table("subscriptions", recreate="never") as batch:
        batch.drop_column("status")
