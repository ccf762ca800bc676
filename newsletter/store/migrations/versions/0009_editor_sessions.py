"""The workspace's sessions, kept by the server: signing out, a new
password or a disabled account ends a session even where a copy of its
cookie survives.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "editor_sessions",
        sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the cookie's token
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("seen_at", TZ, nullable=False),
    )
    op.create_index("ix_editor_sessions_user", "editor_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_editor_sessions_user", "editor_sessions")
    op.drop_table("editor_sessions")
