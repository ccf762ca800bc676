"""Scheduling: a delivery's audience, editor reminders.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("audience", sa.Text))
    op.create_table(
        "reminders",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("audience")
