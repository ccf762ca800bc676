"""The dispatcher: delivers one delivery's queued recipients through a
transport, several connections at once, recording every answer.

Threads: the caller's thread claims recipients in batches and feeds a
bounded queue; one thread per SMTP connection composes and sends; one
journal thread writes the ledger. Before a message's SMTP transaction its
row is made ``sending`` *durably* (the sender waits for that commit); the
answer is recorded without waiting. The journal commits whatever has
accumulated in one transaction (group commit), so durability costs one
commit per batch of messages, not one per message.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ..store import Store, now
from ..store import deliveries as ledger
from ..transport import Transport, TransportError
from .message import EditionMessage, Personal, message_id

LOG = logging.getLogger("newsletter.dispatch")


@dataclass(frozen=True)
class Settings:
    connections: int = 4
    batch: int = 500
    rate: float | None = None  # messages per second, all connections together
    hourly_cap: int | None = None  # messages per rolling hour, all deliveries together
    retries: int = 3  # quick retries of a 4xx or a dropped connection
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    defer_for: timedelta = timedelta(minutes=30)
    bounce_limit: int = 3
    lease: timedelta = timedelta(seconds=60)  # a silent worker is dead after this
    heartbeat: float = 10.0
    connect_attempts: int = 3


DEFAULTS = Settings()


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    cancelled: int = 0
    requeued: int = 0
    uncertain_found: int = 0
    paused: str | None = None
    interrupted: bool = False
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class _Journal(threading.Thread):
    """Writes the ledger: ``sending`` marks (the sender waits) and outcomes
    (the sender does not), many per transaction."""

    def __init__(self, store: Store, bounce_limit: int):
        super().__init__(name="journal", daemon=True)
        self.store, self.bounce_limit = store, bounce_limit
        self._lock = threading.Condition()
        self._marks: list[tuple[int, threading.Event]] = []
        self._outcomes: list[ledger.Outcome] = []
        self._closing = False
        self.failure: BaseException | None = None

    def mark_sending(self, recipient_id: int) -> None:
        done = threading.Event()
        with self._lock:
            self._marks.append((recipient_id, done))
            self._lock.notify()
        done.wait()
        if self.failure:
            raise RuntimeError("the ledger cannot be written") from self.failure

    def record(self, outcome: ledger.Outcome) -> None:
        with self._lock:
            self._outcomes.append(outcome)
            self._lock.notify()

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify()
        self.join()

    def run(self) -> None:
        while True:
            with self._lock:
                while not (self._marks or self._outcomes or self._closing):
                    self._lock.wait()
                marks, self._marks = self._marks, []
                outcomes, self._outcomes = self._outcomes, []
                closing = self._closing
            if marks or outcomes:
                self._write(marks, outcomes)
            if closing and not marks and not outcomes:
                return

    def _write(self, marks, outcomes) -> None:
        try:
            with self.store.transaction() as connection:
                if outcomes:
                    ledger.record(connection, outcomes, self.bounce_limit)
                if marks:
                    ledger.mark_sending(connection, [recipient_id for recipient_id, _ in marks])
        except BaseException as exc:  # the senders must not wait forever
            LOG.exception("cannot write the ledger")
            self.failure = exc
        for _, done in marks:
            done.set()


class _RateLimiter:
    """At most ``rate`` messages per second over all connections."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            slot = max(self._next, time.monotonic())
            self._next = slot + self.interval
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class Dispatcher:
    def __init__(self, store: Store, message: EditionMessage, transports: Callable[[], Transport],
                 *, sender_address: str, domain: str, unsubscribe_url: Callable[[str], str],
                 settings: Settings = DEFAULTS, progress: Callable[[str], None] | None = None):
        self.store, self.message, self.transports = store, message, transports
        self.sender_address, self.domain = sender_address, domain
        self.unsubscribe_url = unsubscribe_url
        self.settings, self.progress = settings, progress
        self.stop = threading.Event()
        self.worker_id = ledger.new_worker_id()
        self._limiter = _RateLimiter(settings.rate)
        self._pause_reason: str | None = None
        self._summary = Summary()
        self._count_lock = threading.Lock()

    # -- the caller's thread --------------------------------------------------------

    def run(self, delivery_id: int, *, retry_deferred: bool = False) -> Summary:
        started = time.monotonic()
        s = self.settings
        ledger.register_worker(self.store, self.worker_id, delivery_id)
        summary = self._summary
        summary.requeued, summary.uncertain_found = ledger.recover(self.store, delivery_id, s.lease)
        if retry_deferred:
            ledger.retry_deferred(self.store, delivery_id)
        ledger.set_state(self.store, delivery_id, "running")
        journal = _Journal(self.store, s.bounce_limit)
        journal.start()
        jobs: queue.Queue = queue.Queue(maxsize=s.connections * 2)
        senders = [threading.Thread(target=self._sender, args=(delivery_id, jobs, journal),
                                    name=f"smtp-{n}", daemon=True) for n in range(s.connections)]
        for thread in senders:
            thread.start()
        try:
            self._feed(delivery_id, jobs)
        finally:
            for _ in senders:
                jobs.put(None)
            for thread in senders:
                thread.join()
            journal.close()
            ledger.unregister_worker(self.store, self.worker_id)
        self._conclude(delivery_id, journal)
        summary.seconds = time.monotonic() - started
        return summary

    def _feed(self, delivery_id: int, jobs: queue.Queue) -> None:
        last_beat = time.monotonic()
        while not self.stop.is_set():
            if time.monotonic() - last_beat > self.settings.heartbeat:
                ledger.heartbeat(self.store, self.worker_id)
                last_beat = time.monotonic()
            limit = self._room_this_hour()
            if limit == 0:
                self._wait_for_the_cap()
                continue
            batch = ledger.claim(self.store, delivery_id, self.worker_id,
                                 min(self.settings.batch, limit))
            if not batch:
                return
            for job in batch:
                while not self.stop.is_set():
                    try:
                        jobs.put(job, timeout=0.2)
                        break
                    except queue.Full:
                        continue

    def _room_this_hour(self) -> int:
        cap = self.settings.hourly_cap
        if not cap:
            return self.settings.batch
        return max(0, cap - ledger.sent_since(self.store, now() - timedelta(hours=1)))

    def _wait_for_the_cap(self) -> None:
        if self.progress:
            self.progress("hourly cap reached: waiting for the rolling hour to make room")
        ledger.heartbeat(self.store, self.worker_id)
        self.stop.wait(30)

    def _conclude(self, delivery_id: int, journal: _Journal) -> None:
        summary = self._summary
        summary.interrupted = self.stop.is_set() and not self._pause_reason
        if journal.failure:
            summary.paused = f"the ledger could not be written: {journal.failure}"
        elif self._pause_reason:
            summary.paused = self._pause_reason
        if summary.paused or summary.interrupted:
            note = summary.paused or "interrupted: resume with --resume"
            ledger.set_state(self.store, delivery_id, "paused", note)
        else:
            ledger.finish_if_complete(self.store, delivery_id)

    # -- sender threads ---------------------------------------------------------------

    def _sender(self, delivery_id: int, jobs: queue.Queue, journal: _Journal) -> None:
        transport = self.transports()
        try:
            while (job := jobs.get()) is not None:
                if self.stop.is_set() or not self._connect(transport):
                    continue  # left claimed: queued again when the worker unregisters
                self._limiter.wait()
                journal.mark_sending(job.id)
                outcome = self._deliver(transport, delivery_id, job)
                journal.record(outcome)
                self._count(outcome.state)
        except Exception:  # a bug here must stop the delivery, not hang it
            LOG.exception("sender thread failed")
            self._pause("internal error in a sender thread; see the log")
        finally:
            transport.close()

    def _connect(self, transport: Transport) -> bool:
        delay = self.settings.backoff
        for attempt in range(1, self.settings.connect_attempts + 1):
            try:
                transport.open()
                return True
            except TransportError as exc:
                if attempt == self.settings.connect_attempts or self.stop.is_set():
                    self._pause(f"paused: {exc}")
                    return False
                self.stop.wait(delay)
                delay *= 2
        return False

    def _deliver(self, transport: Transport, delivery_id: int, job: ledger.Claimed) -> ledger.Outcome:
        personal = Personal(job.email, job.name, self.unsubscribe_url(job.uid),
                            message_id(delivery_id, job.id, self.domain))
        raw = self.message.compose(personal)
        delay, attempts = self.settings.backoff, 0
        while True:
            attempts += 1
            try:
                reply = transport.send(raw, self.sender_address, [job.email])
                return ledger.Outcome(job.id, "sent", reply, attempts, job.subscriber_id)
            except TransportError as exc:
                if exc.permanent:
                    return ledger.Outcome(job.id, "failed", str(exc), attempts, job.subscriber_id)
                if attempts > self.settings.retries or self.stop.is_set():
                    return ledger.Outcome(job.id, "deferred", str(exc), attempts, job.subscriber_id,
                                          retry_at=now() + self.settings.defer_for)
                self.stop.wait(delay)
                delay *= 2

    def _pause(self, reason: str) -> None:
        if self._pause_reason is None:
            self._pause_reason = reason
        self.stop.set()

    def _count(self, state: str) -> None:
        with self._count_lock:
            setattr(self._summary, state, getattr(self._summary, state) + 1)
        if self.progress:
            self.progress(state)
