"""The queue of transactional mail (confirmations, unsubscribe links): the
web pages add a message and answer at once; a sender takes due messages
with a lease, so that several web workers, hosts or a scheduler can drain
the same queue without sending a message twice, and deletes each once sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from newsletter.store import Store, from_row, now
from newsletter.store.tables import mail_queue


@dataclass(frozen=True)
class Queued:
    id: int
    sender: str
    recipient: str
    message: bytes
    attempts: int
    created_at: datetime

    from_row = classmethod(from_row)


@dataclass(frozen=True)
class Held:
    """A message given up on, kept with its error for the operator."""

    id: int
    recipient: str
    attempts: int
    last_error: str | None
    created_at: datetime

    from_row = classmethod(from_row)


def enqueue(store: Store, sender: str, recipient: str, message: bytes) -> None:
    at = now()
    with store.transaction() as connection:
        connection.execute(insert(mail_queue).values(
            sender=sender, recipient=recipient, message=message, created_at=at,
            next_attempt_at=at, attempts=0))


def claim(store: Store, limit: int, lease: timedelta) -> list[Queued]:
    """Up to ``limit`` messages that are due, each held for ``lease`` by this
    sender: another sender skips them until the lease ends (when this one
    died before it could say how the sending went)."""
    at = now()
    with store.transaction() as connection:
        rows = connection.execute(select(mail_queue).where(mail_queue.c.next_attempt_at <= at)
                                  .order_by(mail_queue.c.id).limit(limit)).all()
        # The condition is checked again as each row is updated: a row that
        # another sender took meanwhile is left to it.
        taken = [row for row in rows if connection.execute(
            update(mail_queue).where(mail_queue.c.id == row.id, mail_queue.c.next_attempt_at <= at)
            .values(next_attempt_at=at + lease)).rowcount == 1]
    return [Queued.from_row(row) for row in taken]


def sent(store: Store, queued_id: int) -> None:
    with store.transaction() as connection:
        connection.execute(delete(mail_queue).where(mail_queue.c.id == queued_id))


def failed(store: Store, queued_id: int, error: str, retry_at: datetime | None) -> None:
    """Count a failed attempt; ``retry_at`` None: never try again (held)."""
    with store.transaction() as connection:
        connection.execute(update(mail_queue).where(mail_queue.c.id == queued_id).values(
            attempts=mail_queue.c.attempts + 1, last_error=error[:1000],
            next_attempt_at=retry_at))


def held(store: Store) -> list[Held]:
    """The messages given up on, oldest first."""
    with store.transaction() as connection:
        rows = connection.execute(select(mail_queue).where(mail_queue.c.next_attempt_at.is_(None))
                                  .order_by(mail_queue.c.id)).all()
    return [Held.from_row(row) for row in rows]


def waiting(store: Store) -> int:
    """How many messages are still to be sent (due now, later, or held by a sender)."""
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(mail_queue).where(
            mail_queue.c.next_attempt_at.is_not(None))).scalar()


def purge_held(store: Store, before: datetime) -> int:
    """Forget messages given up on before ``before``: they hold an address and
    a link, kept only as long as the operator may want to look at them."""
    with store.transaction() as connection:
        return connection.execute(delete(mail_queue).where(
            mail_queue.c.next_attempt_at.is_(None), mail_queue.c.created_at < before)).rowcount


def forget(connection: Connection, email_key: str) -> None:
    """Erasure: drop every message to the address (compared as folded keys)."""
    rows = connection.execute(select(mail_queue.c.id, mail_queue.c.recipient)).all()
    doomed = [row.id for row in rows if row.recipient.casefold() == email_key]
    if doomed:
        connection.execute(delete(mail_queue).where(mail_queue.c.id.in_(doomed)))
