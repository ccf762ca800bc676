"""Transactional mail (confirmations, unsubscribe links) leaves from a queue
in the database, off the request: a page answers in the same time whether
it mails somebody or not, so its timing says nothing about an address.

A daemon thread of the web application sends what is queued: at once when
a page queues a message, and every ``POLL_SECONDS`` for retries and for
messages queued by other workers. A failed message is tried again later,
``MAX_ATTEMPTS`` times at most (a 5xx reply ends it at once); then it stays
in the queue with its error, for the operator, and the log says so.
``deliver_queued`` sends what is due at once (tests, or a command).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from newsletter.dispatch.message import Raw
from newsletter.dispatch.transports import Transport, TransportError
from newsletter.store import Store, mailqueue, now

LOG = logging.getLogger("newsletter.web.outgoing")

POLL_SECONDS = 30.0
BATCH = 20
LEASE = timedelta(minutes=5)  # longer than an SMTP transaction's timeout
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
HELD_FOR = timedelta(days=30)  # how long a message given up on stays for the operator


class Outgoing:
    """The web application's sender of queued mail."""

    def __init__(self, store: Store, transports: Callable[[], Transport]):
        self.store, self.transports = store, transports
        self._wake = threading.Event()
        self._lock = threading.Lock()  # one sending pass at a time in this process

    def put(self, sender: str, recipient: str, message: bytes) -> None:
        """Queue a message (as it will leave) and wake the sender; returns at once."""
        mailqueue.enqueue(self.store, sender, recipient, message)
        self._wake.set()

    def deliver_queued(self) -> int:
        """Send every queued message that is due, now; how many were sent.
        Waits for a pass of the thread in progress, so that what was queued
        before the call has been tried when it returns."""
        with self._lock:
            sent = 0
            while batch := mailqueue.claim(self.store, BATCH, LEASE):
                sent += asyncio.run(self._send(batch))
            mailqueue.purge_held(self.store, now() - HELD_FOR)
            return sent

    async def _send(self, batch: list[mailqueue.Queued]) -> int:
        """One connection for the batch; each message's outcome in the queue."""
        transport, sent = self.transports(), 0
        try:
            await transport.connect()
            for position, queued in enumerate(batch):
                try:
                    await transport.send(Raw(queued.message), queued.sender, [queued.recipient])
                except TransportError as exc:
                    self._failed(queued, exc)
                    if exc.unreachable:  # the rest waits for the server too
                        for waiting in batch[position + 1:]:
                            self._failed(waiting, exc)
                        break
                else:
                    mailqueue.sent(self.store, queued.id)
                    sent += 1
        except TransportError as exc:  # no connection at all
            for queued in batch:
                self._failed(queued, exc)
        finally:
            await transport.close()
        return sent

    def _failed(self, queued: mailqueue.Queued, exc: TransportError) -> None:
        attempt = queued.attempts + 1
        again = not exc.permanent and attempt < MAX_ATTEMPTS
        retry_at = now() + BACKOFF[min(attempt, len(BACKOFF)) - 1] if again else None
        mailqueue.failed(self.store, queued.id, str(exc), retry_at)
        if again:
            LOG.warning("queued mail %d: attempt %d of %d failed, tried again at %s: %s",
                        queued.id, attempt, MAX_ATTEMPTS, retry_at.isoformat(timespec="seconds"), exc)
        else:
            LOG.error("queued mail %d: given up after %d attempt(s), kept in the queue: %s",
                      queued.id, attempt, exc)

    def start(self) -> threading.Thread:
        """The daemon thread that drains the queue for as long as this object
        lives, beginning with what an earlier run left in it."""
        self._wake.set()
        thread = threading.Thread(target=_drain_forever, args=(weakref.ref(self), self._wake),
                                  name="newsletter-outgoing-mail", daemon=True)
        thread.start()
        return thread


def _drain_forever(outgoing_ref: weakref.ref, wake: threading.Event) -> None:
    """Holds the Outgoing weakly: the thread ends once its application is gone
    (tests make many)."""
    while True:
        wake.wait(POLL_SECONDS)
        wake.clear()
        outgoing = outgoing_ref()
        if outgoing is None:
            return
        try:
            outgoing.deliver_queued()
        except Exception:  # the thread must outlive any one failure (a database restart)
            LOG.exception("could not send the queued mail; trying again in %.0f s", POLL_SECONDS)
        del outgoing


def deliver_queued(app: Flask) -> int:
    """Send the application's queued mail now (tests; the thread does it on its own)."""
    outgoing = app.extensions["newsletter"].outgoing
    return outgoing.deliver_queued() if outgoing else 0
