"""Acting on what came back: each message classified, then recorded in the
store (a bounce scored, a complaint unsubscribing), kept for review, or
ignored; and the mailbox told which messages may go."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from newsletter.core.config import Config
from newsletter.core.verp import Verp
from newsletter.dispatch.feedback.classify import Classified, Kind, Pair, classify
from newsletter.dispatch.feedback.mailboxes import Incoming
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import feedback as ledger_feedback


@dataclass
class Summary:
    """How many messages were of each kind. Every message counts once in
    one of the first eight; ``kept`` says how many of them a person should
    look at, ``now_bounced`` and ``unsubscribed`` what the bounces and
    complaints changed."""

    hard: int = 0
    soft: int = 0
    complaints: int = 0
    autoreplies: int = 0
    unknown: int = 0  # kept for review
    forged: int = 0  # a VERP address whose signature is wrong: kept for review, never acted on
    duplicates: int = 0  # already processed (a mailbox read twice)
    unmatched: int = 0  # a bounce for nobody we know: no VERP address, or its subscriber is gone
    kept: int = 0  # kept for review: the unknown, the forged, the bounces without a VERP address
    now_bounced: int = 0  # subscribers who reached the threshold
    unsubscribed: int = 0  # subscribers a complaint unsubscribed

    @property
    def messages(self) -> int:
        return (self.hard + self.soft + self.complaints + self.autoreplies + self.unknown
                + self.forged + self.duplicates + self.unmatched)


REVIEW_KEPT_DAYS = 30


def process(config: Config, store: Store, messages: Iterable[Incoming], *,
            progress: Callable[[Classified], None] | None = None) -> Summary:
    """Classify and record each message; a message is removed from its
    mailbox only once the store has it (or it needs nothing), so a run
    stopped half-way (the database unreachable) loses nothing."""
    verp = Verp.of(config, store.secret)
    deliveries = {delivery.id for delivery in ledger.listing(store)}
    summary = Summary()
    # Messages kept for a person to look at may quote addresses: never longer than this.
    ledger_feedback.purge_review(store, REVIEW_KEPT_DAYS)
    for incoming in messages:
        found = classify(incoming.raw, verp)
        incoming.done(_record(config, store, incoming, found, deliveries, summary))
        if progress is not None:
            progress(found)
    return summary


def _record(config: Config, store: Store, incoming: Incoming, found: Classified,
            deliveries: set[int], summary: Summary) -> bool:
    """Record one message; True if it may be removed from its mailbox."""
    if found.kind is Kind.AUTOREPLY:
        summary.autoreplies += 1
        return True
    if found.forged or found.kind is Kind.UNKNOWN or not found.recipients:
        _keep(store, incoming, found, summary)
        return False
    pairs = [pair for pair in found.recipients if _known(store, pair, deliveries)]
    if not pairs:  # signed by us, but the delivery or the subscriber is gone (erased)
        summary.unmatched += 1
        return True
    outcomes = [_apply(config, store, found, pair) for pair in pairs]
    if all(outcome.duplicate for outcome in outcomes):
        summary.duplicates += 1
        return True
    if found.kind is Kind.HARD:
        summary.hard += 1
    elif found.kind is Kind.SOFT:
        summary.soft += 1
    else:
        summary.complaints += 1
    summary.now_bounced += sum(outcome.now_bounced for outcome in outcomes)
    summary.unsubscribed += sum(outcome.now_complained for outcome in outcomes)
    return True


def _keep(store: Store, incoming: Incoming, found: Classified, summary: Summary) -> None:
    """Keep a message for a person: unknown, forged, or a bounce without a
    VERP address of ours (a test copy, a message sent before VERP)."""
    if found.forged:
        summary.forged += 1
    elif found.kind is Kind.UNKNOWN:
        summary.unknown += 1
    else:
        summary.unmatched += 1
    summary.kept += 1
    reason = found.reason if found.kind is Kind.UNKNOWN or found.forged else \
        f"a {found.kind} ({found.status or 'no status'}) sent back to no VERP address of ours"
    ledger_feedback.keep_for_review(store, incoming.source, reason, incoming.raw,
                                    found.message_id)


def _known(store: Store, pair: Pair, deliveries: set[int]) -> bool:
    delivery_id, subscriber_id = pair
    return delivery_id in deliveries and ledger_feedback.score(store, subscriber_id) is not None


def _apply(config: Config, store: Store, found: Classified, pair: Pair) -> ledger_feedback.Outcome:
    delivery_id, subscriber_id = pair
    if found.kind is Kind.COMPLAINT:
        return ledger_feedback.record_complaint(
            store, subscriber_id=subscriber_id, delivery_id=delivery_id,
            feedback_type=found.feedback_type, message_id=found.message_id)
    return ledger_feedback.record_bounce(
        store, subscriber_id=subscriber_id, delivery_id=delivery_id, hard=found.kind is Kind.HARD,
        status=found.status, diagnostic=found.diagnostic, message_id=found.message_id,
        threshold=config.bounces.threshold, score_days=config.bounces.score_days)
