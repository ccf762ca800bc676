"""Deliveries and their recipient ledger.

Every recipient of a delivery has a row. Workers claim rows in batches
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serializes writers), mark
each one ``sending`` — durably — before its SMTP transaction, and record the
outcome as the server answers.

A worker holds a lease (its row in ``workers``, renewed by a heartbeat).
A worker whose lease lapsed is taken over: its ``claimed`` rows (never
attempted) are queued again, its ``sending`` rows (perhaps delivered)
become ``uncertain``, and its row is deleted. That deletion fences it:
every write of the hot path names the worker and checks that its row still
exists, in the transaction that marks a recipient ``sending``, so a worker
that was taken over can neither start another message nor overwrite what
its successor recorded.

An uncertain recipient (no answer after the final dot, or a worker that died
mid-transaction) is sent once more at the end of the delivery, with the same
Message-ID; one that is uncertain a second time is held. Nobody is ever sent
more than two copies, and every second copy is in the ledger (``resent_at``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _
from newsletter.store import Store, from_row, now, utc
from newsletter.store.states import (
    UNFINISHED,
    DeliveryState,
    PauseCause,
    SubscriberStatus,
    check_delivery_move,
)
from newsletter.store.states import DeliveryState as D
from newsletter.store.states import RecipientState as R
from newsletter.store.tables import deliveries, recipients, subscribers, workers


class DeliveryError(NewsletterError):
    """A delivery that cannot be created or continued, explained."""


@dataclass(frozen=True)
class Delivery:
    id: int
    month: str
    language: str
    state: str
    subject: str
    created_at: datetime
    send_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    note: str | None
    audience: str | None
    paused_by: str | None  # a PauseCause while paused

    @property
    def languages(self) -> tuple[str, ...]:
        """The subscriber languages that receive this edition."""
        return tuple((self.audience or self.language).split(","))

    from_row = classmethod(from_row)


@dataclass(frozen=True)
class Claimed:
    """A recipient taken by a worker, with what its message needs."""

    id: int
    subscriber_id: int
    uid: str
    email: str
    name: str | None
    second_copy: bool = False  # an earlier attempt got no answer: this is the last copy


@dataclass(frozen=True)
class Outcome:
    """What the SMTP server said about one recipient's message."""

    recipient_id: int
    state: str  # sent, failed, deferred
    reply: str
    attempts: int
    subscriber_id: int | None = None
    retry_at: datetime | None = None
    bounce: bool = False  # a refusal by the recipient's server (counts towards "bounced")


# -- deliveries --------------------------------------------------------------------


def create(store: Store, month: str, language: str, subject: str, *, state: str = D.READY,
           send_at: datetime | None = None, audience: Iterable[str] | None = None) -> Delivery:
    """A new delivery of one edition; there is only ever one per edition."""
    try:
        with store.transaction() as connection:
            row = connection.execute(insert(deliveries).values(
                month=month, language=language, state=state, subject=subject, created_at=now(),
                send_at=send_at, audience=",".join(audience or [language]))
                .returning(*deliveries.c)).one()
    except IntegrityError:
        existing = find(store, month, language)
        raise DeliveryError(_(
            "the {lang} edition of {month} already has a delivery ({state}): an edition is "
            "delivered once; use `newsletter send {month} --lang {lang} --resume` to finish it")
            .format(lang=language, month=month, state=existing.state)) from None
    return Delivery.from_row(row)


def find(store: Store, month: str, language: str) -> Delivery | None:
    with store.transaction() as connection:
        row = connection.execute(select(deliveries).where(
            deliveries.c.month == month, deliveries.c.language == language)).first()
    return Delivery.from_row(row) if row else None


def get(store: Store, delivery_id: int) -> Delivery:
    with store.transaction() as connection:
        return Delivery.from_row(connection.execute(
            select(deliveries).where(deliveries.c.id == delivery_id)).one())


def listing(store: Store, month: str | None = None) -> list[Delivery]:
    query = select(deliveries).order_by(deliveries.c.month, deliveries.c.language)
    if month:
        query = query.where(deliveries.c.month == month)
    with store.transaction() as connection:
        return [Delivery.from_row(row) for row in connection.execute(query)]


def set_state(store: Store, delivery_id: int, state: DeliveryState, note: str | None = None,
              *, cause: PauseCause | None = None) -> None:
    """Move a delivery to ``state`` (a move the state machine allows), with a
    note for people and, when pausing, the cause as data."""
    values: dict = {"state": state, "note": note, "paused_by": cause if state == D.PAUSED else None}
    if state == D.RUNNING:
        values["started_at"] = func.coalesce(deliveries.c.started_at, now())
    if state == D.DONE:
        values["finished_at"] = now()
    with store.transaction() as connection:
        current = connection.execute(select(deliveries.c.state).where(
            deliveries.c.id == delivery_id).with_for_update()).scalar_one()
        check_delivery_move(current, state)
        connection.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


def enqueue(store: Store, delivery_id: int, languages: Iterable[str]) -> int:
    """One ledger row per active subscriber of these languages, written by
    the database itself (memory stays flat whatever the list's size)."""
    at = now()
    with store.transaction() as connection:
        chosen = select(literal(delivery_id), subscribers.c.id, literal(R.QUEUED), literal(at)).where(
            subscribers.c.status == SubscriberStatus.ACTIVE, subscribers.c.language.in_(list(languages)))
        result = connection.execute(insert(recipients).from_select(
            ["delivery_id", "subscriber_id", "state", "updated_at"], chosen))
        return result.rowcount


def claim_delivery(store: Store, delivery_id: int, source: str, target: str) -> bool:
    """Move a delivery from one state to another if nobody else did first:
    the conditional update is the lock between several schedulers."""
    values: dict = {"state": target, "note": None}
    if target == D.BUILDING:
        values["started_at"] = now()
    with store.transaction() as connection:
        return connection.execute(update(deliveries).where(
            deliveries.c.id == delivery_id, deliveries.c.state == source).values(**values)).rowcount == 1


def start(store: Store, delivery_id: int) -> int | None:
    """building → running, and one ledger row per active subscriber of the
    delivery's audience, in one transaction. None if another process did it."""
    at = now()
    with store.transaction() as connection:
        row = connection.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()
        moved = connection.execute(update(deliveries).where(
            deliveries.c.id == delivery_id, deliveries.c.state == D.BUILDING).values(
            state=D.RUNNING, started_at=at)).rowcount
        if not moved:
            return None
        chosen = select(literal(delivery_id), subscribers.c.id, literal(R.QUEUED), literal(at)).where(
            subscribers.c.status == SubscriberStatus.ACTIVE,
            subscribers.c.language.in_(Delivery.from_row(row).languages))
        return connection.execute(insert(recipients).from_select(
            ["delivery_id", "subscriber_id", "state", "updated_at"], chosen)).rowcount


def pending_now(store: Store, delivery_id: int, *, resend_uncertain: bool = True) -> int:
    """Recipients that a worker could try now (deferred ones once their time
    has come; with ``resend_uncertain``, uncertain ones owed a second copy)."""
    owed = _owed_a_second_copy() if resend_uncertain else False
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(recipients).where(
            recipients.c.delivery_id == delivery_id,
            or_(recipients.c.state.in_((R.QUEUED, R.CLAIMED, R.SENDING)), owed,
                and_(recipients.c.state == R.DEFERRED,
                     or_(recipients.c.next_attempt_at.is_(None),
                         recipients.c.next_attempt_at <= now()))))).scalar()


def _owed_a_second_copy():
    return and_(recipients.c.state == R.UNCERTAIN, recipients.c.unsure == 1,
                recipients.c.resent_at.is_(None))


def counts(store: Store, delivery_id: int) -> dict[str, int]:
    """Recipients by state; claimed and sending count as queued for people."""
    with store.transaction() as connection:
        rows = connection.execute(select(recipients.c.state, func.count()).where(
            recipients.c.delivery_id == delivery_id).group_by(recipients.c.state)).all()
        resent = connection.execute(select(func.count()).select_from(recipients).where(
            recipients.c.delivery_id == delivery_id, recipients.c.resent_at.is_not(None))).scalar()
    found = dict(rows)
    shown = {state: found.get(state, 0) for state in
             (R.QUEUED, R.SENT, R.FAILED, R.DEFERRED, R.UNCERTAIN, R.CANCELLED)}
    shown[R.QUEUED] += found.get(R.CLAIMED, 0) + found.get(R.SENDING, 0)
    shown["resent"] = resent  # recipients sent a second copy (each also counted by its state)
    return shown


def sent_since(store: Store, since: datetime) -> int:
    """Messages accepted by the server since a moment, all deliveries together."""
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(recipients).where(
            recipients.c.sent_at >= since)).scalar()


# -- workers -------------------------------------------------------------------------


def new_worker_id() -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def register_worker(store: Store, worker_id: str, delivery_id: int) -> None:
    at = now()
    with store.transaction() as connection:
        connection.execute(insert(workers).values(
            id=worker_id, host=socket.gethostname(), pid=os.getpid(), delivery_id=delivery_id,
            started_at=at, heartbeat_at=at))


def heartbeat(store: Store, worker_id: str) -> bool:
    """Renew the worker's lease; False when it was taken over (its row is gone)."""
    with store.transaction() as connection:
        return _renew(connection, worker_id)


def _renew(connection, worker_id: str) -> bool:
    """Renew the lease within a transaction; False when the worker's row is gone."""
    return connection.execute(update(workers).where(workers.c.id == worker_id).values(
        heartbeat_at=now())).rowcount == 1


class Fenced(DeliveryError):
    """This worker's lease was taken over: it must not send another message."""


def unregister_worker(store: Store, worker_id: str) -> None:
    with store.transaction() as connection:
        _release(connection, recipients.c.worker == worker_id, now())
        connection.execute(delete(workers).where(workers.c.id == worker_id))


def _release(connection, whose, at: datetime) -> int:
    """Claimed rows never attempted go back where they came from: a first copy
    to the queue, a second copy to the uncertain ones still owed it."""
    claimed = and_(whose, recipients.c.state == R.CLAIMED)
    connection.execute(update(recipients).where(claimed, recipients.c.resent_at.is_not(None))
                       .values(state=R.UNCERTAIN, worker=None, resent_at=None, updated_at=at))
    return connection.execute(update(recipients).where(claimed).values(
        state=R.QUEUED, worker=None, updated_at=at)).rowcount


def _dead(row, at: datetime, lease: timedelta) -> bool:
    """A worker is dead when its heartbeat is older than the lease (its lease
    thread renews it every sixth of that: a live process that missed it is
    frozen or hung, and is fenced off) or, on this very host, when its
    process is gone (no need to wait for the lease)."""
    if utc(row.heartbeat_at) < at - lease:
        return True
    if row.host != socket.gethostname():
        return False
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover(store: Store, delivery_id: int, lease: timedelta) -> tuple[int, int]:
    """Take over what dead workers left: their claimed rows are queued again
    (never attempted), their sending rows become uncertain. Returns
    (requeued, uncertain)."""
    at = now()
    with store.transaction() as connection:
        dead = [row.id for row in connection.execute(select(workers)) if _dead(row, at, lease)]
        if dead:
            connection.execute(delete(workers).where(workers.c.id.in_(dead)))
        alive = select(workers.c.id)
        orphan = and_(recipients.c.delivery_id == delivery_id,
                      or_(recipients.c.worker.is_(None), recipients.c.worker.not_in(alive)))
        requeued = _release(connection, orphan, at)
        uncertain = connection.execute(update(recipients).where(
            orphan, recipients.c.state == R.SENDING).values(
            state=R.UNCERTAIN, worker=None, updated_at=at, unsure=recipients.c.unsure + 1,
            reply=UNCERTAIN_AFTER_CRASH)).rowcount
    return requeued, uncertain


UNCERTAIN_AFTER_CRASH = ("the sender stopped during this message's SMTP transaction: it may or "
                         "may not have been delivered")


def retry_deferred(store: Store, delivery_id: int, *, due_only: bool = False) -> int:
    """Queue deferred recipients again (only those whose retry time has come)."""
    conditions = [recipients.c.delivery_id == delivery_id, recipients.c.state == R.DEFERRED]
    if due_only:
        conditions.append(or_(recipients.c.next_attempt_at.is_(None),
                              recipients.c.next_attempt_at <= now()))
    with store.transaction() as connection:
        return connection.execute(update(recipients).where(*conditions).values(
            state=R.QUEUED, updated_at=now())).rowcount


def live_workers(store: Store, delivery_id: int, lease: timedelta) -> int:
    """Workers alive on this delivery (a fresh heartbeat; on this host, a live process)."""
    at = now()
    with store.transaction() as connection:
        rows = connection.execute(select(workers).where(workers.c.delivery_id == delivery_id)).all()
    return sum(1 for row in rows if not _dead(row, at, lease))


def claim(store: Store, delivery_id: int, worker_id: str, limit: int, *,
          second_copies: bool = False) -> list[Claimed]:
    """Take up to ``limit`` queued recipients for this worker (with
    ``second_copies``: uncertain ones that never had a second copy, which
    are then marked as resent). Recipients no longer active (unsubscribed,
    bounced or erased since the delivery was queued) are cancelled instead.
    Raises Fenced if the worker's lease was taken over."""
    at = now()
    with store.transaction() as connection:
        _hold_lease(connection, worker_id)
        if second_copies:
            wanted, values = _owed_a_second_copy(), {"resent_at": at}
        else:
            wanted, values = recipients.c.state == R.QUEUED, {}
        chosen = (select(recipients.c.id).where(recipients.c.delivery_id == delivery_id, wanted)
                  .order_by(recipients.c.id).limit(limit).with_for_update(skip_locked=True))
        ids = connection.execute(update(recipients).where(recipients.c.id.in_(chosen.scalar_subquery()))
                                 .values(state=R.CLAIMED, worker=worker_id, updated_at=at, **values)
                                 .returning(recipients.c.id)).scalars().all()
        if not ids:
            return []
        rows = connection.execute(
            select(recipients.c.id, recipients.c.subscriber_id, recipients.c.unsure,
                   subscribers.c.uid, subscribers.c.email, subscribers.c.name,
                   subscribers.c.status)
            .select_from(recipients.outerjoin(subscribers,
                                              subscribers.c.id == recipients.c.subscriber_id))
            .where(recipients.c.id.in_(ids)).order_by(recipients.c.id)).all()
        gone = [row.id for row in rows if row.status != SubscriberStatus.ACTIVE]
        if gone:
            connection.execute(update(recipients).where(recipients.c.id.in_(gone)).values(
                state=R.CANCELLED, worker=None, updated_at=at,
                reply="no longer subscribed when its turn came"))
    return [Claimed(row.id, row.subscriber_id, row.uid, row.email, row.name, row.unsure > 0)
            for row in rows if row.status == SubscriberStatus.ACTIVE]


def _hold_lease(connection, worker_id: str) -> None:
    """Within a transaction: renew this worker's lease, or stop here if it was
    taken over. The update locks the worker's row until the commit (and, on
    SQLite, takes the write lock first), so nobody can take it over meanwhile."""
    if not _renew(connection, worker_id):
        raise Fenced(_("this sender's lease was taken over by another worker: it stops here"))


@dataclass(frozen=True)
class Refused:
    """What the ledger would not let a worker do with a recipient."""

    recipient_id: int
    fenced: bool  # the worker's lease was taken over (else: no longer subscribed)


class LedgerWriter:
    """The ledger's hot path: a message's "sending" mark and the previous
    answers, committed together (one writer per dispatcher).

    Every statement is fenced: it names the worker and touches a row only
    while that worker holds the row and its lease. The mark also checks that
    the subscriber is still active, at the moment the message is about to
    leave, so whoever unsubscribed a second earlier is not mailed.

    Hand-written, parameterized SQL on the driver's own connection: through
    SQLAlchemy Core each small transaction costs about 150 µs, with the
    driver 20 µs, and every message waits for its mark's commit.
    Only integers and text are bound (times come from CURRENT_TIMESTAMP),
    so the same SQL serves SQLite and PostgreSQL but for the placeholder.
    """

    # {ids} stands for as many placeholders as there are marks in the commit.
    MARK = ("UPDATE recipients SET state = 'sending', attempts = attempts + 1, "
            "updated_at = CURRENT_TIMESTAMP WHERE id IN ({ids}) AND state = 'claimed' "
            "AND worker = ? AND EXISTS (SELECT 1 FROM workers WHERE workers.id = ?) "
            "AND EXISTS (SELECT 1 FROM subscribers WHERE subscribers.id = recipients.subscriber_id "
            "AND subscribers.status = 'active') RETURNING id")
    CANCEL = ("UPDATE recipients SET state = 'cancelled', worker = NULL, "
              "reply = 'no longer subscribed when its turn came', updated_at = CURRENT_TIMESTAMP "
              "WHERE id IN ({ids}) AND state = 'claimed' AND worker = ? "
              "AND EXISTS (SELECT 1 FROM workers WHERE workers.id = ?) RETURNING id")
    RESULT = ("UPDATE recipients SET state = ?, reply = ?, attempts = attempts + ?, "
              "unsure = unsure + ?, worker = NULL, updated_at = CURRENT_TIMESTAMP, "
              "sent_at = CASE WHEN ? = 'sent' THEN CURRENT_TIMESTAMP ELSE NULL END "
              "WHERE id = ? AND state = 'sending' AND worker = ?")
    RETRY_AT = "UPDATE recipients SET next_attempt_at = ? WHERE id = ?"
    BOUNCE = ("UPDATE subscribers SET bounces = bounces + 1, status = CASE WHEN bounces + 1 >= ? "
              "THEN 'bounced' ELSE status END, updated_at = CURRENT_TIMESTAMP WHERE id = ?")

    def __init__(self, store: Store, bounce_limit: int, worker_id: str):
        self.bounce_limit, self.worker = bounce_limit, worker_id
        self.sqlite = store.dialect == "sqlite"
        self.connection = store.engine.raw_connection()
        self._sqls = {name: self._sql(getattr(self, name))
                      for name in ("RESULT", "RETRY_AT", "BOUNCE")}

    def _sql(self, text: str) -> str:
        return text if self.sqlite else text.replace("?", "%s")

    def _for_ids(self, name: str, count: int) -> str:
        return self._sql(getattr(self, name).replace("{ids}", ", ".join("?" * count)))

    def write(self, marks: list[int], outcomes: list[Outcome]) -> list[Refused]:
        """Outcomes and "sending" marks, in one transaction; returns the marks
        refused (the message must not be sent). An outcome the worker may no
        longer write (taken over meanwhile) is dropped and reported as fenced.
        A few statements per commit whatever the number of rows: on
        PostgreSQL each is a round trip to the server."""
        if not marks and not outcomes:
            return []
        me, refused = self.worker, []
        cursor = self.connection.cursor()
        try:
            if outcomes:
                self._outcomes(cursor, outcomes, refused)
            if marks:
                cursor.execute(self._for_ids("MARK", len(marks)), (*marks, me, me))
                marked = {row[0] for row in cursor.fetchall()}
                left = [m for m in marks if m not in marked]
                if left:  # no longer subscribed (cancelled now), or this worker was taken over
                    cursor.execute(self._for_ids("CANCEL", len(left)), (*left, me, me))
                    cancelled = {row[0] for row in cursor.fetchall()}
                    refused += [Refused(m, fenced=m not in cancelled) for m in left]
            self.connection.commit()
        except BaseException:
            self.connection.rollback()
            raise
        finally:
            cursor.close()
        return refused

    def _outcomes(self, cursor, outcomes: list[Outcome], refused: list[Refused]) -> None:
        sql, me = self._sqls, self.worker
        cursor.executemany(sql["RESULT"], [
            (o.state, o.reply[:500], o.attempts - 1, 1 if o.state == R.UNCERTAIN else 0, o.state,
             o.recipient_id, me) for o in outcomes])
        if cursor.rowcount != len(outcomes):
            # Only a takeover moves this worker's rows: none of these answers is its to write.
            refused += [Refused(o.recipient_id, fenced=True) for o in outcomes]
            self.connection.rollback()
            return
        retries = [(self._time(o.retry_at), o.recipient_id) for o in outcomes if o.retry_at]
        if retries:
            cursor.executemany(sql["RETRY_AT"], retries)
        bounced = [(self.bounce_limit, o.subscriber_id) for o in outcomes
                   if o.bounce and o.subscriber_id]
        if bounced:
            cursor.executemany(sql["BOUNCE"], bounced)

    def _time(self, moment: datetime):
        # SQLAlchemy's storage format for SQLite; PostgreSQL's driver adapts datetimes.
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else moment

    def close(self) -> None:
        self.connection.close()


def finish_if_complete(store: Store, delivery_id: int, *, resend_uncertain: bool = True) -> bool:
    """Mark the delivery done when no recipient is left to try (with
    ``resend_uncertain``, an uncertain one still owed its second copy is)."""
    unfinished = recipients.c.state.in_(UNFINISHED)
    if resend_uncertain:
        unfinished = or_(unfinished, _owed_a_second_copy())
    with store.transaction() as connection:
        left = connection.execute(select(func.count()).select_from(recipients).where(
            recipients.c.delivery_id == delivery_id, unfinished)).scalar()
        if left:
            return False
        connection.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(
            state=D.DONE, finished_at=now(), note=None, paused_by=None))
    return True


@dataclass(frozen=True)
class Listed:
    """A recipient of a delivery as the workspace lists it."""

    email: str | None  # None once the subscriber was erased
    state: str
    attempts: int
    reply: str | None
    updated_at: datetime


def recipients_in(store: Store, delivery_id: int, state: str, limit: int = 200) -> list[Listed]:
    """The recipients of a delivery in one state (claimed and sending count as
    queued, as in ``counts``), the latest first."""
    states = [R.QUEUED, R.CLAIMED, R.SENDING] if state == R.QUEUED else [state]
    with store.transaction() as connection:
        rows = connection.execute(
            select(subscribers.c.email, recipients.c.state, recipients.c.attempts,
                   recipients.c.reply, recipients.c.updated_at)
            .select_from(recipients.outerjoin(subscribers,
                                              subscribers.c.id == recipients.c.subscriber_id))
            .where(recipients.c.delivery_id == delivery_id, recipients.c.state.in_(states))
            .order_by(recipients.c.updated_at.desc(), recipients.c.id).limit(limit)).all()
    return [Listed(*row) for row in rows]


def sent_within(store: Store, delivery_id: int, since: datetime) -> int:
    """Messages of one delivery accepted since a moment (its current rate)."""
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(recipients).where(
            recipients.c.delivery_id == delivery_id, recipients.c.sent_at >= since)).scalar()
