"""The editorial workspace: its audit log, the revisions of the issues'
sources, the review of each issue with its approvals, and translation marks.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("month", sa.String(7)),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_month", "audit_log", ["month"])
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("file", sa.String(20), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_revisions_month_file_id", "revisions", ["month", "file", "id"])
    op.create_table(
        "reviews",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("submitted_by", sa.Text),
        sa.Column("submitted_at", TZ),
        sa.Column("reviewed_by", sa.Text),
        sa.Column("reviewed_at", TZ),
        sa.Column("approved_at", TZ),
        sa.Column("comment", sa.Text),
        sa.Column("changed_by", sa.Text),
        sa.Column("changed_at", TZ),
        sa.Column("voided_at", TZ),
        sa.Column("voided_by", sa.Text),
    )
    op.create_table(
        "approvals",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("language", sa.String(5), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("approved_by", sa.Text, nullable=False),
        sa.Column("approved_at", TZ, nullable=False),
    )
    op.create_table(
        "translation_marks",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("language", sa.String(5), primary_key=True),
        sa.Column("item", sa.String(200), primary_key=True),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("translation_marks")
    op.drop_table("approvals")
    op.drop_table("reviews")
    op.drop_index("ix_revisions_month_file_id", "revisions")
    op.drop_table("revisions")
    op.drop_index("ix_audit_log_month", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
