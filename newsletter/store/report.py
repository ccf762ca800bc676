"""How an issue's delivery went, per language: the ledger's counts, the
bounces and complaints that came back, and the unsubscribes that followed.
Aggregates only: nothing here names a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from newsletter.store import Store, deliveries
from newsletter.store.feedback import COMPLAINT, HARD, SOFT
from newsletter.store.tables import feedback, recipients, subscriber_events

# The window after a delivery's start in which an unsubscribe is counted as following it.
UNSUBSCRIBE_WINDOW = timedelta(days=7)
# The events of the subscriber's history that stop their mail by their own
# choice (newsletter.store.subscribers.unsubscribe); complaints are counted apart.
UNSUBSCRIBE_EVENTS = ("unsubscribed",)


@dataclass(frozen=True)
class LanguageReport:
    """One delivery (one edition) of the month, in numbers. Bounces,
    complaints and unsubscribes count people: a second report about the
    same person counts once."""

    language: str
    subject: str
    state: str
    started_at: datetime | None
    sent: int
    failed: int
    deferred: int
    uncertain: int
    resent: int
    hard_bounces: int
    soft_bounces: int
    complaints: int
    unsubscribed: int  # within UNSUBSCRIBE_WINDOW of the start, among its recipients

    @property
    def bounce_rate(self) -> float | None:
        """Hard bounces per message sent (None before anything was sent)."""
        return self.of_sent(self.hard_bounces)

    @property
    def complaint_rate(self) -> float | None:
        return self.of_sent(self.complaints)

    def of_sent(self, count: int) -> float | None:
        return count / self.sent if self.sent else None


def delivery_report(store: Store, month: str) -> list[LanguageReport]:
    """A report for each delivery of ``month``, by language; empty if none."""
    return [_report(store, delivery) for delivery in deliveries.listing(store, month)]


def _report(store: Store, delivery: deliveries.Delivery) -> LanguageReport:
    counts = deliveries.counts(store, delivery.id)
    with store.transaction() as connection:
        # People, not reports: an erased person's rows (subscriber NULL) count one each.
        person = func.coalesce(feedback.c.subscriber_id, -feedback.c.id)
        kinds = dict(connection.execute(
            select(feedback.c.kind, func.count(func.distinct(person)))
            .where(feedback.c.delivery_id == delivery.id).group_by(feedback.c.kind)).all())
        unsubscribed = _unsubscribed(connection, delivery) if delivery.started_at else 0
    return LanguageReport(
        language=delivery.language, subject=delivery.subject, state=delivery.state,
        started_at=delivery.started_at, sent=counts["sent"], failed=counts["failed"],
        deferred=counts["deferred"], uncertain=counts["uncertain"], resent=counts["resent"],
        hard_bounces=kinds.get(HARD, 0), soft_bounces=kinds.get(SOFT, 0),
        complaints=kinds.get(COMPLAINT, 0), unsubscribed=unsubscribed)


def _unsubscribed(connection, delivery: deliveries.Delivery) -> int:
    """Recipients of the delivery who unsubscribed within the window of its start."""
    its_recipients = select(recipients.c.subscriber_id).where(
        recipients.c.delivery_id == delivery.id)
    return connection.execute(
        select(func.count(func.distinct(subscriber_events.c.subscriber_id))).where(
            subscriber_events.c.event.in_(UNSUBSCRIBE_EVENTS),
            subscriber_events.c.at >= delivery.started_at,
            subscriber_events.c.at < delivery.started_at + UNSUBSCRIBE_WINDOW,
            subscriber_events.c.subscriber_id.in_(its_recipients))).scalar()
