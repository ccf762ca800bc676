"""How messages leave: one small protocol (connect, send, close), three transports.

- ``OutboxTransport`` writes each message as an ``.eml`` file in a folder:
  the embedded default when NEWSLETTER_SMTP_URL is unset.
- ``SMTPTransport`` talks to any relay (Postfix, a provider):
  ``smtp://user:pass@host:587?starttls=1`` or ``smtps://host:465``.
- ``MemoryTransport`` keeps messages in a list, for tests.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import ssl
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from newsletter.core.errors import ConfigError, NewsletterError


class TransportError(NewsletterError):
    """The message was not handed over: ``permanent`` for 5xx replies,
    ``unreachable`` when no connection could be made at all. ``uncertain``:
    the whole message went out but no answer came back (a drop or a timeout
    after the final dot), so it may have been delivered: never retry it as
    if it had not. ``local``: refused here, before the relay saw it (not a
    bounce)."""

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False,
                 unreachable: bool = False, uncertain: bool = False, local: bool = False):
        super().__init__(message)
        self.code, self.permanent, self.unreachable = code, permanent, unreachable
        self.uncertain, self.local = uncertain, local


class Outgoing(Protocol):
    """A message ready to leave (``newsletter.dispatch.message``): its bytes,
    and the same bytes as SMTP's DATA wants them."""

    def data(self) -> bytes: ...

    def smtp_data(self) -> bytes: ...


class Transport(Protocol):
    """One connection to wherever messages go; ``make_transport`` makes a
    new one. The dispatcher drives several from one asyncio event loop;
    ``send_now`` sends a one-off message (confirmation, test copy)."""

    async def connect(self) -> None:
        """Make the connection ready, again after a drop (TransportError if it cannot)."""

    async def send(self, message: Outgoing, sender: str, recipients: list[str]) -> str:
        """Hand one message over; return the server's reply (or the file written)."""

    async def close(self) -> None: ...


def send_now(transport: Transport, message: Outgoing, sender: str, recipients: list[str]) -> str:
    """One message on a connection of its own, from code that is not async."""

    async def once() -> str:
        await transport.connect()
        try:
            return await transport.send(message, sender, recipients)
        finally:
            await transport.close()

    return asyncio.run(once())


@dataclass
class MemoryTransport:
    """Keeps messages in a list, for tests."""

    sent: list[tuple[bytes, str, list[str]]] = field(default_factory=list)

    async def connect(self) -> None:
        pass

    async def send(self, message: Outgoing, sender: str, recipients: list[str]) -> str:
        self.sent.append((message.data(), sender, list(recipients)))
        return "250 kept in memory"

    async def close(self) -> None:
        pass


class OutboxTransport:
    """Each message becomes ``<time>-<random>.eml``, written atomically;
    quick enough to do inside the event loop."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def connect(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    async def send(self, message: Outgoing, sender: str, recipients: list[str]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}.part"
        with open(partial, "wb") as handle:
            handle.write(message.data())
            handle.flush()
            os.fsync(handle.fileno())
        partial.rename(self.folder / name)
        return f"250 written to {self.folder / name}"

    async def close(self) -> None:
        pass


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool
    timeout: float = 30.0
    cafile: str | None = None  # a private CA to trust (an internal relay's certificate)

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    @classmethod
    def from_url(cls, url: str) -> SMTPSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError(f"NEWSLETTER_SMTP_URL {_hide(url)!r}: expected "
                              "smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
            timeout=float(query.get("timeout", ["30"])[0]),
            cafile=query.get("cafile", [None])[0],
        )


class SMTPTransport:
    """SMTP to a relay on one connection, reused from message to message and
    opened again when the server drops it."""

    def __init__(self, settings: SMTPSettings):
        self.settings = settings
        self._connection: _AsyncSMTP | None = None

    async def connect(self) -> None:
        if self._connection is None:
            connection = _AsyncSMTP(self.settings)
            await connection.connect()
            self._connection = connection

    async def send(self, message: Outgoing, sender: str, recipients: list[str]) -> str:
        await self.connect()
        try:
            return await self._connection.send(message.smtp_data(), sender, recipients)
        except TransportError as exc:
            if exc.code in (None, 421, -1) and not exc.local:  # the connection is gone or going
                self._drop()
            raise

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.quit()
            self._connection = None

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.abort()
            self._connection = None


class _AsyncSMTP:
    """A minimal SMTP client on asyncio streams (RFC 5321): EHLO, STARTTLS
    (RFC 3207), AUTH PLAIN/LOGIN (RFC 4954), pipelined MAIL/RCPT/DATA
    (RFC 2920) when offered, SMTPUTF8 (RFC 6531)."""

    def __init__(self, settings: SMTPSettings):
        self.s = settings
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.extensions: set[str] = set()
        self._data_sent = False

    async def connect(self) -> None:
        s = self.s
        context = s.tls_context() if (s.implicit_tls or s.starttls) else None
        try:
            async with asyncio.timeout(s.timeout):
                self.reader, self.writer = await asyncio.open_connection(
                    s.host, s.port, ssl=context if s.implicit_tls else None)
                await self._expect(await self._reply(), (220,))
                await self._ehlo()
                if s.starttls and not s.implicit_tls:
                    await self._command("STARTTLS", (220,))
                    await self.writer.start_tls(context, server_hostname=s.host)
                    await self._ehlo()
                if s.username:
                    await self._login()
        except TransportError as exc:
            self.abort()
            if exc.permanent:
                raise
            raise TransportError(f"cannot reach the SMTP server {s.host}:{s.port}: {exc}",
                                 unreachable=True) from None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ssl.SSLError) as exc:
            self.abort()
            raise TransportError(f"cannot reach the SMTP server {s.host}:{s.port}: "
                                 f"{exc or type(exc).__name__}", unreachable=True) from None

    async def _ehlo(self) -> None:
        self.writer.write(f"EHLO {socket.getfqdn()}\r\n".encode())
        code, lines = await self._reply()
        await self._expect((code, lines), (250,))
        self.extensions = {line.split(b" ")[0].decode("ascii", "replace").upper()
                           for line in lines.split(b"\n")[1:]}

    async def _login(self) -> None:
        user, password = self.s.username, self.s.password or ""
        try:
            token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
            await self._command(f"AUTH PLAIN {token}", (235,))
        except TransportError as exc:
            raise TransportError(f"SMTP login refused by {self.s.host}: {exc}",
                                 code=exc.code, permanent=True) from None

    async def _command(self, command: str, good: tuple[int, ...]) -> tuple[int, bytes]:
        self.writer.write(f"{command}\r\n".encode())
        answer = await self._reply()
        await self._expect(answer, good)
        return answer

    async def _reply(self) -> tuple[int, bytes]:
        """One reply; callers bound the time with asyncio.timeout (one timer for a
        whole transaction: wait_for on every line would cost a task each)."""
        lines = []
        while True:
            line = await self.reader.readuntil(b"\r\n")
            lines.append(line[4:-2])
            if line[3:4] != b"-":
                try:
                    return int(line[:3]), b"\n".join(lines)
                except ValueError:
                    raise TransportError(f"malformed reply {line!r}") from None

    @staticmethod
    async def _expect(answer: tuple[int, bytes], good: tuple[int, ...]) -> None:
        code, reply = answer
        if code not in good:
            text = reply.decode("utf-8", errors="replace")
            raise TransportError(f"{code} {text}", code=code, permanent=500 <= code < 600)

    async def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        international = not sender.isascii() or not all(r.isascii() for r in recipients)
        if international and "SMTPUTF8" not in self.extensions:
            raise TransportError(
                f"{self.s.host} does not offer SMTPUTF8 (RFC 6531), which an address with "
                f"letters outside ASCII needs ({', '.join(r for r in recipients if not r.isascii())}"
                "): not sent; use a relay that offers it", permanent=True, local=True)
        smtputf8 = " SMTPUTF8" if international else ""
        commands = [f"MAIL FROM:<{sender}>{smtputf8}", *(f"RCPT TO:<{r}>" for r in recipients),
                    "DATA"]
        goods = [(250,)] + [(250, 251)] * len(recipients) + [(354,)]
        self._data_sent = False
        try:
            async with asyncio.timeout(self.s.timeout):
                return await self._transaction(message, commands, goods)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            cause = "no answer in time" if isinstance(exc, TimeoutError) else \
                f"connection lost: {exc or type(exc).__name__}"
            if self._data_sent:
                raise TransportError(
                    f"{self.s.host}: {cause} after the end of the message: it may or may "
                    "not have been delivered", uncertain=True) from None
            raise TransportError(f"{self.s.host}: {cause}") from None

    async def _transaction(self, message: bytes, commands: list[str], goods: list) -> str:
        replies = []
        if "PIPELINING" in self.extensions:
            self.writer.write("".join(f"{c}\r\n" for c in commands).encode())
            replies = [await self._reply() for _ in commands]
        else:
            for command in commands:
                self.writer.write(f"{command}\r\n".encode())
                replies.append(await self._reply())
                if replies[-1][0] >= 400:
                    break
        await self._refusal(replies, goods, len(commands))
        self._data_sent = True  # from here on, a lost answer leaves the message's fate unknown
        self.writer.write(message)  # already dot-stuffed, with the final dot
        await self.writer.drain()
        code, reply = await self._reply()
        await self._expect((code, reply), (250,))
        return f"{code} {reply.decode('utf-8', errors='replace')}"

    async def _refusal(self, replies, goods, expected: int) -> None:
        for (code, reply), good in zip(replies, goods, strict=False):
            if code not in good:
                if replies[-1][0] == 354 and len(replies) == expected:
                    self.writer.write(b".\r\n")  # DATA was accepted anyway: end it empty
                    await self._reply()
                if code != 421:
                    self.writer.write(b"RSET\r\n")  # keep the connection for the next one
                    await self._reply()
                await self._expect((code, reply), good)

    async def quit(self) -> None:
        try:
            self.writer.write(b"QUIT\r\n")
            async with asyncio.timeout(5):
                await self._reply()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, TransportError):
            pass
        self.abort()

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def make_transport(smtp_url: str | None, outbox: Path) -> Transport:
    """SMTP when a URL is configured, else the outbox folder."""
    if smtp_url:
        return SMTPTransport(SMTPSettings.from_url(smtp_url))
    return OutboxTransport(outbox)


def _hide(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
