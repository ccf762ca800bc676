"""Reading one message that came back to the bounce mailbox: a bounce (hard
or soft), a complaint, an auto-reply, or something a person must look at.

Who it concerns comes from the VERP address (``newsletter.core.verp``) it
was sent back to, never from what its text says: many bounces quote
nothing useful, and anybody can write one. A VERP-looking address whose
signature does not verify is forged: logged, never acted on.

Never raises: a message that cannot be read is ``unknown``, with a reason.
"""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from flufl.bounce import all_failures

from newsletter.core.verp import Verp

log = logging.getLogger("newsletter.bounces")
# flufl.bounce logs a detector's exception, traceback and all, before raising
# it; here it becomes the message's reason ("unknown"). Where logging is set
# up (the scheduler daemon) it is still logged; at the command line, where a
# traceback means a bug of ours, it is not printed.
logging.getLogger("flufl.bounce").addHandler(logging.NullHandler())

Pair = tuple[int, int]  # (delivery id, subscriber id), from a VERP address

# Where a bounce names the address it came back to (the envelope recipient,
# our VERP address), as the receiving MTA writes it: Postfix's pipe(8) and
# local(8) add Delivered-To and X-Original-To, Exim adds Envelope-To.
ENVELOPE_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To")
# The original message's envelope, as a report quotes it: Postfix's DSNs
# (X-Postfix-Sender), ARF reports (RFC 5965, section 3.2).
REPORTED_ENVELOPE = ("X-Postfix-Sender", "Original-Mail-From", "Original-Rcpt-To")
# RFC 5965's feedback types that mean "this recipient does not want it";
# not-spam, auth-failure (RFC 6591) and other are for a person to read.
COMPLAINT_TYPES = ("abuse", "fraud", "virus")

STATUS = re.compile(r"([245])\.\d{1,3}\.\d{1,3}")  # RFC 3463 enhanced status code
# A server's reply quoted in a non-standard bounce: "550 5.1.1 <…>: User unknown",
# or "Remote host said: 554 delivery error: …" (Yahoo, without an enhanced code).
REPLY_WITH_STATUS = re.compile(r"\b[45]\d\d[ -]([45]\.\d{1,3}\.\d{1,3})\b.*")
REPLY_SAID = re.compile(r"\b(?:said|error|reply|response)\b[^:\n]*:\s*([45]\d\d[ -].*)", re.I)
# RFC 3834 auto-replies that do not say so in their headers (Outlook's and
# Exchange's often do not): their subjects, in the office's languages.
AUTOREPLY_SUBJECTS = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|"
    r"risposta automatica|fuori ufficio|r[ée]ponse automatique|absence|abwesenheit)", re.I)
# What a bounce flufl.bounce did not recognize looks like: kept for review
# rather than dropped as an auto-reply (bounces say Auto-Submitted too).
BOUNCE_LOOK = re.compile(r"undeliver|not delivered|delivery (status|failure|notification)|"
                         r"failure notice|returned mail|mail delivery|non[- ]?delivery", re.I)
DAEMONS = ("mailer-daemon", "mailer_daemon", "mail-daemon", "postmaster")
MAX_TEXT_LINES = 300  # a non-standard bounce's explanation is at its top
MAX_DIAGNOSTIC = 1000


class Kind(StrEnum):
    HARD = "hard"  # a permanent failure: counts towards the bounce score
    SOFT = "soft"  # a temporary one: recorded, never counted
    COMPLAINT = "complaint"  # an ARF report: the recipient is unsubscribed
    AUTOREPLY = "autoreply"  # out of office and the like: ignored
    UNKNOWN = "unknown"  # kept for a person to look at


@dataclass(frozen=True)
class Classified:
    """What a message that came back is, and whom it concerns."""

    kind: Kind
    recipients: tuple[Pair, ...] = ()
    status: str = ""  # the RFC 3464 Status, e.g. 5.1.1 (empty when none was given)
    diagnostic: str = ""  # the server's words (a complaint: its feedback type)
    message_id: str | None = None  # the bounce's (or report's) own Message-ID
    forged: bool = False  # sent back to a VERP address of ours whose signature is wrong
    reason: str = ""  # how it was recognized; for an unknown one, why not
    feedback_type: str = ""  # a complaint's Feedback-Type (abuse, fraud, virus)

    @property
    def actionable(self) -> bool:
        return self.kind in (Kind.HARD, Kind.SOFT, Kind.COMPLAINT)


@dataclass
class _Reading:
    kind: Kind
    reason: str
    status: str = ""
    diagnostic: str = ""
    feedback_type: str = ""
    envelope: list[str] = field(default_factory=list)  # addresses quoted by a report


def classify(raw: bytes, verp: Verp | None) -> Classified:
    """Classify one raw message (RFC 5322 bytes) that came back; ``verp``
    reads its VERP addresses (None: no VERP configured, nobody is found)."""
    try:
        message = email.message_from_bytes(raw)
        message_id = _message_id(message)
    except Exception as exc:  # anything at all: the bytes are not a message we can read
        return Classified(Kind.UNKNOWN, reason=f"unreadable message ({type(exc).__name__}: {exc})")
    try:
        reading = _read(message)
        recipients, forged = _recipients(_addresses(message, reading.envelope), verp)
    except Exception as exc:  # broken MIME, a detector tripping on it: a person will look
        return Classified(Kind.UNKNOWN, message_id=message_id,
                          reason=f"unreadable message ({type(exc).__name__}: {exc})")
    found = Classified(reading.kind, recipients, reading.status, reading.diagnostic, message_id,
                       reason=reading.reason, feedback_type=reading.feedback_type)
    if found.actionable and not recipients and forged:
        log.warning("ignored a %s sent back to %s, which looks like a VERP address of ours but "
                    "whose signature does not verify (forged or garbled); Message-ID %s",
                    found.kind, ", ".join(forged), message_id)
        return replace(found, forged=True, reason=f"forged VERP address {', '.join(forged)}")
    return found


def _read(message: Message) -> _Reading:
    """The first reading that applies, most authoritative first: an ARF
    report, an RFC 3464 DSN, a bounce flufl.bounce recognizes, an auto-reply."""
    return (_feedback_report(message) or _delivery_status(message) or _non_standard(message)
            or _autoreply(message)
            or _Reading(Kind.UNKNOWN, "looks like a bounce, but no failure was found in it"
                        if _looks_like_bounce(message) else "not a bounce, complaint or auto-reply"))


# -- ARF (RFC 5965) -------------------------------------------------------------------


def _feedback_report(message: Message) -> _Reading | None:
    reports = [block for part in _parts(message, "message/feedback-report")
               for block in _field_blocks(part)]
    if not reports:
        return None
    kind = _first(reports, "Feedback-Type").lower()
    envelope = [value for block in reports for name in REPORTED_ENVELOPE
                for value in block.get_all(name, [])]
    if kind not in COMPLAINT_TYPES:
        return _Reading(Kind.UNKNOWN, f"a feedback report of type {kind or '(none)'!r}",
                        envelope=envelope)
    return _Reading(Kind.COMPLAINT, f"ARF report ({kind})", diagnostic=kind, feedback_type=kind,
                    envelope=envelope)


# -- DSN (RFC 3464) -------------------------------------------------------------------


def _delivery_status(message: Message) -> _Reading | None:
    blocks = [block for part in _parts(message, "message/delivery-status")
              for block in _field_blocks(part)]
    if not blocks:
        return None
    envelope = [value for block in blocks for value in block.get_all("X-Postfix-Sender", [])]
    failures = sorted((failure for failure in map(_failure, blocks) if failure),
                      key=lambda failure: failure[0] != Kind.HARD)
    if not failures:
        return _Reading(Kind.UNKNOWN, "a delivery status notification without a failure",
                        envelope=envelope)
    kind, status, diagnostic = failures[0]
    return _Reading(kind, "delivery status notification (RFC 3464)", status, diagnostic,
                    envelope=envelope)


def _failure(block: Message) -> tuple[Kind, str, str] | None:
    """(hard or soft, status, diagnostic) of one recipient's block; None if
    it reports no failure (delivered, relayed, expanded)."""
    status = STATUS.match(_clean(block.get("Status", "")))
    action = _clean(block.get("Action", "")).lower()
    diagnostic = _clean(block.get("Diagnostic-Code", "")).partition(";")
    text = (diagnostic[2] or diagnostic[0]).strip()
    if status and status[1] in "45":
        return (Kind.HARD if status[1] == "5" else Kind.SOFT), status[0], text
    if status is None and action.startswith(("failed", "error")):  # opensmtpd says "error"
        return Kind.HARD, "", text
    if status is None and action.startswith("delayed"):
        return Kind.SOFT, "", text
    return None


# -- everything else --------------------------------------------------------------------


def _non_standard(message: Message) -> _Reading | None:
    """A bounce in one of the formats flufl.bounce knows (Exim, Yahoo, qmail…)."""
    temporary, permanent = all_failures(message)
    if not (temporary or permanent):
        return None
    status, diagnostic = _quoted_reply(message)
    return _Reading(Kind.HARD if permanent else Kind.SOFT, "non-standard bounce (flufl.bounce)",
                    status, diagnostic)


def _quoted_reply(message: Message) -> tuple[str, str]:
    """The enhanced status and the server's reply quoted in a bounce's text,
    as far as they can be found; empty strings otherwise."""
    said = ""
    for number, line in enumerate(_text_lines(message)):
        if number >= MAX_TEXT_LINES:
            break
        if found := REPLY_WITH_STATUS.search(line):
            return found[1], _clean(found[0])
        if not said and (found := REPLY_SAID.search(line)):
            said = _clean(found[1])
    return "", said


def _autoreply(message: Message) -> _Reading | None:
    """An auto-reply (RFC 3834) that is not a bounce: out of office and the like."""
    submitted = _clean(message.get("Auto-Submitted", "")).lower()
    precedence = _clean(message.get("Precedence", "")).lower()
    if _looks_like_bounce(message):
        return None
    if submitted and not submitted.startswith("no"):
        return _Reading(Kind.AUTOREPLY, f"Auto-Submitted: {submitted}")
    if any(message.get(name) for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return _Reading(Kind.AUTOREPLY, "X-Autoreply")
    if precedence in ("auto_reply", "auto-reply"):
        return _Reading(Kind.AUTOREPLY, f"Precedence: {precedence}")
    if AUTOREPLY_SUBJECTS.match(_subject(message)):
        return _Reading(Kind.AUTOREPLY, "an out-of-office subject")
    return None


def _looks_like_bounce(message: Message) -> bool:
    sender = parseaddr(_clean(message.get("From", "")))[1].lower()
    return (sender.partition("@")[0] in DAEMONS or message.get_content_type() == "multipart/report"
            or bool(message.get("X-Failed-Recipients"))
            or bool(BOUNCE_LOOK.search(_subject(message))))


# -- whom it concerns ---------------------------------------------------------------------


def _addresses(message: Message, envelope: list[str]) -> Iterator[str]:
    """Every value naming an address the message was sent back to, or the
    original envelope sender, the most telling first."""
    for value in envelope:  # "rfc822; bounces+…@…" in a DSN, "<bounces+…>" in ARF
        yield value.rpartition(";")[2]
    for original in _originals(message):
        yield from original.get_all("Return-Path", [])
    for name in ENVELOPE_HEADERS:
        yield from message.get_all(name, [])


def _recipients(values: Iterator[str], verp: Verp | None) -> tuple[tuple[Pair, ...], list[str]]:
    """The (delivery, subscriber) pairs of the VERP addresses that verify,
    and the addresses that look like ours but do not."""
    if verp is None:
        return (), []
    pairs: list[Pair] = []
    forged: list[str] = []
    prefix, domain = f"{verp.local.lower()}+", f"@{verp.domain.lower()}"
    seen: set[str] = set()
    for value in values:
        text = _clean(value).lower().strip("<> ")
        if prefix not in text or text in seen:  # parsing addresses is slow: only new candidates
            continue
        seen.add(text)
        for _name, bare in getaddresses([text]):
            if (pair := verp.read(bare)) is not None:
                if pair not in pairs:
                    pairs.append(pair)
            elif bare.startswith(prefix) and bare.endswith(domain) and bare not in forged:
                forged.append(bare)
    return tuple(pairs), forged


def _originals(message: Message) -> Iterator[Message]:
    """The headers of the original message a bounce or a report returns."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            yield from (inner for inner in part.get_payload() if isinstance(inner, Message))
        elif kind == "text/rfc822-headers":
            yield HeaderParser().parsestr(_decoded(part))


# -- reading MIME leniently ------------------------------------------------------------------


def _parts(message: Message, content_type: str) -> Iterator[Message]:
    return (part for part in message.walk() if part.get_content_type() == content_type)


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or feedback-report part
    (the email package parses them into a list of blocks, or leaves text
    when the part is odd)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    return [HeaderParser().parsestr(block) for block in re.split(r"\r?\n[ \t]*\r?\n", _decoded(part))
            if block.strip()]


def _text_lines(message: Message) -> Iterator[str]:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            yield from _decoded(part).splitlines()


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    try:
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", "replace")


def _first(blocks: list[Message], name: str) -> str:
    return next((_clean(block[name]) for block in blocks if block.get(name)), "")


def _subject(message: Message) -> str:
    raw = message.get("Subject", "")
    try:
        return str(make_header(decode_header(str(raw))))
    except Exception:  # a malformed encoded word: the subject as it is
        return _clean(raw)


def _message_id(message: Message) -> str | None:
    return _clean(message.get("Message-ID", "")) or None


def _clean(value) -> str:
    """A header value on one line (folded continuation lines joined)."""
    return " ".join(str(value or "").split())[:MAX_DIAGNOSTIC]
