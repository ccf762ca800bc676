"""The store's schema, as SQLAlchemy Core tables. Alembic migrations
(``newsletter/migrations``) create and change it; this module describes the
current shape for the queries."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The states (subscribers, deliveries, recipients) are named in newsletter.store.states.

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    # The public identifier in signed links: random, never reused (an integer
    # id can be reused by SQLite after a deletion).
    Column("uid", String(32), nullable=False, unique=True),
    Column("email", Text, nullable=False),
    # The address folded to lower case: uniqueness is case-insensitive.
    Column("email_key", Text, nullable=False, unique=True),
    Column("name", Text),
    Column("language", String(2), nullable=False),
    Column("status", String(12), nullable=False),
    Column("consent_at", DateTime(timezone=True)),
    Column("consent_method", String(8)),
    Column("consent_ip", Text),
    Column("privacy_version", Text),
    Column("bounces", Integer, nullable=False, server_default="0"),
    # Bounces reported after delivery, scored as Mailman 3 does (newsletter.store.feedback):
    # at most one a day (UTC), the day of the last one counted kept to restart a stale score.
    Column("bounce_score", Integer, nullable=False, server_default="0"),
    Column("bounce_scored_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("unsubscribed_at", DateTime(timezone=True)),
    Index("ix_subscribers_status_language", "status", "language"),
)

# Every change to a subscriber, with its time: the consent record's history.
subscriber_events = Table(
    "subscriber_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(24), nullable=False),
    Column("detail", Text),
)

# Addresses that must never be mailed or silently re-imported although their
# subscriber row is gone (erasure): only a keyed hash (HMAC-SHA256) is kept.
suppressions = Table(
    "suppressions",
    metadata,
    Column("address_hash", String(64), primary_key=True),
    Column("reason", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Recent subscribe attempts per client (keyed hash of the IP address), shared
# by every web worker through the database.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bucket", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_rate_limits_bucket_at", "bucket", "at"),
)

# -- deliveries -----------------------------------------------------------------

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("month", String(7), nullable=False),
    Column("language", String(2), nullable=False),
    Column("state", String(10), nullable=False),
    Column("subject", Text, nullable=False),
    Column("test", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("send_at", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("note", Text),
    # The subscriber languages that receive this edition ("it" or, with a
    # fallback, "it,fr"): recipients are queued when the delivery starts.
    Column("audience", Text),
    Column("paused_by", String(12)),  # a PauseCause while paused
    Index("ux_deliveries_month_language", "month", "language", unique=True),
)

recipients = Table(
    "recipients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    # Erasure keeps the row (for the counts) but removes the person from it.
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="SET NULL")),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("reply", Text),
    Column("worker", String(48)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    # SMTP transactions that ended without an answer (the message may have
    # arrived): a recipient with one is sent once more, never a third time.
    Column("unsure", Integer, nullable=False, server_default="0"),
    Column("resent_at", DateTime(timezone=True)),  # when the second copy was attempted
    Index("ix_recipients_delivery_state", "delivery_id", "state", "id"),
    Index("ix_recipients_subscriber", "subscriber_id"),
    Index("ix_recipients_sent_at", "sent_at"),
)

# Dispatch workers alive now: a worker whose heartbeat is older than the
# lease is dead, and its claimed rows may be taken over.
workers = Table(
    "workers",
    metadata,
    Column("id", String(48), primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE")),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
)

# One row per month whose "next issue is not scheduled" reminder went out:
# several schedulers send it once.
reminders = Table(
    "reminders",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)

# -- transactional mail and subscription requests ---------------------------------

# Transactional mail (confirmations, unsubscribe links) waiting to leave. The
# web pages only add a row, so they answer in the same time whether or not
# they mail anybody; a background sender drains the queue and deletes each
# row once sent. A row whose sending failed for good keeps its error for the
# operator, with ``next_attempt_at`` NULL.
mail_queue = Table(
    "mail_queue",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("message", LargeBinary, nullable=False),  # the whole message, as it leaves
    Column("created_at", DateTime(timezone=True), nullable=False),
    # When it may be tried next: later while a sender holds it (a lease) or after a failure.
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Index("ix_mail_queue_next_attempt_at", "next_attempt_at"),
)

# What the subscribe form asked for an address already on the list (name,
# language, consent): applied only when the link mailed to the address is
# followed, so an anonymous form changes nobody's record.
subscription_requests = Table(
    "subscription_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(32), nullable=False, unique=True),  # what the confirmation link signs
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", Text),
    Column("language", String(2), nullable=False),
    Column("consent_method", String(8), nullable=False),
    Column("consent_ip", Text),
    Column("privacy_version", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The people of the editorial workspace. A password is set through a
# one-time link (only its hash is kept); failed logins lock the account for
# a while. Roles: editor, approver, admin (newsletter.store.users).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),
    Column("email_key", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("role", String(10), nullable=False),
    Column("password_hash", Text),  # Argon2id; NULL until the person sets one
    Column("disabled", Integer, nullable=False, server_default="0"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("setup_token_hash", String(64)),  # SHA-256 of the one-time link's token
    Column("setup_expires_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# -- the editorial workspace ------------------------------------------------------

# Who did what in the workspace (and with the CLI on its behalf): logins,
# saves, submissions, approvals, schedules, changes to people.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),  # an e-mail address, or "cli"
    Column("action", String(40), nullable=False),
    Column("month", String(7)),
    Column("detail", Text, nullable=False, server_default=""),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_month", "month"),
)

# Every saved version of an issue's source file, whole: a diff is made
# between two of them, and an approval names the texts it approved.
revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("month", String(7), nullable=False),
    Column("file", String(20), nullable=False),  # "it.yaml"
    Column("author", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the text (UTF-8)
    Column("text", Text, nullable=False),
    Index("ix_revisions_month_file_id", "month", "file", "id"),
)

# Where each issue stands in the review (newsletter.store.workflow): a month
# without a row is a draft.
reviews = Table(
    "reviews",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("state", String(10), nullable=False),  # draft, review, approved
    Column("submitted_by", Text),
    Column("submitted_at", DateTime(timezone=True)),
    Column("reviewed_by", Text),  # who approved or sent it back
    Column("reviewed_at", DateTime(timezone=True)),
    # The last approval, kept when the approval is voided or the issue sent
    # back: whoever changed the issue since then may not approve it alone.
    Column("approved_at", DateTime(timezone=True)),
    Column("comment", Text),  # why it was sent back
    Column("changed_by", Text),  # the last change to the source
    Column("changed_at", DateTime(timezone=True)),
    Column("voided_at", DateTime(timezone=True)),  # an approval undone by a change
    Column("voided_by", Text),
)

# What was approved: per edition, the digest it had (newsletter.render.output).
approvals = Table(
    "approvals",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("language", String(5), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("approved_by", Text, nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
)

# A translator's "this item is translated": the hash of the primary text it
# was translated from, so a later change of that text shows it as stale.
translation_marks = Table(
    "translation_marks",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("language", String(5), primary_key=True),
    Column("item", String(200), primary_key=True),
    Column("source_hash", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# The workspace's sessions: the cookie carries a random token, the store its
# SHA-256; signing out, a new password or disabling the account deletes them.
editor_sessions = Table(
    "editor_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_editor_sessions_user", "user_id"),
)

# -- delivery feedback ------------------------------------------------------------

# One row per bounce or complaint processed (newsletter.store.feedback): the
# report counts them per delivery. The same bounce message processed twice
# for the same subscriber is one row (the unique index; NULLs never clash).
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="SET NULL")),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="SET NULL")),
    Column("kind", String(12), nullable=False),  # hard, soft, complaint
    Column("status", String(16), nullable=False, server_default=""),  # the DSN's, e.g. 5.1.1
    # The DSN's diagnostic (a complaint: its feedback type), without the address.
    Column("diagnostic", Text, nullable=False, server_default=""),
    Column("counted", Integer, nullable=False, server_default="0"),  # added to the bounce score
    Column("message_id", Text),  # the bounce or report's own Message-ID
    Index("ix_feedback_delivery_kind", "delivery_id", "kind"),
    Index("ix_feedback_subscriber", "subscriber_id"),
    Index("ux_feedback_message_subscriber", "message_id", "subscriber_id", unique=True),
)

# Messages that came back and could not be classified: kept whole for a
# person to look at (``newsletter bounces review``), purged after 30 days.
feedback_review = Table(
    "feedback_review",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("source", Text, nullable=False),  # "stdin", "maildir:/path/cur/123", "imap:INBOX/42"
    Column("reason", Text, nullable=False),
    Column("message", LargeBinary, nullable=False),
    Column("message_id", Text),
    Index("ix_feedback_review_received_at", "received_at"),
    Index("ux_feedback_review_message_id", "message_id", unique=True),
)

# Aggregate clicks per link of an item of an edition: never who clicked.
click_counts = Table(
    "click_counts",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("language", String(5), primary_key=True),
    Column("item", String(200), primary_key=True),
    Column("link", Integer, primary_key=True),
    Column("count", Integer, nullable=False, server_default="0"),
)
