"""The dispatcher: delivers one delivery's queued recipients through a
transport, several connections at once, recording every answer.

One thread, one asyncio event loop: a feeder claims recipients in batches
and fills a bounded queue; one coroutine per SMTP connection composes,
records and sends. Before a message's SMTP transaction its row is made
``sending`` durably, in the same commit as the previous message's answer:
one small commit per message. Threads were tried first: the hand-overs of
the interpreter lock between four sender threads cost more than the SMTP
work and the commits together (1 961 against 3 500 messages a second on
the benchmark).

The worker's lease is renewed by a thread of its own, whatever the rate,
the hourly cap or the relay's speed. Every write is fenced by the lease
(``newsletter.store.deliveries``): a worker taken over stops without
sending another message. When the queue is empty, recipients whose
message got no answer are sent a second copy (same Message-ID), once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from newsletter.core.config import Config
from newsletter.core.verp import Verp
from newsletter.dispatch.message import EditionMessage, Personal, message_id
from newsletter.dispatch.transports import Transport, TransportError
from newsletter.store import Store, now
from newsletter.store import deliveries as ledger
from newsletter.store.states import DeliveryState as D
from newsletter.store.states import PauseCause
from newsletter.store.states import RecipientState as R

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
    connect_attempts: int = 3
    resend_uncertain: bool = True  # a second copy at the end for a message without an answer

    @property
    def heartbeat(self) -> float:
        """Seconds between two renewals: six chances before the lease lapses."""
        return self.lease.total_seconds() / 6


DEFAULTS = Settings()


def settings_from(config: Config, connections: int | None, rate: float | None,
                  resend_uncertain: bool | None = None) -> Settings:
    """The [dispatch] section (validated at load), with the command line's overrides."""
    section = config.dispatch
    return Settings(
        connections=connections or section.connections,
        rate=rate or section.rate,
        hourly_cap=section.hourly_cap,
        retries=section.retries,
        backoff=section.backoff_seconds,
        bounce_limit=section.bounce_limit,
        defer_for=section.defer_for,
        lease=timedelta(seconds=section.lease_seconds),
        resend_uncertain=section.resend_uncertain if resend_uncertain is None else resend_uncertain,
    )


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    cancelled: int = 0
    uncertain: int = 0  # messages of this run that got no answer
    resent: int = 0  # second copies attempted in this run
    requeued: int = 0
    uncertain_found: int = 0
    paused: str | None = None
    interrupted: bool = False
    fenced: bool = False  # another worker took the lease over: this one stopped
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class _RateLimiter:
    """At most ``rate`` messages per second over all connections."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()

    async def wait(self) -> None:
        if not self.interval:
            return
        slot = max(self._next, time.monotonic())
        self._next = slot + self.interval
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


class _Journal:
    """Writes the ledger for all the connections of one event loop, grouping
    the writes that arrive together into one commit (group commit).

    SQLite commits in tens of microseconds: the writes asked for during one
    turn of the loop are committed at its end, in the loop. A PostgreSQL
    commit waits for the WAL to reach the disk (about a millisecond here):
    writes are then done in a worker thread, and those that arrive meanwhile
    from the other connections go together in the next commit, so the loop
    keeps the other connections busy."""

    def __init__(self, writer: ledger.LedgerWriter, inline: bool):
        self.writer, self.inline = writer, inline
        self._waiting: list[tuple[list[int], list[ledger.Outcome], asyncio.Future]] = []
        self._flushing: asyncio.Task | None = None

    async def write(self, marks: list[int],
                    outcomes: list[ledger.Outcome]) -> list[ledger.Refused]:
        """Returns, once the marks and outcomes are committed, what was refused."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._waiting.append((marks, outcomes, done))
        if self.inline:
            if len(self._waiting) == 1:  # the first of this turn: commit at its end
                loop.call_soon(self._flush_inline)
        elif self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        return await done

    def _flush_inline(self) -> None:
        batch, self._waiting = self._waiting, []
        try:
            answer = self.writer.write(*_gathered(batch))
        except BaseException as exc:
            answer = exc
        _answer(batch, answer)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                answer = await loop.run_in_executor(None, self.writer.write, *_gathered(batch))
            except BaseException as exc:
                answer = exc
            _answer(batch, answer)


def _gathered(batch) -> tuple[list[int], list[ledger.Outcome]]:
    """The marks and outcomes of several writes, for one commit."""
    return ([m for entry in batch for m in entry[0]],
            [o for entry in batch for o in entry[1]])


def _answer(batch, answer: list[ledger.Refused] | BaseException) -> None:
    """Each waiter learns, in the loop, what was refused of its own (or the failure)."""
    for entry_marks, entry_outcomes, done in batch:
        if isinstance(answer, BaseException):
            done.set_exception(answer)
            continue
        mine = set(entry_marks) | {o.recipient_id for o in entry_outcomes}
        done.set_result([r for r in answer if r.recipient_id in mine])


class _Lease(threading.Thread):
    """Renews the worker's lease every ``interval`` seconds, from a thread of its
    own: neither a slow relay, a low rate nor a busy event loop delays it."""

    def __init__(self, store: Store, worker_id: str, interval: float, lost: Callable[[], None]):
        super().__init__(name=f"lease {worker_id}", daemon=True)
        self.store, self.worker_id, self.interval, self.lost = store, worker_id, interval, lost
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                held = ledger.heartbeat(self.store, self.worker_id)
            except Exception:  # the database is away for a moment: try again next time
                LOG.warning("could not renew the lease of %s", self.worker_id, exc_info=True)
                continue
            if not held:
                self.lost()
                return


class Dispatcher:
    def __init__(self, store: Store, message: EditionMessage, transports: Callable[[], Transport],
                 *, sender_address: str, domain: str, unsubscribe_url: Callable[[str], str],
                 verp: Verp | None = None, settings: Settings = DEFAULTS,
                 progress: Callable[[str], None] | None = None):
        self.store, self.message, self.transports = store, message, transports
        self.sender_address, self.domain, self.verp = sender_address, domain, verp
        self.unsubscribe_url = unsubscribe_url
        self.settings, self.progress = settings, progress
        self.stop = threading.Event()  # set from a signal handler or another thread
        self.worker_id = ledger.new_worker_id()
        self._limiter = _RateLimiter(settings.rate)
        self._pause_reason: str | None = None
        self._pause_cause = PauseCause.INTERRUPTED
        self._summary = Summary()
        self._in_flight = 0  # jobs handed to the senders whose answer is not recorded yet

    def run(self, delivery_id: int, *, retry_deferred: bool = False) -> Summary:
        started = time.monotonic()
        summary = self._summary
        ledger.register_worker(self.store, self.worker_id, delivery_id)
        lease = _Lease(self.store, self.worker_id, self.settings.heartbeat, self._lost_the_lease)
        lease.start()
        try:
            summary.requeued, summary.uncertain_found = ledger.recover(
                self.store, delivery_id, self.settings.lease)
            if retry_deferred:
                ledger.retry_deferred(self.store, delivery_id)
            ledger.set_state(self.store, delivery_id, D.RUNNING)
            _run(self._deliver_all(delivery_id))
        finally:
            lease.done.set()
            lease.join()
            if not summary.fenced and not self._holds_the_lease():
                summary.fenced = True  # taken over while it was frozen: the delivery is not ours
            ledger.unregister_worker(self.store, self.worker_id)  # claimed rows: queued again
        self._conclude(delivery_id)
        summary.seconds = time.monotonic() - started
        return summary

    def _holds_the_lease(self) -> bool:
        try:
            return ledger.heartbeat(self.store, self.worker_id)
        except Exception:  # the database is away: say nothing of the lease, the next step will
            LOG.warning("could not check the lease of %s", self.worker_id, exc_info=True)
            return True

    def _lost_the_lease(self) -> None:
        LOG.error("worker %s: its lease was taken over by another worker; it stops without "
                  "sending anything more", self.worker_id)
        self._summary.fenced = True
        self.stop.set()

    async def _deliver_all(self, delivery_id: int) -> None:
        jobs: asyncio.Queue = asyncio.Queue(maxsize=self.settings.connections * 2)
        writer = ledger.LedgerWriter(self.store, self.settings.bounce_limit, self.worker_id)
        journal = _Journal(writer, inline=self.store.dialect == "sqlite")
        self._answered = [[] for _ in range(self.settings.connections)]
        senders = [asyncio.create_task(self._sender(index, delivery_id, jobs, journal))
                   for index in range(self.settings.connections)]
        try:
            await self._feed(delivery_id, jobs, senders, journal)
        finally:
            if self.stop.is_set() or all(task.done() for task in senders):
                while not jobs.empty():  # not started: they stay claimed, then queued again
                    jobs.get_nowait()
            for _ in senders:
                await jobs.put(None)  # after the jobs still waiting, when not stopping
            await asyncio.gather(*senders)
            writer.close()

    async def _feed(self, delivery_id: int, jobs: asyncio.Queue, senders,
                    journal: _Journal) -> None:
        """Claim and queue recipients until none is left; then, once every
        message in flight has its answer, the second copies."""
        second_copies = False
        while not self.stop.is_set():
            limit = self._room_this_hour()
            if limit == 0:
                await self._wait_for_the_cap()
                continue
            try:
                batch = ledger.claim(self.store, delivery_id, self.worker_id,
                                     min(self.settings.batch, limit), second_copies=second_copies)
            except ledger.Fenced:
                self._lost_the_lease()
                return
            if not batch:
                if second_copies or not self.settings.resend_uncertain:
                    return
                await self._all_answered(journal, senders)
                second_copies = True
                continue
            for job in batch:
                while not self.stop.is_set():
                    if all(task.done() for task in senders):
                        return
                    self._in_flight += 1
                    try:
                        await asyncio.wait_for(jobs.put(job), 0.2)
                        break
                    except TimeoutError:
                        self._in_flight -= 1
                        continue

    async def _all_answered(self, journal: _Journal, senders) -> None:
        """Wait until the senders have taken every job, then record the answers
        they hold (each rides on its sender's next mark, and none is coming)."""
        while self._in_flight and not self.stop.is_set():
            if all(task.done() for task in senders):
                return
            await asyncio.sleep(0.01)
        held = [outcome for answered in self._answered for outcome in answered]
        for answered in self._answered:
            answered.clear()
        self._refused(await journal.write([], held), None)

    def _room_this_hour(self) -> int:
        cap = self.settings.hourly_cap
        if not cap:
            return self.settings.batch
        return max(0, cap - ledger.sent_since(self.store, now() - timedelta(hours=1)))

    async def _wait_for_the_cap(self) -> None:
        if self.progress:
            self.progress("hourly cap reached: waiting for the rolling hour to make room")
        await self._sleep(30)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up early when asked to stop."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.1))

    def _conclude(self, delivery_id: int) -> None:
        summary = self._summary
        if summary.fenced:  # the delivery belongs to the worker that took over
            return
        summary.interrupted = self.stop.is_set() and not self._pause_reason
        if self._pause_reason:
            summary.paused = self._pause_reason
        if summary.paused or summary.interrupted:
            note = summary.paused or "interrupted: resume with --resume"
            ledger.set_state(self.store, delivery_id, D.PAUSED, note, cause=self._pause_cause)
        else:
            ledger.finish_if_complete(self.store, delivery_id,
                                      resend_uncertain=self.settings.resend_uncertain)

    # -- one coroutine per connection ---------------------------------------------------

    async def _sender(self, index: int, delivery_id: int, jobs: asyncio.Queue,
                      journal: _Journal) -> None:
        transport = self.transports()
        answered = self._answered[index]  # written with this sender's next "sending" mark
        try:
            while (job := await jobs.get()) is not None:
                try:
                    if self.stop.is_set() or not await self._connect(transport):
                        continue  # left claimed: queued again when the worker unregisters
                    await self._limiter.wait()
                    # durable, fenced and checked against unsubscription before the transaction
                    previous = answered[:]
                    answered.clear()
                    if self._refused(await journal.write([job.id], previous), job.id):
                        continue
                    outcome = await self._deliver(transport, delivery_id, job)
                    answered.append(outcome)
                    self._count(outcome.state)
                    if job.second_copy:
                        self._summary.resent += 1
                finally:
                    self._in_flight -= 1
            previous = answered[:]
            answered.clear()
            self._refused(await journal.write([], previous), None)
        except Exception as exc:  # a failure here must stop the delivery, not hang it
            LOG.exception("sender failed")
            self._pause(f"paused: {exc}", PauseCause.FAILURE)
        finally:
            await transport.close()

    async def _connect(self, transport: Transport) -> bool:
        delay = self.settings.backoff
        for attempt in range(1, self.settings.connect_attempts + 1):
            try:
                await transport.connect()
                return True
            except TransportError as exc:
                if attempt == self.settings.connect_attempts or self.stop.is_set():
                    self._pause(f"paused: {exc}", PauseCause.TRANSPORT)
                    return False
                await self._sleep(delay)
                delay *= 2
        return False

    def _refused(self, refused: list[ledger.Refused], mark: int | None) -> bool:
        """Act on what the ledger refused; True if ``mark``'s message must not go."""
        for refusal in refused:
            if refusal.fenced:
                self._lost_the_lease()
            else:
                self._count("cancelled")
        return any(r.recipient_id == mark for r in refused)

    async def _deliver(self, transport: Transport, delivery_id: int,
                       job: ledger.Claimed) -> ledger.Outcome:
        personal = Personal(job.email, job.name, self.unsubscribe_url(job.uid),
                            message_id(delivery_id, job.id, self.domain, self.store.secret))
        outgoing = self.message.personalize(personal)
        return_path = self._return_path(delivery_id, job)
        delay, attempts = self.settings.backoff, 0
        while True:
            attempts += 1
            try:
                reply = await transport.send(outgoing, return_path, [job.email])
                if job.second_copy:
                    reply = f"second copy: {reply}"
                return ledger.Outcome(job.id, R.SENT, reply, attempts, job.subscriber_id)
            except TransportError as exc:
                if exc.uncertain:
                    what = ("second copy: held, never sent a third time" if job.second_copy
                            else "to be sent once more at the end of the delivery"
                            if self.settings.resend_uncertain else "held (--no-resend-uncertain)")
                    return ledger.Outcome(job.id, R.UNCERTAIN, f"{exc}; {what}", attempts,
                                          job.subscriber_id)
                if exc.permanent:
                    return ledger.Outcome(job.id, R.FAILED, str(exc), attempts, job.subscriber_id,
                                          bounce=not exc.local)
                if attempts > self.settings.retries or self.stop.is_set():
                    return ledger.Outcome(job.id, R.DEFERRED, str(exc), attempts, job.subscriber_id,
                                          retry_at=now() + self.settings.defer_for)
                await self._sleep(delay)
                delay *= 2

    def _return_path(self, delivery_id: int, job: ledger.Claimed) -> str:
        """The envelope sender: the recipient's own VERP address when bounces are
        read (``[bounces] address``), so a bounce names whom it is about."""
        if self.verp is None or not job.subscriber_id:
            return self.sender_address
        return self.verp.address(delivery_id, job.subscriber_id)

    def _pause(self, reason: str, cause: PauseCause) -> None:
        if self._pause_reason is None:
            self._pause_reason, self._pause_cause = reason, cause
        self.stop.set()

    def _count(self, state: str) -> None:
        setattr(self._summary, state, getattr(self._summary, state) + 1)
        if self.progress:
            self.progress(state)


def _run(coroutine):
    """Run the dispatcher's event loop on uvloop (libuv) where it is installed:
    on the benchmark, 2 000 messages a second on the standard loop, 2 900 on
    uvloop (before group commit)."""
    try:
        import uvloop
    except ImportError:  # not built for this platform: the standard loop works the same
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
