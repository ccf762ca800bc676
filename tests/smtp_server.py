"""A real SMTP server on loopback (aiosmtpd) that records what it accepts
and misbehaves on request, per recipient address:

    faults = {"temp@example.org": ["451 4.3.0 Try again later"],   # then accepted
              "bad@example.org": ["550 5.1.1 No such user"] * 9,
              "drop@example.org": ["drop"],              # dropped after the final dot, not kept
              "kept@example.org": ["keep-drop"],         # kept (delivered), then dropped unanswered
              "late@example.org": ["keep-sleep:5"],      # kept, answered after 5 s (a timeout)
              "slow@example.org": ["sleep:0.5"]}
    mail_faults = ["421 4.7.0 Busy"] * 3   # the next three MAIL FROM commands get this

Every copy kept is counted per recipient (``count_by_recipient``), so a test
compares what each address really received with what the ledger says.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    def __init__(self, faults: dict[str, list[str]] | None = None, delay: float = 0.0,
                 mail_faults: list[str] | None = None):
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.mail_faults = list(mail_faults or [])
        self.delay = delay
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            pending = self.faults.get(address.lower())
            if pending:
                fault = pending.pop(0)
                if fault in ("drop", "keep-drop"):
                    if fault == "keep-drop":
                        self._keep(envelope)
                    server.transport.close()  # the connection goes away without an answer
                    return "421 closing"  # never reaches the client: the socket is closed
                if fault.startswith("keep-sleep:"):
                    self._keep(envelope)
                    await asyncio.sleep(float(fault.split(":")[1]))
                    return "250 2.0.0 Ok: queued (too late)"
                if fault.startswith("sleep:"):
                    await asyncio.sleep(float(fault[6:]))
                else:
                    return fault
        self._keep(envelope)
        return "250 2.0.0 Ok: queued"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            refusal = self.mail_faults.pop(0) if self.mail_faults else None
        if refusal:  # refused before any data: nothing can have been delivered
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def _keep(self, envelope) -> None:
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content))

    def count_by_recipient(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(r for rcpts, _ in self.received for r in rcpts)

    def messages(self):
        with self.lock:
            return [message_from_bytes(raw, policy=policy.default) for _, raw in self.received]


class SMTPServer:
    def __init__(self, faults=None, delay: float = 0.0, mail_faults=None, smtputf8: bool = True):
        self.recorder = Recorder(faults, delay, mail_faults)
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port,
                                     data_size_limit=10 * 1024 * 1024, enable_SMTPUTF8=smtputf8)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
