"""The corpus of messages that come back, written for the tests in the
formats of Postfix, Exim, Microsoft, Gmail and Yahoo (tests/fixtures/bounces/):
templates whose ``{verp}`` is the return path of the message they are
about, made by the test from a known secret. No real person's mail: the
addresses are example.org's (and the providers' own daemons)."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.core.verp import MAC_LENGTH, Verp

FOLDER = Path(__file__).resolve().parent / "fixtures" / "bounces"
BOUNCE_ADDRESS = "bounces@news.example.org"

# file: (kind, status, words of the diagnostic). The forged one is filled
# with an address whose signature is wrong (``forged``).
EXPECTED = {
    "postfix-5.1.1-user-unknown.eml": ("hard", "5.1.1", "User unknown in virtual mailbox table"),
    "postfix-4.4.1-delayed.eml": ("soft", "4.4.1", "Connection timed out"),
    "exim-permanent-error.eml": ("hard", "5.1.1", "550 5.1.1 <someone@example.net>"),
    "office365-5.1.10-recipient-not-found.eml": ("hard", "5.1.10",
                                                 "RESOLVER.ADR.RecipientNotFound"),
    "gmail-5.1.1-does-not-exist.eml": ("hard", "5.1.1",
                                       "The email account that you tried to reach does not exist"),
    "yahoo-554-no-account.eml": ("hard", "", "554 delivery error: dd This user doesn't have a "
                                             "yahoo.com account"),
    "arf-yahoo-aol-abuse.eml": ("complaint", "", "abuse"),
    "arf-microsoft-jmrp.eml": ("complaint", "", "abuse"),
    "out-of-office.eml": ("autoreply", "", ""),
    "unrelated.eml": ("unknown", "", ""),
    "forged-verp-dsn.eml": ("hard", "5.1.1", "User unknown"),
}
FORGED = "forged-verp-dsn.eml"


def message(name: str, verp_address: str, message_id: str | None = None) -> bytes:
    """A corpus message sent back to ``verp_address``; ``message_id``
    replaces its own Message-ID (the same bounce received on another day)."""
    text = (FOLDER / name).read_text(encoding="utf-8").replace("{verp}", verp_address)
    if message_id is not None:
        text = re.sub(r"(?im)^Message-Id: .*$", f"Message-ID: {message_id}", text, count=1)
    return text.encode("utf-8")


def forged(address: str) -> str:
    """``address`` with its signature changed: what a forger would write."""
    local, domain = address.split("@")
    mac = local[-MAC_LENGTH:]
    wrong = "".join("a" if c != "a" else "b" for c in mac)
    return f"{local[:-MAC_LENGTH]}{wrong}@{domain}"


def verp(secret: bytes) -> Verp:
    return Verp(secret, BOUNCE_ADDRESS)
