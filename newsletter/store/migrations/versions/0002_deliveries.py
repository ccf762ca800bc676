"""Deliveries, the recipient ledger, dispatch workers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("test", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("send_at", TZ),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("note", sa.Text),
    )
    op.create_index("ux_deliveries_month_language", "deliveries", ["month", "language"],
                    unique=True)
    op.create_table(
        "recipients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("delivery_id", sa.Integer,
                  sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subscriber_id", sa.Integer,
                  sa.ForeignKey("subscribers.id", ondelete="SET NULL")),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reply", sa.Text),
        sa.Column("worker", sa.String(48)),
        sa.Column("next_attempt_at", TZ),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
    )
    op.create_index("ix_recipients_delivery_state", "recipients", ["delivery_id", "state", "id"])
    op.create_index("ix_recipients_subscriber", "recipients", ["subscriber_id"])
    op.create_index("ix_recipients_sent_at", "recipients", ["sent_at"])
    op.create_table(
        "workers",
        sa.Column("id", sa.String(48), primary_key=True),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("delivery_id", sa.Integer,
                  sa.ForeignKey("deliveries.id", ondelete="CASCADE")),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("heartbeat_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workers")
    op.drop_table("recipients")
    op.drop_table("deliveries")
