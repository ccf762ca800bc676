"""How messages leave: one small protocol, three transports.

- ``OutboxTransport`` writes each message as an ``.eml`` file in a folder:
  the embedded default when NEWSLETTER_SMTP_URL is unset.
- ``SMTPTransport`` talks to any relay (Postfix, a provider):
  ``smtp://user:pass@host:587?starttls=1`` or ``smtps://host:465``.
- ``MemoryTransport`` keeps messages in a list, for tests.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import ConfigError, NewsletterError


class TransportError(NewsletterError):
    """The message could not be handed over: ``permanent`` for 5xx replies,
    ``unreachable`` when no connection could be made at all."""

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False,
                 unreachable: bool = False):
        super().__init__(message)
        self.code, self.permanent, self.unreachable = code, permanent, unreachable


class Transport(Protocol):
    def open(self) -> None:
        """Make sure a connection is ready (raise TransportError if not)."""

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        """Hand one message over; return the server's reply (or the file written)."""

    def close(self) -> None: ...


@dataclass
class MemoryTransport:
    sent: list[tuple[bytes, str, list[str]]] = field(default_factory=list)

    def open(self) -> None:
        pass

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        self.sent.append((message, sender, list(recipients)))
        return "250 kept in memory"

    def close(self) -> None:
        pass


class OutboxTransport:
    """Each message becomes ``<time>-<random>.eml``, written atomically."""

    def __init__(self, folder: Path):
        self.folder = folder

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}.part"
        with open(partial, "wb") as handle:
            handle.write(message)
            handle.flush()
            os.fsync(handle.fileno())
        partial.rename(self.folder / name)
        return f"250 written to {self.folder / name}"

    def close(self) -> None:
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
        )


class SMTPTransport:
    """One reused SMTP connection; reconnects when the server drops it."""

    def __init__(self, settings: SMTPSettings):
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._replies: _Replies | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.implicit_tls:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    client.starttls(context=context)
            if s.username:
                client.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"SMTP login refused by {s.host}: {exc.smtp_code} "
                                 f"{exc.smtp_error.decode(errors='replace')}", permanent=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"cannot reach the SMTP server {s.host}:{s.port}: {exc}",
                                 unreachable=True) from None
        return client

    def open(self) -> None:
        if self._client is None:
            self._client = self._connect()
            self._client.ehlo_or_helo_if_needed()
            # From here on replies are read straight from the socket: smtplib's
            # line-by-line reader costs more than the rest of a message's work.
            self._replies = _Replies(self._client.sock)

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        """MAIL, RCPT, DATA on the open connection, pipelined when the server
        offers PIPELINING (RFC 2920); the DATA reply is returned (e.g.
        "250 2.0.0 Ok: queued as 4Xk…") for the ledger."""
        self.open()
        client = self._client
        try:
            smtputf8 = " SMTPUTF8" if not all(r.isascii() for r in recipients) else ""
            commands = [f"MAIL FROM:<{sender}>{smtputf8}", *(f"RCPT TO:<{r}>" for r in recipients),
                        "DATA"]
            replies = self._commands(client, commands)
            self._check_envelope(client, replies, len(commands))
            # Dot-stuffing (RFC 5321 §4.5.2); the message already has CRLF line ends.
            payload = message.replace(b"\r\n.", b"\r\n..")
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            client.sock.sendall(payload + b".\r\n")
            code, reply = self._replies.next()
            self._expect((code, reply), (250,))
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            raise TransportError(f"connection to {self.settings.host} lost: {exc}") from None
        return f"{code} {reply.decode('utf-8', errors='replace')}"

    def _commands(self, client: smtplib.SMTP, commands: list[str]) -> list[tuple[int, bytes]]:
        if client.has_extn("pipelining"):
            client.sock.sendall("".join(f"{command}\r\n" for command in commands).encode())
            return [self._replies.next() for _ in commands]
        replies = []
        for command in commands:
            client.sock.sendall(f"{command}\r\n".encode())
            replies.append(self._replies.next())
            if replies[-1][0] >= 400:
                break
        return replies

    def _check_envelope(self, client: smtplib.SMTP, replies: list, expected: int) -> None:
        """The first refusal among MAIL, RCPT and DATA, if any, becomes the error."""
        goods = [(250,)] + [(250, 251)] * (expected - 2) + [(354,)]
        for (code, reply), good in zip(replies, goods, strict=False):
            if code not in good:
                if replies[-1][0] == 354 and len(replies) == expected:
                    client.sock.sendall(b".\r\n")  # DATA was accepted anyway: end it empty
                    self._replies.next()
                self._expect((code, reply), good)

    def _expect(self, answer: tuple[int, bytes], good: tuple[int, ...]) -> None:
        code, reply = answer
        if code in good:
            return
        if code == 421 or code == -1:  # the server is closing the connection
            self._drop()
        else:
            try:  # keep the connection usable for the next message
                self._client.sock.sendall(b"RSET\r\n")
                self._replies.next()
            except (OSError, smtplib.SMTPException):
                self._drop()
        raise self._reply_error(code, reply)

    @staticmethod
    def _reply_error(code: int, reply: bytes) -> TransportError:
        text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
        return TransportError(f"{code} {text}", code=code, permanent=500 <= code < 600)

    def _drop(self) -> None:
        self._replies = None
        if self._client is not None:
            try:
                self._client.close()
            finally:
                self._client = None

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._client.quit()
            self._drop()


class _Replies:
    """SMTP replies read from the socket in large chunks (RFC 5321 §4.2:
    "250-first line", …, "250 last line")."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def next(self) -> tuple[int, bytes]:
        lines = []
        while True:
            end = self.buffer.find(b"\r\n")
            while end < 0:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise smtplib.SMTPServerDisconnected("the server closed the connection")
                self.buffer += chunk
                end = self.buffer.find(b"\r\n")
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            lines.append(line[4:])
            if len(line) < 4 or line[3:4] != b"-":
                try:
                    return int(line[:3]), b"\n".join(lines)
                except ValueError:
                    raise smtplib.SMTPServerDisconnected(f"malformed reply {line!r}") from None


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
