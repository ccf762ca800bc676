"""E-mail addresses and names as people type them: validated, normalized,
folded for case-insensitive comparison, and cleaned of anything that could
inject a header."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from newsletter.core.errors import NewsletterError

NAME_LIMIT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


class InvalidAddress(NewsletterError):
    """An address that cannot be mailed, with the reason in words."""


def normalize(address: str) -> tuple[str, str]:
    """``(address, key)``: the address as it will be written (domain in
    lower case and IDNA-normalized, internationalized addresses allowed) and
    the key it is unique under (folded to lower case)."""
    text = (address or "").strip()
    if not text:
        raise InvalidAddress("the address is empty")
    if _CONTROL.search(text):
        raise InvalidAddress("the address contains a line break or control character")
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from None
    return valid.normalized, valid.normalized.casefold()


def clean_name(name: str | None) -> str | None:
    """A display name safe for headers: no line breaks or control
    characters, white space collapsed, at most 200 characters."""
    if name is None:
        return None
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", name))
    text = " ".join(text.split())[:NAME_LIMIT]
    return text or None
