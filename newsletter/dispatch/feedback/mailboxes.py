"""Where messages that came back are read from: standard input (one message,
for a Postfix pipe transport or a ``.forward``), a Maildir, an IMAP mailbox.

Each source yields ``Incoming`` messages; ``done(True)`` removes a message
that was dealt with, ``done(False)`` leaves one that a person must look at
where it is: nothing that could not be classified is ever deleted.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple
from urllib.parse import unquote, urlsplit

from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

SEEN, TRASHED = "S", "T"


class MailboxError(NewsletterError):
    """A mailbox that cannot be opened or read."""


class Incoming(NamedTuple):
    """One message: where it came from (for the review list), its bytes, and
    what to call once it is dealt with (True) or left for a person (False)."""

    source: str
    raw: bytes
    done: Callable[[bool], None]


def _nothing(_handled: bool) -> None:
    """Standard input: the MTA delivered the message; nothing to remove."""


def from_stream(stream: BinaryIO, label: str = "stdin") -> Iterator[Incoming]:
    """The one message on ``stream`` (a pipe transport's standard input)."""
    yield Incoming(label, stream.read(), _nothing)


# -- Maildir ---------------------------------------------------------------------------


def from_maildir(folder: Path) -> Iterator[Incoming]:
    """The messages of a Maildir not yet looked at: new/, and cur/ without
    the Seen or Trashed flag. One dealt with is removed; one left for a
    person is moved to cur/ with the Seen flag, so the next run skips it.

    The folders are read as the Maildir format describes them
    (https://cr.yp.to/proto/maildir.html): Python 3.11's ``mailbox.Maildir``
    reads a message's flags only by parsing it, and sets them only by
    writing the message again."""
    box = _open_maildir(folder)
    for path in _unseen(folder, box.colon):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # another process dealt with it meanwhile
            continue
        yield Incoming(f"maildir:{path.relative_to(folder)}", raw,
                       lambda handled, path=path: _maildir_done(folder, path, box.colon, handled))


def _open_maildir(folder: Path) -> mailbox.Maildir:
    if not (folder / "new").is_dir() or not (folder / "cur").is_dir():
        raise MailboxError(_("{folder} is not a Maildir (it has no new/ and cur/ folders): give "
                             "the bounce mailbox's Maildir").format(folder=folder))
    return mailbox.Maildir(folder, factory=None, create=False)


def _unseen(folder: Path, colon: str) -> list[Path]:
    found = _entries(folder / "new")
    for entry in _entries(folder / "cur"):
        info = entry.name.partition(colon)[2]
        flags = info[2:] if info.startswith("2,") else ""
        if SEEN not in flags and TRASHED not in flags:
            found.append(entry)
    return found


def _entries(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return sorted(Path(entry.path) for entry in entries
                      if not entry.name.startswith(".") and entry.is_file())


def _maildir_done(folder: Path, path: Path, colon: str, handled: bool) -> None:
    if handled:
        path.unlink(missing_ok=True)
        return
    unique, _sep, info = path.name.partition(colon)
    flags = set(info[2:] if info.startswith("2,") else "") | {SEEN}
    with contextlib.suppress(FileNotFoundError):  # another process moved it meanwhile
        path.rename(folder / "cur" / f"{unique}{colon}2,{''.join(sorted(flags))}")


# -- IMAP ------------------------------------------------------------------------------------


def from_imap(url: str) -> Iterator[Incoming]:
    """The unseen messages of an IMAP folder, from ``imaps://user:password@host:993/INBOX``
    (or ``imap://``, which upgrades with STARTTLS when the server offers it).
    A message dealt with is flagged \\Deleted and expunged at the end; one
    left for a person is fetched without being marked seen (BODY.PEEK), so
    it stays as it was (and is read again next time: the review list keeps
    it once)."""
    client, folder = _connect(url)
    dealt_with: list[bytes] = []
    try:
        for uid in _unseen_uids(client):
            raw = _fetch(client, uid)
            if raw is None:
                continue
            yield Incoming(f"imap:{folder}/{uid.decode()}", raw,
                           lambda handled, uid=uid: _imap_done(client, uid, handled, dealt_with))
        _expunge(client, dealt_with)
    finally:
        _logout(client)


def _connect(url: str) -> tuple[imaplib.IMAP4, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise MailboxError(_("the IMAP URL {url} is not of the form "
                             "imaps://user:password@host:993/INBOX").format(url=_safe(url)))
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    try:
        if parts.scheme == "imaps":
            client = imaplib.IMAP4_SSL(parts.hostname, parts.port or 993,
                                       ssl_context=ssl.create_default_context(), timeout=60)
        else:
            client = imaplib.IMAP4(parts.hostname, parts.port or 143, timeout=60)
            if "STARTTLS" in client.capabilities:
                client.starttls(ssl.create_default_context())
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        status, _data = client.select(_quoted(folder))
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(_("cannot read the IMAP mailbox {url}: {error}").format(
            url=_safe(url), error=exc)) from None
    if status != "OK":
        _logout(client)
        raise MailboxError(_("the IMAP mailbox has no folder {folder}").format(folder=folder))
    return client, folder


def _unseen_uids(client: imaplib.IMAP4) -> list[bytes]:
    status, data = client.uid("SEARCH", None, "UNSEEN", "UNDELETED")
    return data[0].split() if status == "OK" and data and data[0] else []


def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    return next((item[1] for item in data if isinstance(item, tuple) and len(item) == 2), None)


def _imap_done(client: imaplib.IMAP4, uid: bytes, handled: bool, dealt_with: list[bytes]) -> None:
    if handled:
        client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        dealt_with.append(uid)


def _expunge(client: imaplib.IMAP4, uids: list[bytes]) -> None:
    """Remove the messages flagged here; only those (UID EXPUNGE, RFC 4315)
    when the server can, otherwise every message flagged \\Deleted."""
    if not uids:
        return
    if "UIDPLUS" in client.capabilities:
        client.uid("EXPUNGE", b",".join(uids))
    else:
        client.expunge()


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
