"""Dates as the office's old news archive wrote them, in English, French and
Italian: "June 29th 2007", "12 mars 2019", "1° aprile 2019", ranges within a
month ("October 3rd-5th 2019", "4-6 mars 2020"), across months ("28
novembre-2 décembre 2022") and across years ("30 dicembre 2018-2 gennaio
2019").

``read_date`` reads the longest date at the start of an entry and returns
what follows it. A date it cannot read for sure (no year, no such day, day
or month first) comes back with the reason, so that the entry goes to the
editors' review instead of being dropped or silently misdated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from newsletter.content.dates import When, fold, month_numbers
from newsletter.core.i18n import _

_GAP = re.compile(r"[\s,]*")
_TOKEN = re.compile(r"""
    (?P<numeric>\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d)(?!\d)
  | (?P<year>(?:19[89]\d|20\d\d))(?!\d)
  | (?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|er|re|e|°|º)?(?![^\W_])
  | (?P<dash>[-–—/])
  | (?P<word>[^\W\d_]+)\.?
""", re.X)
_CONNECTORS = {"al", "au", "to", "until", "till"}   # "dal 2 al 4", "du 4 au 6", "from … to …"
_PREFIXES = {"dal", "du", "from"}
_TRAILING = " \t\u00a0-–—:,.|"


@dataclass(frozen=True)
class DateReading:
    """The date at the start of an entry (``when`` None if unreadable), as
    written (``text``), what follows it (``rest``), and why it is a guess."""

    when: When | None
    text: str
    rest: str
    problem: str = ""


def read_date(text: str, lang: str, year: int | None = None) -> DateReading:
    """The date at the start of ``text``; ``year`` (from a month heading)
    completes a date written without one."""
    tokens = _tokens(text, month_numbers(lang))
    for count in range(len(tokens), 0, -1):
        reading = _reading(tokens[:count], lang, year)
        if reading is not None:
            when, problem = reading
            end = tokens[count - 1].end
            written = text[:end].strip()
            day = when.start.isoformat() if when else ""
            return DateReading(when, written, text[end:].lstrip(_TRAILING),
                               problem.format(date=written, day=day))
    return DateReading(None, "", text.strip(), _("No date was found at the start of the entry."))


@dataclass(frozen=True)
class _Token:
    kind: str  # numeric, year, day, month, to, from
    value: object
    end: int


def _tokens(text: str, months: dict[str, int]) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while len(tokens) < 12:
        found = _TOKEN.match(text, _GAP.match(text, at).end())
        if not found:
            break
        kind, value = found.lastgroup, found.group(found.lastgroup)
        if kind == "word":
            word = fold(value)
            if word in months:
                kind, value = "month", months[word]
            elif word in _CONNECTORS and tokens:
                kind = "to"
            elif word in _PREFIXES and not tokens:
                kind = "from"
            else:
                break
        elif kind == "dash":
            kind = "to"
        elif kind in ("year", "day"):
            value = int(re.match(r"\d+", value).group())
        tokens.append(_Token(kind, value, found.end()))
        at = found.end()
    return tokens


@dataclass
class _Point:
    day: int | None = None
    month: int | None = None
    year: int | None = None
    either_way: bool = False  # numeric, and could be read day first or month first


_SHAPES = {("day",), ("day", "year"), ("day", "month"), ("month", "day"),
           ("day", "month", "year"), ("month", "day", "year"), ("month", "year"), ("numeric",)}


def _point(tokens: list[_Token], lang: str) -> _Point | None:
    if tuple(t.kind for t in tokens) not in _SHAPES:
        return None
    point = _Point()
    for token in tokens:
        if token.kind == "numeric":
            first, second, year = (int(n) for n in re.split(r"[./]", token.value))
            # Day first, as the office writes; in English it could be month first too.
            if lang == "en" and second > 12 >= first:
                first, second = second, first
            either_way = lang == "en" and first <= 12 and second <= 12 and first != second
            point = _Point(first, second, year, either_way)
        else:
            setattr(point, token.kind, token.value)
    return point


def _reading(tokens: list[_Token], lang: str, hint: int | None):
    """(When or None, problem) if ``tokens`` make a date, else None."""
    kinds = [t.kind for t in tokens]
    opened = kinds[0] == "from"
    if kinds[-1] in ("to", "from") or kinds.count("to") > 1 or kinds.count("from") > 1:
        return None
    if opened and "to" not in kinds:
        return None
    body = tokens[1:] if opened else tokens
    cut = next((i for i, t in enumerate(body) if t.kind == "to"), None)
    if cut is None:
        point = _point(body, lang)
        return _single(point, hint) if point else None
    left, right = _point(body[:cut], lang), _point(body[cut + 1:], lang)
    return _range(left, right, hint) if left and right else None


def _single(point: _Point, hint: int | None):
    if point.day is None:
        return (When("month", start=date(point.year, point.month, 1)), "") if point.year else None
    if point.month is None:
        return None
    year = point.year or hint
    if year is None:
        return None, _("The date “{date}” has no year.")
    try:
        day = date(year, point.month, point.day)
    except ValueError:
        return None, _("The date “{date}” is not a day of the calendar.")
    if point.either_way:
        return When("day", start=day), _("The date “{date}” could be read day first or month "
                                         "first; it was read day first, as {day}.")
    return When("day", start=day), ""


def _range(left: _Point, right: _Point, hint: int | None):
    if left.day is None or right.day is None or (left.month or right.month) is None:
        return None
    if left.year is not None and right.year is None:
        return None  # "5 giugno 2019 - 3 giorni": the year closes a range, it does not open it
    right.month = right.month or left.month
    left.month = left.month or right.month
    end_year = right.year or hint
    if end_year is None:
        return None, _("The date “{date}” has no year.")
    start_year = left.year or (end_year - 1 if left.month > right.month else end_year)
    try:
        start = date(start_year, left.month, left.day)
        end = date(end_year, right.month, right.day)
    except ValueError:
        return None, _("The date “{date}” is not a day of the calendar.")
    if end < start:
        return None, _("The date “{date}” ends before it starts.")
    problem = (_("The date “{date}” could be read day first or month first; it was read day "
                 "first.")
               if left.either_way or right.either_way else "")
    return (When("range", start, end) if end > start else When("day", start=start)), problem
