"""What the ledger needs to keep the delivery promise: how many of a
recipient's SMTP transactions ended without an answer (``unsure``), and
when a second copy was attempted (``resent_at``).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipients") as batch:
        batch.add_column(sa.Column("unsure", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("resent_at", sa.DateTime(timezone=True)))
    # Rows left uncertain by earlier versions had one transaction without an answer.
    op.execute("UPDATE recipients SET unsure = 1 WHERE state = 'uncertain'")


def downgrade() -> None:
    with op.batch_alter_table("recipients") as batch:
        batch.drop_column("resent_at")
        batch.drop_column("unsure")
