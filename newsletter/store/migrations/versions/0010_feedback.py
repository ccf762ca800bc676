"""What comes back after a delivery: each subscriber's bounce score (as
Mailman 3 keeps it), the bounces and complaints processed, the messages
that could not be classified (kept for a person to look at), and the
aggregate click counts per item and language.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("bounce_score", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("bounce_scored_on", sa.Date))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("deliveries.id", ondelete="SET NULL")),
        sa.Column("subscriber_id", sa.Integer,
                  sa.ForeignKey("subscribers.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default=""),
        sa.Column("diagnostic", sa.Text, nullable=False, server_default=""),
        sa.Column("counted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message_id", sa.Text),
    )
    op.create_index("ix_feedback_delivery_kind", "feedback", ["delivery_id", "kind"])
    op.create_index("ix_feedback_subscriber", "feedback", ["subscriber_id"])
    op.create_index("ux_feedback_message_subscriber", "feedback", ["message_id", "subscriber_id"],
                    unique=True)
    op.create_table(
        "feedback_review",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("message", sa.LargeBinary, nullable=False),
        sa.Column("message_id", sa.Text),
    )
    op.create_index("ix_feedback_review_received_at", "feedback_review", ["received_at"])
    op.create_index("ux_feedback_review_message_id", "feedback_review", ["message_id"], unique=True)
    op.create_table(
        "click_counts",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("language", sa.String(5), primary_key=True),
        sa.Column("item", sa.String(200), primary_key=True),
        sa.Column("link", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("click_counts")
    op.drop_index("ux_feedback_review_message_id", "feedback_review")
    op.drop_index("ix_feedback_review_received_at", "feedback_review")
    op.drop_table("feedback_review")
    op.drop_index("ux_feedback_message_subscriber", "feedback")
    op.drop_index("ix_feedback_subscriber", "feedback")
    op.drop_index("ix_feedback_delivery_kind", "feedback")
    op.drop_table("feedback")
    # Not a batch: on SQLite a batch copies the table and drops the old one,
    # and that drop would cascade to the subscribers' history (foreign keys
    # are on). SQLite has dropped columns in place since 3.35.
    op.drop_column("subscribers", "bounce_scored_on")
    op.drop_column("subscribers", "bounce_score")
