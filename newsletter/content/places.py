"""Countries are data: ISO 3166-1 alpha-2 codes in the sources, named in each
language by CLDR (through Babel), so no edition types a country's name.

The codes are CLDR's two-letter territories less its groupings and
placeholders (EU, UN, ZZ...), which are not places one visits.
"""

from __future__ import annotations

import difflib
from functools import cache

from babel import Locale
from babel.core import get_global

from newsletter.content.dates import fold
from newsletter.core.i18n import _, current_language

NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
NAME_LANGUAGES = ("it", "en", "fr")  # the names an editor may type instead of a code


@cache
def country_codes() -> frozenset[str]:
    """Every valid code: CLDR's two-letter territories that are countries."""
    territories = Locale("en").territories
    return frozenset(code for code in territories
                     if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


@cache
def country_name(code: str, lang: str) -> str:
    """The country of ``code`` as ``lang`` names it ("FR" → Francia, France)."""
    return Locale.parse(lang).territories.get(code.upper(), code)


def is_country(code: str) -> bool:
    return code.strip().upper() in country_codes()


def unknown_country(value: str) -> str:
    """Why ``value`` is not a country code, with the code it probably means."""
    guess = suggest_country(value)
    if guess:
        return _("{value!r} is not an ISO 3166 code: did you mean {code} ({name})?").format(
            value=value, code=guess, name=country_name(guess, current_language()))
    return _("{value!r} is not an ISO 3166 code: write the country's two-letter code, "
             "e.g. FR for France, BE for Belgium").format(value=value)


def suggest_country(value: str) -> str | None:
    """The code ``value`` most likely means: an old or three-letter code
    (UK → GB, FRA → FR), a country's name in it/en/fr, or a near miss."""
    text = str(value).strip()
    upper = text.upper()
    aliases = get_global("territory_aliases").get(upper) or []
    if aliases and aliases[0] in country_codes():
        return aliases[0]
    names = _names()
    if fold(text) in names:
        return names[fold(text)]
    close = difflib.get_close_matches(fold(text), list(names), n=1, cutoff=0.75)
    if close:
        return names[close[0]]
    near = difflib.get_close_matches(upper, sorted(country_codes()), n=1, cutoff=0.5)
    return near[0] if near else None


@cache
def _names() -> dict[str, str]:
    """Every country's folded name in the bulletin's languages → its code."""
    found = {}
    for lang in NAME_LANGUAGES:
        territories = Locale(lang).territories
        for code in country_codes():
            found.setdefault(fold(territories.get(code, code)), code)
    return found
