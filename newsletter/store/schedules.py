"""The schedule's queries: deliveries waiting for their time, the ones
the scheduler must mark missed, start, release or resume, and the
once-a-month reminder. The logic that decides lives in
``newsletter.scheduling``; this module only reads and writes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsletter.store import Store, now
from newsletter.store.deliveries import Delivery, get
from newsletter.store.states import DeliveryState as D
from newsletter.store.tables import deliveries, reminders


def waiting(store: Store) -> list[Delivery]:
    """Every delivery waiting for its time, soonest first."""
    with store.transaction() as connection:
        rows = connection.execute(select(deliveries).where(deliveries.c.state == D.SCHEDULED)
                                  .order_by(deliveries.c.send_at, deliveries.c.language)).all()
    return [Delivery.from_row(row) for row in rows]


def reschedule(store: Store, delivery_id: int, send_at: datetime, audience: Iterable[str],
               subject: str) -> Delivery:
    """Move an existing (waiting, missed or never started) delivery to a new time."""
    with store.transaction() as connection:
        connection.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(
            state=D.SCHEDULED, note=None, paused_by=None, send_at=send_at,
            audience=",".join(audience), subject=subject))
    return get(store, delivery_id)


def unschedule(store: Store, month: str, langs: tuple[str, ...] | None = None) -> int:
    """Remove the month's schedules that have not started; returns how many."""
    conditions = [deliveries.c.month == month, deliveries.c.state == D.SCHEDULED]
    if langs:
        conditions.append(deliveries.c.language.in_(langs))
    with store.transaction() as connection:
        return connection.execute(delete(deliveries).where(*conditions)).rowcount


def mark_missed(store: Store, later_than: datetime, note: str) -> list[Delivery]:
    """Schedules due before ``later_than`` become missed; returns them."""
    with store.transaction() as connection:
        late = connection.execute(select(deliveries).where(
            deliveries.c.state == D.SCHEDULED, deliveries.c.send_at < later_than)).all()
        for row in late:
            connection.execute(update(deliveries).where(
                deliveries.c.id == row.id, deliveries.c.state == D.SCHEDULED).values(
                state=D.MISSED, note=note))
    return [Delivery.from_row(row) for row in late]


def release_stale_builds(store: Store, started_before: datetime) -> int:
    """A scheduler that died while rebuilding leaves "building": schedule it again."""
    with store.transaction() as connection:
        return connection.execute(update(deliveries).where(
            deliveries.c.state == D.BUILDING,
            deliveries.c.started_at < started_before).values(state=D.SCHEDULED)).rowcount


def due(store: Store) -> list[int]:
    """The ids of the schedules whose time has come, oldest first."""
    with store.transaction() as connection:
        return list(connection.execute(select(deliveries.c.id).where(
            deliveries.c.state == D.SCHEDULED, deliveries.c.send_at <= now())
            .order_by(deliveries.c.send_at, deliveries.c.id)).scalars())


def unfinished(store: Store) -> list[Delivery]:
    """Deliveries started and not done: running (perhaps by a dead process) or paused."""
    with store.transaction() as connection:
        rows = connection.execute(select(deliveries).where(
            deliveries.c.state.in_((D.RUNNING, D.PAUSED)))).all()
    return [Delivery.from_row(row) for row in rows]


def claim_reminder(store: Store, month: str) -> bool:
    """True for the one scheduler that may send this month's reminder."""
    try:
        with store.transaction() as connection:
            connection.execute(insert(reminders).values(month=month, sent_at=now()))
    except IntegrityError:
        return False
    return True


def release_reminder(store: Store, month: str) -> None:
    """The reminder could not be sent: let the next look try again."""
    with store.transaction() as connection:
        connection.execute(delete(reminders).where(reminders.c.month == month))
