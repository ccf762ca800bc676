"""Dates are data: the kinds of date the bulletin uses, parsed from the
source and rendered per language exactly as the office writes them.

    day        2 dicembre               December 2nd                  2 décembre
    range      27–30 novembre           November 27th–30th            27-30 novembre
    until      fino al 14 gennaio       until January 14th            jusqu'au 14 janvier
    from       a partire dal 9 dicembre from December 9th             à partir du 9 décembre
    by         entro il 31 dicembre     by December 31st              avant le 31 décembre
    month      dicembre                 December                      décembre

The year is shown when the date is in an earlier year than the issue's
month, or more than six months after it; a range across years always shows
both years.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from babel.dates import get_month_names

from newsletter.core.i18n import _, current_language

Kind = Literal["day", "range", "until", "from", "by", "month"]
KIND_BY_KEYS = {("from", "to"): "range", ("from",): "from", ("until",): "until", ("by",): "by"}


class DateError(ValueError):
    """A date in the source is malformed; ``key`` is the sub-field at fault."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class When:
    """A structured date: a day, a range, an open or closed bound, a month."""

    kind: Kind
    start: date | None = None
    end: date | None = None

    @property
    def first_day(self) -> date:
        """The earliest day the date refers to, for sorting and search."""
        return self.start or self.end  # type: ignore[return-value]


# -- parsing ---------------------------------------------------------------

_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_day(value: object, key: str = "") -> date:
    """Parse ``YYYY-MM-DD``, explaining an impossible day in words."""
    if isinstance(value, date):
        return value
    match = _DAY.match(str(value).strip())
    if not match:
        raise DateError(_("{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2023-12-02")
                        .format(value=value), key)
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise DateError(_("{value!r}: there is no month {month}").format(value=value, month=month),
                        key)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = get_month_names("wide", locale=current_language())[month]
        raise DateError(_("{value!r}: {month} {year} has {last} days, there is no day {day}")
                        .format(value=value, month=name, year=year, last=last, day=day), key)
    return date(year, month, day)


def parse_month(value: object, key: str = "") -> date:
    """Parse ``YYYY-MM`` into the first day of that month."""
    match = _MONTH.match(str(value).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DateError(_("{value!r} is not a month: write it as YYYY-MM, e.g. 2023-12")
                        .format(value=value), key)
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_when(value: object) -> When:
    """Read a date as the editor writes it in the YAML source.

    ``2023-12-02`` (day), ``2023-12`` (month), ``{from: …, to: …}`` (range),
    ``{from: …}`` (open), ``{until: …}``, ``{by: …}`` (deadline).
    """
    if isinstance(value, dict):
        return _parse_mapping(value)
    text = str(value).strip()
    if _MONTH.match(text):
        return When("month", start=parse_month(text))
    return When("day", start=parse_day(text))


def _parse_mapping(value: dict) -> When:
    keys = tuple(key for key in ("from", "to", "until", "by") if key in value)
    kind = KIND_BY_KEYS.get(keys) if len(keys) == len(value) else None
    if kind is None:
        raise DateError(_(
            "{{{keys}}} is not a date: use one of {{from: YYYY-MM-DD, to: YYYY-MM-DD}}, "
            "{{from: …}}, {{until: …}}, {{by: …}}").format(keys=", ".join(map(str, value))))
    days = {key: parse_day(value[key], key) for key in keys}
    if kind == "range":
        start, end = days["from"], days["to"]
        if end < start:
            raise DateError(_("the range ends ({end}) before it starts ({start})").format(
                end=end, start=start), "to")
        return When("day", start=start) if end == start else When("range", start, end)
    if kind == "from":
        return When("from", start=days["from"])
    return When(kind, end=days[kind])  # type: ignore[arg-type]


def fold(word: str) -> str:
    """A word without accents, case or final dot: "Décembre" and "decembre." match."""
    decomposed = unicodedata.normalize("NFD", word.strip().rstrip("."))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@cache
def month_numbers(lang: str) -> dict[str, int]:
    """Every spelling of each month in ``lang`` (CLDR, through Babel): full,
    abbreviated, folded (``fold``)."""
    names = {"sept": 9} if lang == "en" else {}
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale=lang).items():
            names[fold(name)] = number
    return names


# -- rendering -------------------------------------------------------------


@cache
def month_name(month: int, lang: str) -> str:
    return get_month_names("wide", locale=lang)[month]


def ordinal_day(day: int, lang: str) -> str:
    """1° (it), 1er (fr), 1st/2nd/3rd/4th/11th/21st (en)."""
    if lang == "en":
        suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return f"{day}{suffix}"
    if day == 1:
        return "1°" if lang == "it" else "1er"
    return str(day)


def _show_year(day: date, issue_month: date) -> bool:
    """A date of an earlier year than the issue's month ("25 ottobre" under
    "Top News gennaio 2024" would read as the coming October), or more than
    six months after it, says its year."""
    months_ahead = (day.year - issue_month.year) * 12 + day.month - issue_month.month
    return day.year < issue_month.year or months_ahead > 6


def format_day(day: date, lang: str, with_year: bool = False) -> str:
    """"2 dicembre", "December 2nd", "2 décembre", with the year if asked."""
    if lang == "en":
        text = f"{month_name(day.month, lang)} {ordinal_day(day.day, lang)}"
        return f"{text}, {day.year}" if with_year else text
    text = f"{ordinal_day(day.day, lang)} {month_name(day.month, lang)}"
    return f"{text} {day.year}" if with_year else text


def format_month(month: date, lang: str, with_year: bool = False) -> str:
    name = month_name(month.month, lang)
    return f"{name} {month.year}" if with_year else name


def issue_month_title(month: date, lang: str) -> str:
    """The masthead's month: "Dicembre 2023", "December 2023", "Décembre 2023"."""
    return format_month(month, lang, with_year=True).capitalize()


def format_range(start: date, end: date, lang: str, issue_month: date) -> str:
    if start.year != end.year:
        return f"{format_day(start, lang, True)} – {format_day(end, lang, True)}"
    with_year = _show_year(start, issue_month) or _show_year(end, issue_month)
    if start.month == end.month:
        if lang == "en":
            text = f"{format_day(start, lang)}–{ordinal_day(end.day, lang)}"
            return f"{text}, {end.year}" if with_year else text
        dash = "–" if lang == "it" else "-"
        text = f"{ordinal_day(start.day, lang)}{dash}{format_day(end, lang)}"
        return f"{text} {end.year}" if with_year else text
    return f"{format_day(start, lang)} – {format_day(end, lang, with_year)}"


# Italian articulated prepositions elide before a vowel: "all'8", "dall'11".
_IT_ELIDED = {8, 11}
_BOUNDS = {
    "until": {"it": ("fino al", "fino all'"), "en": "until", "fr": "jusqu'au"},
    "from": {"it": ("a partire dal", "a partire dall'"), "en": "from", "fr": "à partir du"},
    "by": {"it": ("entro il", "entro l'"), "en": "by", "fr": "avant le"},
}


def _bounded(kind: str, day: date, lang: str, with_year: bool) -> str:
    words = _BOUNDS[kind][lang]
    text = format_day(day, lang, with_year)
    if lang == "it":
        plain, elided = words
        return f"{elided}{text}" if day.day in _IT_ELIDED else f"{plain} {text}"
    return f"{words} {text}"


def format_when(when: When, lang: str, issue_month: date) -> str:
    """Render a structured date in ``lang`` for the issue of ``issue_month``."""
    if when.kind == "day":
        return format_day(when.start, lang, _show_year(when.start, issue_month))
    if when.kind == "month":
        return format_month(when.start, lang, _show_year(when.start, issue_month))
    if when.kind == "range":
        return format_range(when.start, when.end, lang, issue_month)
    day = when.start if when.kind == "from" else when.end
    return _bounded(when.kind, day, lang, _show_year(day, issue_month))


def format_period(start: date, end: date, lang: str, issue_month: date) -> str:
    """The delegations' period: "dal 1° al 30 novembre", "from November 1st to 30th";
    the year, when shown, once at the end unless the period spans two years."""
    across_years = start.year != end.year
    with_year = across_years or _show_year(start, issue_month) or _show_year(end, issue_month)
    same_month = (start.year, start.month) == (end.year, end.month)
    if lang == "en":
        first = format_day(start, lang, across_years)
        if not same_month:
            return f"from {first} to {format_day(end, lang, with_year)}"
        last = ordinal_day(end.day, lang)
        return f"from {first} to {last}, {end.year}" if with_year else f"from {first} to {last}"
    first = ordinal_day(start.day, lang) if same_month else format_day(start, lang, across_years)
    last = format_day(end, lang, with_year)
    if lang == "fr":
        return f"du {first} au {last}"
    dal = "dall'" if start.day in _IT_ELIDED else "dal "
    al = "all'" if end.day in _IT_ELIDED else "al "
    return f"{dal}{first} {al}{last}"
