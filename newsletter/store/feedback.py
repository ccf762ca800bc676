"""What comes back after a delivery: bounces, complaints, and the messages
nobody could classify.

Bounces are scored as Mailman 3 scores them: a temporary failure is kept
but never counts; a hard bounce adds one to the subscriber's score at most
once a calendar day (UTC); a score whose last bounce is older than
``score_days`` starts again; at the threshold the subscriber is bounced
and no longer mailed. A complaint (an ARF report, RFC 5965) unsubscribes
at once. Each is one row of ``feedback`` (the report counts them) and an
entry in the subscriber's history, with the DSN's status code and
diagnostic.

The same message processed twice for the same subscriber changes nothing,
and every change is a conditional update: two processes reading the same
mailbox cannot count a bounce twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from newsletter.store import Store, now, utc
from newsletter.store.states import SubscriberStatus
from newsletter.store.subscribers import log
from newsletter.store.tables import deliveries, feedback, feedback_review, subscribers

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"
# Only these move to bounced or have their score counted: the others are no
# longer mailed already.
MAILED = (SubscriberStatus.ACTIVE, SubscriberStatus.PENDING)
# The address in a stored diagnostic ("550 5.1.1 <anna@…>: unknown user")
# becomes this, so that a feedback row outlives an erasure without it.
ADDRESS_STAND_IN = "recipient"
MAX_DIAGNOSTIC = 1000


@dataclass(frozen=True)
class Outcome:
    """What processing one bounce or complaint did."""

    duplicate: bool = False  # already processed for this subscriber: nothing changed
    counted: bool = False  # it added one to the bounce score
    score: int = 0  # the subscriber's bounce score now
    now_bounced: bool = False  # it moved the subscriber to bounced
    now_complained: bool = False  # it moved the subscriber to complained (unsubscribed)
    feedback_id: int | None = None


@dataclass(frozen=True)
class Kept:
    """A message kept for review because it could not be classified."""

    id: int
    received_at: datetime
    source: str
    reason: str
    message_id: str | None
    size: int  # bytes
    message: bytes | None = None  # the raw message: given by review_item, not in listings

    @classmethod
    def from_row(cls, row) -> Kept:
        values = dict(row._mapping)
        return cls(**values | {"received_at": utc(values["received_at"])})


# -- bounces and complaints ----------------------------------------------------------


def record_bounce(store: Store, *, subscriber_id: int | None, delivery_id: int | None, hard: bool,
                  status: str, diagnostic: str, message_id: str | None, threshold: int,
                  score_days: int, at: datetime | None = None) -> Outcome:
    """Record a bounce of ``delivery_id``'s message to ``subscriber_id`` (either
    may be None when unknown or gone) and score it; see the module's docstring."""
    at = (at or now()).astimezone(UTC)
    kind = HARD if hard else SOFT
    with store.transaction() as connection:
        person = _person(connection, subscriber_id)
        row_id = _insert(connection, at, delivery_id, person, kind, status, diagnostic, message_id)
        if row_id is None:
            return Outcome(duplicate=True, score=person.bounce_score if person else 0)
        if person is None:
            return Outcome(feedback_id=row_id)
        what = f"{status or 'no status'}: {diagnostic}".strip() + _of(delivery_id)
        if not hard:
            log(connection, person.id, "bounce-soft", what + "; temporary, not counted", at)
            return Outcome(score=person.bounce_score, feedback_id=row_id)
        score = _count(connection, person.id, at, score_days)
        if score is None:
            now_at = connection.execute(select(subscribers.c.bounce_score, subscribers.c.status)
                                        .where(subscribers.c.id == person.id)).one()
            why = f"a bounce was already counted on {at.date()}" if now_at.status in MAILED \
                else now_at.status
            log(connection, person.id, "bounce-hard", f"{what}; not counted: {why}", at)
            return Outcome(score=now_at.bounce_score, feedback_id=row_id)
        connection.execute(update(feedback).where(feedback.c.id == row_id).values(counted=1))
        log(connection, person.id, "bounce-hard", what + f"; score {score} of {threshold}", at)
        bounced = score >= threshold and _move(connection, person.id, SubscriberStatus.BOUNCED, at)
        if bounced:
            log(connection, person.id, "bounced",
                f"bounce score {score} reached the threshold {threshold}; last: {status}", at)
        return Outcome(counted=True, score=score, now_bounced=bounced, feedback_id=row_id)


def record_complaint(store: Store, *, subscriber_id: int | None, delivery_id: int | None,
                     feedback_type: str, message_id: str | None,
                     at: datetime | None = None) -> Outcome:
    """A recipient reported the message as spam (or fraud…): unsubscribed at
    once with the status ``complained``. A running delivery skips them at
    their turn, as it skips anybody no longer active."""
    at = (at or now()).astimezone(UTC)
    with store.transaction() as connection:
        person = _person(connection, subscriber_id)
        row_id = _insert(connection, at, delivery_id, person, COMPLAINT, "", feedback_type,
                         message_id)
        if row_id is None:
            return Outcome(duplicate=True, score=person.bounce_score if person else 0)
        if person is None:
            return Outcome(feedback_id=row_id)
        moved = connection.execute(update(subscribers).where(
            subscribers.c.id == person.id, subscribers.c.status != SubscriberStatus.COMPLAINED)
            .values(status=SubscriberStatus.COMPLAINED, updated_at=at,
                    unsubscribed_at=func.coalesce(subscribers.c.unsubscribed_at, at))).rowcount == 1
        log(connection, person.id, "complaint", f"feedback type {feedback_type}"
            + _of(delivery_id) + ("" if moved else f"; was already {person.status}"), at)
        return Outcome(score=person.bounce_score, now_complained=moved, feedback_id=row_id)


def score(store: Store, subscriber_id: int) -> tuple[int, date | None, str] | None:
    """A subscriber's bounce score, the day of the last bounce counted and
    their status; None for an unknown subscriber."""
    with store.transaction() as connection:
        row = connection.execute(select(
            subscribers.c.bounce_score, subscribers.c.bounce_scored_on, subscribers.c.status)
            .where(subscribers.c.id == subscriber_id)).first()
    return tuple(row) if row else None


def _person(connection: Connection, subscriber_id: int | None):
    if subscriber_id is None:
        return None
    return connection.execute(select(
        subscribers.c.id, subscribers.c.email, subscribers.c.status, subscribers.c.bounce_score,
        subscribers.c.bounce_scored_on).where(subscribers.c.id == subscriber_id)).first()


def _insert(connection: Connection, at: datetime, delivery_id: int | None, person, kind: str,
            status: str, diagnostic: str, message_id: str | None) -> int | None:
    """The new feedback row's id; None if this message was already recorded
    for this subscriber (here, or by another process at the same moment)."""
    subscriber_id = person.id if person else None
    if delivery_id is not None and connection.execute(select(deliveries.c.id).where(
            deliveries.c.id == delivery_id)).first() is None:
        delivery_id = None  # a delivery since removed: the bounce still counts for the person
    if message_id is not None and connection.execute(select(feedback.c.id).where(
            feedback.c.message_id == message_id,
            feedback.c.subscriber_id.is_not_distinct_from(subscriber_id),
            feedback.c.delivery_id.is_not_distinct_from(delivery_id))).first():
        return None
    if person is not None:
        diagnostic = re.sub(re.escape(person.email), ADDRESS_STAND_IN, diagnostic, flags=re.I)
    # Nothing if another process has just recorded it (the unique index; on
    # PostgreSQL this waits for that process's commit).
    return connection.execute(_insert_new(connection, feedback).values(
        at=at, delivery_id=delivery_id, subscriber_id=subscriber_id, kind=kind,
        status=(status or "")[:16], diagnostic=diagnostic[:MAX_DIAGNOSTIC], counted=0,
        message_id=message_id).on_conflict_do_nothing(index_elements=["message_id", "subscriber_id"])
        .returning(feedback.c.id)).scalar()


def _insert_new(connection: Connection, table):
    """An INSERT that can skip a row already there (ON CONFLICT DO NOTHING)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _count(connection: Connection, subscriber_id: int, at: datetime, score_days: int) -> int | None:
    """Add the bounce to the score, once a day and only for someone still
    mailed, restarting a stale score; the new score, or None if not counted.
    One conditional update: a concurrent process counting the same day waits
    for this one, then finds the day already counted."""
    day = at.astimezone(UTC).date()
    last = subscribers.c.bounce_scored_on
    stale = or_(last.is_(None), last < day - timedelta(days=score_days))
    return connection.execute(update(subscribers).where(
        subscribers.c.id == subscriber_id, subscribers.c.status.in_(MAILED),
        or_(last.is_(None), last < day)).values(
        bounce_score=case((stale, 1), else_=subscribers.c.bounce_score + 1),
        bounce_scored_on=day, updated_at=at).returning(subscribers.c.bounce_score)).scalar()


def _move(connection: Connection, subscriber_id: int, status: SubscriberStatus,
          at: datetime) -> bool:
    """Move a subscriber who is still mailed to ``status``; False if they were not."""
    return connection.execute(update(subscribers).where(
        subscribers.c.id == subscriber_id, subscribers.c.status.in_(MAILED))
        .values(status=status, updated_at=at)).rowcount == 1


def _of(delivery_id: int | None) -> str:
    return f"; delivery {delivery_id}" if delivery_id is not None else ""


# -- messages kept for review --------------------------------------------------------


def keep_for_review(store: Store, source: str, reason: str, raw: bytes,
                    message_id: str | None) -> int:
    """Keep a message that could not be classified; its id. The same message
    kept again (a mailbox read twice) is not kept twice."""
    with store.transaction() as connection:
        if (known := _kept(connection, raw, message_id)) is not None:
            return known
        added = connection.execute(_insert_new(connection, feedback_review).values(
            received_at=now(), source=source, reason=reason, message=raw, message_id=message_id)
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(feedback_review.c.id)).scalar()
        # None: the same Message-ID kept by another process meanwhile.
        return added if added is not None else _kept(connection, raw, message_id)


def _kept(connection: Connection, raw: bytes, message_id: str | None) -> int | None:
    same = feedback_review.c.message == raw if message_id is None \
        else feedback_review.c.message_id == message_id
    return connection.execute(select(feedback_review.c.id).where(same)
                              .order_by(feedback_review.c.id).limit(1)).scalar()


_LISTED = (feedback_review.c.id, feedback_review.c.received_at, feedback_review.c.source,
           feedback_review.c.reason, feedback_review.c.message_id,
           func.length(feedback_review.c.message).label("size"))


def review_list(store: Store, limit: int = 100) -> list[Kept]:
    """The messages kept for review, the latest first (without their bytes)."""
    with store.transaction() as connection:
        rows = connection.execute(select(*_LISTED).order_by(
            feedback_review.c.received_at.desc(), feedback_review.c.id.desc()).limit(limit)).all()
    return [Kept.from_row(row) for row in rows]


def review_item(store: Store, review_id: int) -> Kept | None:
    """One kept message, with its bytes; None if there is no such one."""
    with store.transaction() as connection:
        row = connection.execute(select(*_LISTED, feedback_review.c.message).where(
            feedback_review.c.id == review_id)).first()
    return Kept.from_row(row) if row else None


def purge_review(store: Store, older_than_days: int = 30) -> int:
    """Delete the messages kept longer than ``older_than_days``; how many."""
    with store.transaction() as connection:
        return connection.execute(delete(feedback_review).where(
            feedback_review.c.received_at < now() - timedelta(days=older_than_days))).rowcount
