"""Help with a date the reader did not understand: the exact structured form
to write when the text is clearly a day, a range, an open or closed bound or
a month in Italian, English or French ("30 novembre - 5 dicembre" → write
``{from: 2023-11-30, to: 2023-12-05}``), else every form a date can take,
with an example of each.

The year, when the text has none, is the one that puts the date nearest to
the issue's month (a January issue's "25 ottobre" is last October).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from newsletter.content.dates import month_numbers
from newsletter.core.i18n import _

# Month names in the three languages, as CLDR spells them (full, abbreviated,
# without accents), and "fev", a common French abbreviation CLDR lacks.
_MONTH_OF = {name: number for lang in ("it", "en", "fr")
             for name, number in month_numbers(lang).items()} | {"fev": 2}
_MONTH = "(" + "|".join(sorted(_MONTH_OF, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th|er|°|º)?"
_YEAR = r"(?:\s*,?\s*(\d{4}))?"
# day month [year] (it, fr, en) and month day [year] (en)
_DAY_FIRST = re.compile(rf"\b{_DAY}\s+(?:de\s+|of\s+)?{_MONTH}\b{_YEAR}")
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}")
# 27-30 novembre [2023], 27 al 30 novembre, du 27 au 30 novembre
_SHARED_MONTH = re.compile(
    rf"\b{_DAY}\s*(?:-|al|a|au|to|till|until|through|e|and|et)\s*{_DAY}\s+{_MONTH}\b{_YEAR}")
# November 27-30 [2023]
_SHARED_MONTH_EN = re.compile(rf"\b{_MONTH}\s+{_DAY}\s*(?:-|to|through)\s*{_DAY}\b{_YEAR}")
_MONTH_ONLY = re.compile(rf"^\s*{_MONTH}{_YEAR}\s*$")

_UNTIL = ("fino al", "fino a", "fino all", "until", "till", "jusqu'au", "jusqu'a")
_FROM = ("a partire dal", "a partire da", "dal ", "dall", "from ", "starting", "since",
         "a partir du", "a partir de", "des le")
_BY = ("entro", "by ", "before", "no later than", "deadline", "scadenza", "avant le",
       "au plus tard", "d'ici le", "date limite")


def explain(value: object, issue_month: date | None, key: str = "") -> str:
    """Why ``value`` is not a date, and what to write instead."""
    text = str(value).strip()
    suggestion = suggest(text, issue_month) if issue_month else None
    if suggestion and key:
        return _("{value!r} is not a date the bulletin understands: write {key}: {day}").format(
            value=text, key=key, day=suggestion)
    if suggestion:
        return _("{value!r} is not a date the bulletin understands: write {suggestion}").format(
            value=text, suggestion=suggestion)
    return _("{value!r} is not a date the bulletin understands. A date is one of: a day "
             "2023-12-02; a range {{from: 2023-11-27, to: 2023-11-30}}; until a day "
             "{{until: 2024-01-14}}; from a day {{from: 2023-12-09}}; a deadline "
             "{{by: 2023-12-31}}; a month 2023-12").format(value=text)


def suggest(text: str, issue_month: date) -> str | None:
    """The structured form of a free-text date, or None when it is not clear."""
    plain = _plain(text)
    if found := _MONTH_ONLY.match(plain):
        month = _MONTH_OF[found.group(1)]
        year = int(found.group(2)) if found.group(2) else _nearest_year(month, 1, issue_month)
        return f"{year}-{month:02d}"
    days = _days(plain, issue_month)
    if not days:
        return None
    if len(days) == 2:
        start, end = sorted(days)
        if end != start:
            return f"{{from: {start}, to: {end}}}"
        days = [start]
    if len(days) != 1:
        return None
    day = days[0]
    if plain.startswith(_UNTIL) or any(f" {word}" in plain for word in _UNTIL):
        return f"{{until: {day}}}"
    if plain.startswith(_BY) or any(f" {word}" in plain for word in _BY):
        return f"{{by: {day}}}"
    if plain.startswith(_FROM) or any(f" {word}" in plain for word in _FROM):
        return f"{{from: {day}}}"
    return str(day)


def _days(plain: str, issue_month: date) -> list[date]:
    for pattern, order in ((_SHARED_MONTH, "ddmy"), (_SHARED_MONTH_EN, "mddy")):
        if found := pattern.search(plain):
            groups = found.groups()
            if order == "ddmy":
                first, second, month_name, year = groups
            else:
                month_name, first, second, year = groups
            month = _MONTH_OF[month_name]
            start = _day(int(first), month, year, issue_month)
            end = _day(int(second), month, year, issue_month)
            return [d for d in (start, end) if d] if start and end else []
    found = []
    taken: list[tuple[int, int]] = []
    for pattern, order in ((_DAY_FIRST, "dmy"), (_MONTH_FIRST, "mdy")):
        for match in pattern.finditer(plain):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            if order == "dmy":
                day, month_name, year = match.groups()
            else:
                month_name, day, year = match.groups()
            if (when := _day(int(day), _MONTH_OF[month_name], year, issue_month)) is None:
                return []
            found.append((match.start(), when, bool(year)))
            taken.append(match.span())
    found.sort()
    if len(found) == 2:
        (_, first, first_year), (_, second, second_year) = found
        if second_year and not first_year:  # "28 novembre - 2 dicembre 2022": one year for both
            first = _same_or_year_before(first, second)
        elif not second_year and second < first:  # "30 dicembre - 2 gennaio": next year's
            second = _replace_year(second, first.year + 1)
        return [first, second]
    return [when for _, when, _ in found] if len(found) == 1 else []


def _same_or_year_before(first: date, second: date) -> date:
    moved = _replace_year(first, second.year)
    return moved if moved <= second else _replace_year(first, second.year - 1)


def _replace_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _day(day: int, month: int, year: str | None, issue_month: date) -> date | None:
    chosen = int(year) if year else _nearest_year(month, day, issue_month)
    try:
        return date(chosen, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, issue_month: date) -> int:
    def distance(year: int) -> int:
        return abs((year - issue_month.year) * 12 + month - issue_month.month)
    return min((issue_month.year - 1, issue_month.year, issue_month.year + 1), key=distance)


def _plain(text: str) -> str:
    """Lower case, no accents, one kind of dash and apostrophe, single spaces."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = re.sub(r"[–—‐-―]", "-", folded).replace("’", "'")
    return " ".join(folded.split())
