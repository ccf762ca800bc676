"""The language of the messages people read (check, build, schedule, send,
the workspace): Italian or English, from gettext catalogs.

The source strings are English, whole sentences with named placeholders
(``_("line {line} has no colon").format(line=4)``), extracted by Babel into
``newsletter/core/locale/messages.pot``; the Italian catalog is
``newsletter/core/locale/it/LC_MESSAGES/newsletter.po`` (compiled to ``.mo``,
both in git). See the README's "Messages and translations".

The language is chosen, in order, by ``use_language`` (the CLI after
reading ``[workspace] language``; a web request), then by the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``); anything else is English.
"""

from __future__ import annotations

import gettext
import os
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "newsletter"
MESSAGE_LANGUAGES = ("it", "en")

_chosen: ContextVar[str | None] = ContextVar("message_language", default=None)


def use_language(language: str | None) -> None:
    """Speak ``language`` from now on in this context (None: follow the locale)."""
    _chosen.set(language if language in MESSAGE_LANGUAGES else None)


def current_language() -> str:
    return _chosen.get() or locale_language()


def locale_language() -> str:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "it" if value.lower().startswith("it") else "en"
    return "en"


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (English if it has no translation)."""
    return _catalog(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _catalog(current_language()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` where the same English word needs another translation
    ("sent": an issue, inviato; messages, inviati)."""
    return _catalog(current_language()).pgettext(context, message)
