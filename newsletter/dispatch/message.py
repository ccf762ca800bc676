"""An edition's message, encoded once; each recipient's copy is the
pre-encoded bytes with its personal parts spliced in.

The body is multipart/alternative (plain text, then HTML), both parts
quoted-printable. The generic unsubscribe URL of the built edition is cut
out of the encoded parts in advance, leaving a list of byte segments; a
recipient's personal URL is QP-encoded on its own and joined between
segments with soft line breaks (RFC 2045 §6.7, rule 5), so no recipient
costs a re-render or a MIME re-encode. Per-recipient headers: To,
Message-ID, Date, List-Unsubscribe (RFC 2369 / RFC 8058).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from email import quoprimime
from email.header import Header
from urllib.parse import quote

CRLF = b"\r\n"
SOFT_BREAK = b"=\r\n"


@dataclass(frozen=True)
class Personal:
    """What differs between two recipients' copies."""

    email: str
    name: str | None
    unsubscribe_url: str
    message_id: str


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    reply_to: str
    list_id: str  # RFC 2919, e.g. "Work in Progress <work-in-progress.comune.torino.it>"
    unsubscribe_mailto: str


class EditionMessage:
    """One edition, ready to be personalized for any number of recipients."""

    def __init__(self, *, html: str, text: str, subject: str, language: str, sender: Sender,
                 generic_unsubscribe_url: str, dkim=None):
        for field, value in (("Subject", subject), ("From", sender.name), ("List-Id", sender.list_id)):
            if "\r" in value or "\n" in value:
                raise ValueError(f"line break in the {field} header")
        self.sender, self.dkim = sender, dkim
        self.html, self.text = html, text
        self.utf8_headers = False
        boundary = f"=_wip_{secrets.token_hex(12)}"
        self._headers = b"".join([
            _header("From", _address(sender.address, sender.name)),
            _header("Reply-To", sender.reply_to),
            _header("Subject", Header(subject, "utf-8", maxlinelen=76).encode(linesep="\r\n")),
            _header("MIME-Version", "1.0"),
            _header("Content-Language", language),
            _header("List-Id", sender.list_id),
            # RFC 8058: mail clients may POST "List-Unsubscribe=One-Click" to the https URL.
            _header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            _header("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ])
        self._body = [
            f"--{boundary}\r\n".encode(),
            *_part("text/plain", text, generic_unsubscribe_url, _TEXT_SLOT),
            f"\r\n--{boundary}\r\n".encode(),
            *_part("text/html", html, f'href="{generic_unsubscribe_url}"', _HTML_SLOT),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        self.placeholders = sum(1 for piece in self._body if isinstance(piece, _Slot))
        self._stuffed = _dot_stuffed(self._body)

    def compose(self, personal: Personal, date: str | None = None, *,
                for_smtp: bool = False) -> bytes:
        """The full message for one recipient (CRLF line ends). ``for_smtp``:
        already dot-stuffed and ended with the final dot (RFC 5321 §4.5.2),
        ready to follow DATA — the static parts were stuffed once, so no copy
        of the whole message is scanned per recipient."""
        url = personal.unsubscribe_url
        pieces = self._stuffed if for_smtp else self._body
        body = b"".join(_slot(piece, url, for_smtp) if isinstance(piece, _Slot) else piece
                        for piece in pieces)
        mailto = f"mailto:{self.sender.unsubscribe_mailto}?subject={quote('unsubscribe')}"
        headers = b"".join([
            self._headers,
            _header("To", _address(personal.email, personal.name)),
            _header("Date", date or email.utils.formatdate(usegmt=True)),
            _header("Message-ID", personal.message_id),
            _header("List-Unsubscribe", f"<{personal.unsubscribe_url}>,\r\n <{mailto}>"),
        ])
        message = headers + CRLF + body
        if self.dkim is not None:
            unstuffed = message if not for_smtp else self.compose(personal, date)
            message = self.dkim.sign(unstuffed) + message
        return message + b".\r\n" if for_smtp else message


    def personalize(self, personal: Personal) -> Personalized:
        """One recipient's copy, composed in the form its transport asks for."""
        return Personalized(self, personal, email.utils.formatdate(usegmt=True))


@dataclass(frozen=True)
class Personalized:
    """A recipient's copy of an edition: the outbox wants its bytes, SMTP
    the pre-stuffed form (``newsletter.dispatch.transports.Outgoing``)."""

    edition: EditionMessage
    personal: Personal
    date: str

    def data(self) -> bytes:
        return self.edition.compose(self.personal, self.date)

    def smtp_data(self) -> bytes:
        return self.edition.compose(self.personal, self.date, for_smtp=True)


@dataclass(frozen=True)
class Raw:
    """A message already made (a confirmation, a reminder): stuffed for SMTP as it leaves."""

    raw: bytes

    def data(self) -> bytes:
        return self.raw

    def smtp_data(self) -> bytes:
        stuffed = dot_stuff(self.raw, at_line_start=True)
        return stuffed + (b".\r\n" if stuffed.endswith(CRLF) else b"\r\n.\r\n")


def dot_stuff(data: bytes, at_line_start: bool) -> bytes:
    """Double every "." that starts a line (RFC 5321 §4.5.2); ``at_line_start``:
    whether ``data`` itself begins a line. The only place that stuffs."""
    doubled = data.replace(b"\r\n.", b"\r\n..")
    return b"." + doubled if at_line_start and doubled.startswith(b".") else doubled


def message_id(delivery_id: int, recipient_id: int, domain: str, key: bytes | None = None) -> str:
    """A recipient's Message-ID: the same every time its copy is sent, so a
    second copy (after an unanswered transaction) shows as one message in
    most mail clients. Keyed with the store's secret, it says nothing about
    the list (neither its size nor anybody's place in it); without a key
    (test copies), random."""
    if key is None:
        return f"<wip.{secrets.token_hex(10)}@{domain}>"
    tag = hmac.new(key, f"{delivery_id}.{recipient_id}".encode(), hashlib.sha256).hexdigest()
    return f"<wip.{tag[:24]}@{domain}>"


def _header(name: str, value: str) -> bytes:
    """One header line; only folding (CRLF + space) may break it: anything
    else would let a value inject headers."""
    unfolded = value.replace("\r\n ", "").replace("\n ", "")
    if "\r" in unfolded or "\n" in unfolded:
        raise ValueError(f"line break in the {name} header")
    return f"{name}: {value}\r\n".encode()


def _address(address: str, name: str | None) -> str:
    """``name <address>`` as one mailbox whatever the name holds: an ASCII name
    as plain words or a quoted-string (quotes and backslashes escaped), any
    other as RFC 2047 encoded-words; beside an internationalized address
    (SMTPUTF8, RFC 6532: headers in raw UTF-8), a quoted-string in UTF-8."""
    clean = " ".join((name or "").split())  # no CR/LF can reach a header
    if not clean:
        return address
    if "=?" not in clean and (clean.isascii() or not address.isascii()):
        return f"{_phrase(clean)} <{address}>"
    # Encoded-words, also for a name that merely looks like one ("=?utf-8?q?…"):
    # many readers decode those even inside quotes.
    return f"{_encoded_phrase(clean)}\r\n <{address}>"


# Words that need no quoting (a subset of RFC 5322's atext: no "=?", which
# could read as an encoded-word).
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9 _-]+")


def _phrase(text: str) -> str:
    if _PLAIN_WORDS.fullmatch(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _encoded_phrase(text: str) -> str:
    """A display name as RFC 2047 encoded-words of at most 75 characters,
    split between words (never inside one) and folded one per line. The
    spaces travel inside the encoded-words, since decoders drop the
    white space between two encoded-words."""
    words = text.split(" ")
    chunks, current = [], ""
    for index, word in enumerate(words):
        piece = word + (" " if index < len(words) - 1 else "")
        if current and len(_q(current + piece)) > 75:
            chunks.append(current)
            current = ""
        current += piece
    chunks.append(current)
    return "\r\n ".join(_q(chunk) for chunk in chunks)


def _q(text: str) -> str:
    return quoprimime.header_encode(text.encode("utf-8"), "utf-8")


@dataclass(frozen=True)
class _Slot:
    """Where a recipient's unsubscribe URL goes, and the text around it."""

    pattern: str  # e.g. 'href="{}"'


_TEXT_SLOT = _Slot("{}")
_HTML_SLOT = _Slot('href="{}"')


def _part(content_type: str, content: str, cut: str, slot: _Slot) -> list[bytes | _Slot]:
    """A MIME part's headers and QP body, split where ``cut`` (the generic
    unsubscribe link) stands; ``slot`` marks where the personal one goes."""
    pieces: list[bytes | _Slot] = [(
        f"Content-Type: {content_type}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode()]
    for index, segment in enumerate(content.replace("\r\n", "\n").split(cut)):
        if index:
            pieces += [SOFT_BREAK, slot, SOFT_BREAK]
        pieces.append(_qp(segment))
    return pieces


def _slot(slot: _Slot, url: str, stuffed: bool) -> bytes:
    encoded = _qp(slot.pattern.format(url))
    # a slot always starts a line (it follows a soft line break)
    return dot_stuff(encoded, at_line_start=True) if stuffed else encoded


def _dot_stuffed(pieces: list) -> list:
    """The body's static pieces with every line that starts with "." doubled;
    the pieces are joined, so a piece after one ending in CRLF starts a line."""
    stuffed, at_line_start = [], False
    for piece in pieces:
        if isinstance(piece, _Slot):
            stuffed.append(piece)
            at_line_start = False  # a slot is always followed by a soft line break piece
            continue
        doubled = dot_stuff(piece, at_line_start)
        stuffed.append(doubled)
        at_line_start = doubled.endswith(b"\r\n") if doubled else at_line_start
    return stuffed


def _qp(text: str) -> bytes:
    # quoprimime works on "bytes as latin-1 characters", as the email package does.
    latin = text.encode("utf-8").decode("latin-1")
    return quoprimime.body_encode(latin, maxlinelen=76, eol="\r\n").encode("ascii")
