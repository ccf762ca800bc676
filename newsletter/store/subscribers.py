"""Subscribers and their consent: every change is committed with its time
in ``subscriber_events``; unsubscribed, bounced, complained and erased
addresses are never mailed and never silently come back."""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsletter.core.errors import NewsletterError
from newsletter.store import Store, from_row, mailqueue, now, utc
from newsletter.store.states import SUPPRESSED, ConsentMethod, SubscriberStatus
from newsletter.store.tables import (
    feedback_review,
    recipients,
    subscriber_events,
    subscribers,
    subscription_requests,
    suppressions,
)

MAILABLE = SubscriberStatus.ACTIVE
SUPPRESSED_STATUSES = SUPPRESSED


class SubscriberError(NewsletterError):
    """An operation on a subscriber that cannot be done, explained."""


@dataclass(frozen=True)
class Subscriber:
    id: int
    uid: str
    email: str
    email_key: str
    name: str | None
    language: str
    status: str
    consent_at: datetime | None
    consent_method: str | None
    consent_ip: str | None
    privacy_version: str | None
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    bounces: int

    from_row = classmethod(from_row)


@dataclass(frozen=True)
class Asked:
    """What a subscribe form's POST leads to: the address's record as it
    stands (the form changes nothing in it) and what to mail.
    ``confirm_uid`` goes into the confirmation link; None: the address is
    active and gets its own links instead. ``name`` and ``language`` are
    what the form asked for, applied only by confirming."""

    subscriber: Subscriber
    confirm_uid: str | None
    name: str | None
    language: str


@dataclass(frozen=True)
class Confirmable:
    """What following a confirmation link would do: activate ``subscriber``
    with this name and language."""

    subscriber: Subscriber
    name: str | None
    language: str


@dataclass(frozen=True)
class Consent:
    """How a subscriber agreed to receive the bulletin."""

    method: ConsentMethod | str
    privacy_version: str
    ip: str | None = None


class Outcome(Enum):
    DONE = "done"
    ALREADY = "already"
    UNKNOWN = "unknown"


def new_uid() -> str:
    return secrets.token_hex(16)


def log(connection: Connection, subscriber_id: int, event: str, detail: str | None = None,
        at: datetime | None = None) -> None:
    connection.execute(insert(subscriber_events).values(
        subscriber_id=subscriber_id, at=at or now(), event=event, detail=detail))


def get(store: Store, *, key: str | None = None, uid: str | None = None) -> Subscriber | None:
    column, value = (subscribers.c.email_key, key) if key else (subscribers.c.uid, uid)
    with store.transaction() as connection:
        row = connection.execute(select(subscribers).where(column == value)).first()
    return Subscriber.from_row(row) if row else None


def suppression_reason(connection: Connection, store: Store, key: str) -> str | None:
    """Why an address must not be added again, or None."""
    status = connection.execute(
        select(subscribers.c.status).where(subscribers.c.email_key == key)).scalar()
    if status in SUPPRESSED_STATUSES:
        return status
    return connection.execute(select(suppressions.c.reason).where(
        suppressions.c.address_hash == store.address_hash(key))).scalar()


def add(store: Store, email: str, key: str, name: str | None, language: str, consent: Consent,
        *, status: str = SubscriberStatus.ACTIVE, note: str | None = None) -> Subscriber:
    """Add a subscriber (CLI, workspace): refused if the address is known or
    suppressed. ``note``: how the office received the consent, kept in the
    subscriber's history with the subscription."""
    with store.transaction() as connection:
        if reason := suppression_reason(connection, store, key):
            raise SubscriberError(f"{email} is on the suppression list ({reason}): it is never "
                                  "added again by hand; the person can subscribe through the form")
        if connection.execute(select(subscribers.c.id).where(subscribers.c.email_key == key)).first():
            raise SubscriberError(f"{email} is already subscribed")
        added = _insert(connection, email, key, name, language, consent, status)
        if note:
            log(connection, added.id, "consent-note", note, added.created_at)
        return added


def _insert(connection: Connection, email: str, key: str, name: str | None, language: str,
            consent: Consent, status: str) -> Subscriber:
    at = now()
    row = connection.execute(insert(subscribers).values(
        uid=new_uid(), email=email, email_key=key, name=name, language=language, status=status,
        consent_at=at, consent_method=consent.method, consent_ip=consent.ip,
        privacy_version=consent.privacy_version, created_at=at, updated_at=at,
        confirmed_at=at if status == SubscriberStatus.ACTIVE else None,
    ).returning(*subscribers.c)).one()
    log(connection, row.id, "subscribed", f"{consent.method}, privacy notice "
        f"{consent.privacy_version}, status {status}", at)
    return Subscriber.from_row(row)


def request_subscription(store: Store, email: str, key: str, name: str | None, language: str,
                         consent: Consent, *, valid_for: timedelta) -> Asked:
    """The subscribe form. A new address becomes a pending subscriber. For an
    address already on the list (pending, unsubscribed, bounced, complained)
    nothing changes: a request keeps what was asked (name, language,
    consent) until the link mailed to the address confirms it, so an
    anonymous form rewrites nobody's record. An active address has nothing
    to confirm. Requests older than ``valid_for`` (their links have
    expired) are forgotten, with the name and IP address they hold."""
    with store.transaction() as connection:
        row = _locked(connection, key)
        if row is None:
            try:
                with connection.begin_nested():
                    new = _insert(connection, email, key, name, language, consent,
                                  SubscriberStatus.PENDING)
                return Asked(new, new.uid, name, language)
            except IntegrityError:  # the same address submitted at the same moment
                row = _locked(connection, key)
        subscriber = Subscriber.from_row(row)
        if subscriber.status == MAILABLE:
            return Asked(subscriber, None, name, language)
        at, uid = now(), new_uid()
        connection.execute(delete(subscription_requests).where(  # anybody's, expired
            subscription_requests.c.created_at < at - valid_for))
        connection.execute(insert(subscription_requests).values(
            uid=uid, subscriber_id=row.id, name=name, language=language,
            consent_method=consent.method, consent_ip=consent.ip,
            privacy_version=consent.privacy_version, created_at=at))
        return Asked(subscriber, uid, name, language)


def _locked(connection: Connection, key: str):
    return connection.execute(select(subscribers).where(subscribers.c.email_key == key)
                              .with_for_update()).first()


def confirmable(store: Store, uid: str) -> Confirmable | None:
    """What the confirmation link carrying ``uid`` would do, or None."""
    with store.transaction() as connection:
        asked, row = _confirmation(connection, uid)
    if row is None:
        return None
    subscriber = Subscriber.from_row(row)
    if asked is None:
        return Confirmable(subscriber, subscriber.name, subscriber.language)
    return Confirmable(subscriber, asked.name or subscriber.name, asked.language)


def _confirmation(connection: Connection, uid: str, lock: bool = False):
    """The request a link's uid names (or None) and its subscriber row (or None)."""
    asked = connection.execute(select(subscription_requests).where(
        subscription_requests.c.uid == uid)).first()
    column, value = (subscribers.c.id, asked.subscriber_id) if asked else (subscribers.c.uid, uid)
    query = select(subscribers).where(column == value)
    return asked, connection.execute(query.with_for_update() if lock else query).first()


def confirm(store: Store, uid: str) -> Outcome:
    """Double opt-in. The link's uid names a pending subscriber (pending →
    active), or a request for an address already on the list: its name,
    language and consent are applied only now, and the address becomes
    active (a bounced or complained address too: the person has just
    followed a link mailed to it). Replaying the link changes nothing."""
    with store.transaction() as connection:
        asked, row = _confirmation(connection, uid, lock=True)
        if row is None:
            return Outcome.UNKNOWN
        if row.status == MAILABLE:
            return Outcome.ALREADY
        if asked is None and row.status != SubscriberStatus.PENDING:
            return Outcome.UNKNOWN  # an old link of someone who has since unsubscribed
        at = now()
        values = {"status": SubscriberStatus.ACTIVE, "confirmed_at": at, "updated_at": at}
        detail = None
        if asked is not None:
            values |= {"name": asked.name or row.name, "language": asked.language,
                       "consent_at": asked.created_at, "consent_method": asked.consent_method,
                       "consent_ip": asked.consent_ip, "privacy_version": asked.privacy_version,
                       "unsubscribed_at": None, "bounces": 0, "bounce_score": 0,
                       "bounce_scored_on": None}
            detail = f"{asked.consent_method}, privacy notice {asked.privacy_version}, " \
                     f"was {row.status}"
            connection.execute(delete(subscription_requests).where(
                subscription_requests.c.id == asked.id))
        connection.execute(update(subscribers).where(subscribers.c.id == row.id).values(**values))
        connection.execute(delete(suppressions).where(
            suppressions.c.address_hash == store.address_hash(row.email_key)))
        log(connection, row.id, "confirmed", detail, at)
        return Outcome.DONE


def unsubscribe(store: Store, uid: str, how: str) -> Outcome:
    """Stop mailing a subscriber at once; the record stays as a suppression."""
    with store.transaction() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.uid == uid)
                                 .with_for_update()).first()
        if row is None:
            return Outcome.UNKNOWN
        if row.status in SUPPRESSED_STATUSES:
            return Outcome.ALREADY
        at = now()
        connection.execute(update(subscribers).where(subscribers.c.id == row.id).values(
            status="unsubscribed", unsubscribed_at=at, updated_at=at))
        log(connection, row.id, "unsubscribed", how, at)
        return Outcome.DONE


def set_language(store: Store, uid: str, language: str) -> Outcome:
    with store.transaction() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.uid == uid)).first()
        if row is None:
            return Outcome.UNKNOWN
        if row.language == language:
            return Outcome.ALREADY
        at = now()
        connection.execute(update(subscribers).where(subscribers.c.id == row.id).values(
            language=language, updated_at=at))
        log(connection, row.id, "language-changed", f"{row.language} → {language}", at)
        return Outcome.DONE


def remove(store: Store, key: str) -> Outcome:
    """Unsubscribe by address (the office acting on a request)."""
    subscriber = get(store, key=key)
    return unsubscribe(store, subscriber.uid, "removed by the office") if subscriber \
        else Outcome.UNKNOWN


def erase(store: Store, key: str) -> Outcome:
    """GDPR erasure: delete every personal datum of the address, keeping only
    a keyed hash so that it stays suppressed. The address also leaves the
    SMTP replies stored in the delivery ledger ("550 5.1.1 <anna@…>") and
    the queue of transactional mail, and on SQLite the write-ahead log is
    checkpointed with deleted content overwritten, so that it is gone from
    the disk too."""
    with store.transaction() as connection:
        address_hash = store.address_hash(key)
        row = connection.execute(select(subscribers.c.id, subscribers.c.email).where(
            subscribers.c.email_key == key)).first()
        if row is not None:
            _forget_in_replies(connection, row.id, row.email, f"<erased:{address_hash[:12]}>")
        mailqueue.forget(connection, key)  # its requests go with the row (ON DELETE CASCADE)
        _forget_in_review(connection, row.email if row is not None else key)
        deleted = connection.execute(delete(subscribers).where(subscribers.c.email_key == key))
        known = connection.execute(select(suppressions.c.reason).where(
            suppressions.c.address_hash == address_hash)).scalar()
        if known is None:
            connection.execute(insert(suppressions).values(
                address_hash=address_hash, reason="erased", at=now()))
        elif known != "erased":
            connection.execute(update(suppressions).where(
                suppressions.c.address_hash == address_hash).values(reason="erased", at=now()))
        outcome = Outcome.DONE if deleted.rowcount else Outcome.ALREADY if known else Outcome.UNKNOWN
    store.flush_to_disk()
    return outcome


def _forget_in_review(connection: Connection, email: str) -> None:
    """Bounce messages kept for a person to look at (``feedback_review``) that
    mention the address go at once, not at the 30-day purge."""
    needle = email.lower().encode("utf-8")
    rows = connection.execute(select(feedback_review.c.id, feedback_review.c.message)).all()
    gone = [review_id for review_id, message in rows if needle in bytes(message or b"").lower()]
    if gone:
        connection.execute(delete(feedback_review).where(feedback_review.c.id.in_(gone)))


def _forget_in_replies(connection: Connection, subscriber_id: int, email: str, stand_in: str) -> None:
    """Replace the address (in any case) in the ledger's stored replies."""
    pattern = re.compile(re.escape(email), re.IGNORECASE)
    rows = connection.execute(select(recipients.c.id, recipients.c.reply).where(
        recipients.c.subscriber_id == subscriber_id, recipients.c.reply.is_not(None))).all()
    for recipient_id, reply in rows:
        if pattern.search(reply):
            connection.execute(update(recipients).where(recipients.c.id == recipient_id)
                               .values(reply=pattern.sub(stand_in, reply)))


def events(store: Store, subscriber_id: int) -> list[tuple[datetime, str, str | None]]:
    with store.transaction() as connection:
        rows = connection.execute(select(subscriber_events).where(
            subscriber_events.c.subscriber_id == subscriber_id).order_by(subscriber_events.c.id))
        return [(utc(r.at), r.event, r.detail) for r in rows]


def listing(store: Store, status: str | None = None, language: str | None = None,
            batch: int = 2000) -> Iterator[Subscriber]:
    """Subscribers by id, streamed in batches (flat memory for any list size)."""
    conditions = []
    if status:
        conditions.append(subscribers.c.status == status)
    if language:
        conditions.append(subscribers.c.language == language)
    last = 0
    while True:
        with store.transaction() as connection:
            rows = connection.execute(select(subscribers).where(
                and_(subscribers.c.id > last, *conditions)).order_by(subscribers.c.id)
                .limit(batch)).all()
        if not rows:
            return
        yield from (Subscriber.from_row(row) for row in rows)
        last = rows[-1].id


def search(store: Store, text: str = "", status: str | None = None,
           language: str | None = None, limit: int = 100) -> list[Subscriber]:
    """At most ``limit`` subscribers whose address or name contains ``text``
    (any case), by address."""
    conditions = []
    if text:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", text.casefold()) + "%"
        conditions.append(subscribers.c.email_key.like(pattern, escape="\\")
                          | func.lower(subscribers.c.name).like(pattern, escape="\\"))
    if status:
        conditions.append(subscribers.c.status == status)
    if language:
        conditions.append(subscribers.c.language == language)
    with store.transaction() as connection:
        rows = connection.execute(select(subscribers).where(*conditions)
                                  .order_by(subscribers.c.email_key).limit(limit)).all()
    return [Subscriber.from_row(row) for row in rows]


# What ``subscribers export`` writes: the consent record of each subscriber.
EXPORT_COLUMNS = ("email", "name", "language", "status", "consent_at", "consent_method",
                  "consent_ip", "privacy_version", "created_at", "confirmed_at", "unsubscribed_at")
# OWASP's rule against spreadsheet formula injection: a cell that a
# spreadsheet would read as a formula is written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_export(store: Store, handle, status: str | None = None,
                 language: str | None = None) -> int:
    """The subscribers (with ``status`` and ``language`` if given) as CSV on
    ``handle``, a header first; returns how many."""
    writer = csv.writer(handle)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for subscriber in listing(store, status, language):
        writer.writerow([export_cell(getattr(subscriber, column)) for column in EXPORT_COLUMNS])
        count += 1
    return count


def stats(store: Store) -> dict[tuple[str, str], int]:
    """Counts by (status, language), plus ("suppressed", "-") for erased addresses."""
    with store.transaction() as connection:
        counts = {(status, language): count for status, language, count in connection.execute(
            select(subscribers.c.status, subscribers.c.language, func.count())
            .group_by(subscribers.c.status, subscribers.c.language))}
        counts[("erased", "-")] = connection.execute(
            select(func.count()).select_from(suppressions)
            .where(suppressions.c.reason == "erased")).scalar()
    return counts
