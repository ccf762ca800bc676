"""Why a delivery is paused, as data (it was read from the note's text).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("paused_by", sa.String(12)))
    op.execute("UPDATE deliveries SET paused_by = 'build' WHERE state = 'paused' "
               "AND note LIKE 'the issue could not be built%'")


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("paused_by")
