"""The states of a delivery, of each recipient in its ledger and of a
subscriber, with the moves allowed between them: the one place that names
them. The columns store the enum's value (plain text), so the database
stays readable with any SQL client.

A delivery (one edition of one month)::

    scheduled → building → running → done
        │           │         │  ↑
        │           │         ↓  │
        │           └──────→ paused          (SMTP server unreachable, a signal,
        ├→ missed                             or the issue no longer builds)
        └→ (unscheduled: the row is deleted)

``ready`` is a delivery created by ``newsletter send`` (it runs at once).

A recipient::

    queued → claimed → sending → sent | failed | deferred
                 │         └──→ uncertain    (no answer after the final dot,
                 │                            or the sender died mid-transaction)
                 └──→ cancelled              (unsubscribed before its turn)
    deferred → queued                        (its retry time came)
    uncertain → claimed                      (once: the second copy, at the end;
                                              back to uncertain if never attempted)
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    SCHEDULED = "scheduled"
    BUILDING = "building"  # a scheduler claimed it and rebuilds the issue
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class PauseCause(StrEnum):
    """Why a delivery is paused: the scheduler resumes the first three by
    itself; one whose issue did not build waits for an editor."""

    TRANSPORT = "transport"  # the SMTP server could not be reached
    INTERRUPTED = "interrupted"  # SIGINT/SIGTERM: resume with --resume
    FAILURE = "failure"  # a sender failed unexpectedly
    BUILD = "build"  # the issue could not be built at send time: nobody queued


class RecipientState(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"  # a worker took it
    SENDING = "sending"  # its final dot may be on the wire
    SENT = "sent"
    FAILED = "failed"
    DEFERRED = "deferred"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class ConsentMethod(StrEnum):
    FORM = "form"
    IMPORT = "import"
    CLI = "cli"


D, R = DeliveryState, RecipientState

DELIVERY_MOVES: dict[DeliveryState, frozenset[DeliveryState]] = {
    D.SCHEDULED: frozenset({D.SCHEDULED, D.BUILDING, D.MISSED}),
    D.BUILDING: frozenset({D.RUNNING, D.PAUSED, D.SCHEDULED}),
    D.READY: frozenset({D.RUNNING, D.PAUSED, D.DONE}),
    D.RUNNING: frozenset({D.RUNNING, D.PAUSED, D.DONE}),
    D.PAUSED: frozenset({D.RUNNING, D.PAUSED, D.DONE, D.SCHEDULED}),
    D.MISSED: frozenset({D.SCHEDULED}),
    D.DONE: frozenset(),
    D.CANCELLED: frozenset(),
}

RECIPIENT_MOVES: dict[RecipientState, frozenset[RecipientState]] = {
    R.QUEUED: frozenset({R.CLAIMED}),
    R.CLAIMED: frozenset({R.SENDING, R.QUEUED, R.CANCELLED, R.UNCERTAIN}),
    R.SENDING: frozenset({R.SENT, R.FAILED, R.DEFERRED, R.UNCERTAIN}),
    R.DEFERRED: frozenset({R.QUEUED}),
    R.SENT: frozenset(),
    R.FAILED: frozenset(),
    R.UNCERTAIN: frozenset({R.CLAIMED}),
    R.CANCELLED: frozenset(),
}

# A delivery in these states may be resumed (a worker may take its recipients).
RESUMABLE = frozenset({D.READY, D.RUNNING, D.PAUSED})
# A delivery in these states may be scheduled again (nobody was sent anything).
RESCHEDULABLE = frozenset({D.SCHEDULED, D.MISSED})
# Recipients still to be tried: the delivery is not done while any is left.
UNFINISHED = (R.QUEUED, R.CLAIMED, R.SENDING, R.DEFERRED)
# Subscribers who must never be mailed again by the office's own hand.
SUPPRESSED = (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED,
              SubscriberStatus.COMPLAINED)


class IllegalMove(ValueError):
    """A state change that the machine does not allow (a bug, not a user error)."""


def check_delivery_move(current: str, target: str) -> None:
    if DeliveryState(target) not in DELIVERY_MOVES[DeliveryState(current)]:
        raise IllegalMove(f"a delivery cannot go from {current} to {target}")


def check_recipient_move(current: str, target: str) -> None:
    if RecipientState(target) not in RECIPIENT_MOVES[RecipientState(current)]:
        raise IllegalMove(f"a recipient cannot go from {current} to {target}")
