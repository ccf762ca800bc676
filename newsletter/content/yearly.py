"""The year compiled from its monthly issues: what the yearly report queries.

How an item is recognised across months: by its id (editors keep ids, and
`newsletter new --from` copies them), within one event — two sightings of an
id are the same event when their dates overlap or touch, or when they are
in consecutive issues (carried over, or its date corrected). An id seen
again months later with other dates (Luci d'Artista every winter) is another
event, with an entry of its own. The sightings of one event make one Entry:
the latest issue's version wins (text, dates, kind, places, highlight), the
months it appeared in are united, its source is its first appearance. Where
two issues date one event differently, ``year_warnings`` (and `check`) say so.

An entry belongs to every year its dates touch: the December issue of the
year before and the January issue of the year after are read too, for items
that run into the year and for the delegations received in its last month
(an issue lists those received in its period, usually the month before).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from newsletter.content.dates import When
from newsletter.content.model import Delegation, Item, Place, Tags
from newsletter.content.places import country_name
from newsletter.content.reader import (
    Checked,
    Sighting,
    check_issue,
    disagreement,
    disagreements,
    display_path,
    known_months,
    same_events,
    sightings,
    year_sightings,
)
from newsletter.core.config import Config
from newsletter.core.errors import Problem
from newsletter.core.i18n import _, current_language

REPORTED_KINDS = ("event", "mission")  # the kinds whose places the report maps


@dataclass(frozen=True)
class Entry:
    """One event of the year, however many issues reported it."""

    id: str
    title: str
    kind: str | None
    when: When | None
    start: date | None
    end: date | None  # None for an open-ended item
    body: str  # Markdown
    places: tuple[Place, ...]
    highlight: bool
    tags: Tags
    months: tuple[str, ...]  # YYYY-MM of the issues it appeared in
    lang: str  # the language its text is in
    source: str  # file:line of its first appearance


@dataclass(frozen=True)
class Visit:
    """A delegation received; ``month`` is when: its issue's period (its first month)."""

    id: str
    name: str
    country_code: str | None
    country: str | None  # in the report's language
    city: str | None
    role: str | None
    month: str
    lang: str


@dataclass(frozen=True)
class Year:
    """The year in ``lang``: its entries in date order, its visits in month order."""

    year: int
    lang: str
    entries: tuple[Entry, ...]
    visits: tuple[Visit, ...]
    issues: tuple[str, ...]  # the months read
    missing: tuple[str, ...]  # months with no issue, or none usable in ``lang``
    problems: tuple[Problem, ...] = ()  # the errors of the issues left out


@dataclass(frozen=True)
class _Read:
    """One issue as the year sees it: validated, and its raw sightings."""

    month: str
    checked: Checked
    sightings: tuple[Sighting, ...]


def compile_year(config: Config, year: int, lang: str) -> Year:
    """The year's entries and visits from the issues that have a complete
    ``lang`` edition; an issue with errors is left out and its errors kept."""
    months, missing, problems = [], [], []
    found: list[tuple[Sighting, Item]] = []
    visits: dict[tuple[str, str], Visit] = {}
    for read in _year_and_neighbours(config, year):
        in_year = read.month.startswith(f"{year}-")
        edition = read.checked.issue.editions.get(lang) if read.checked.issue else None
        if read.checked.errors and in_year:
            problems += read.checked.errors
        if edition is None or not edition.complete:
            if in_year:
                missing.append(read.month)
            continue
        if in_year:
            months.append(read.month)
        items = {item.id: item for item in (*edition.top_news, *edition.consulates)}
        found += [(s, items[s.id]) for s in read.sightings if s.id in items]
        for visit in _visits(edition.delegations, lang):
            if visit.month.startswith(f"{year}-"):
                visits[(visit.month, visit.id)] = visit
    present = {read.month for read in _year_and_neighbours(config, year)}
    missing += [m for m in _months(year) if m not in present]
    return Year(year, lang, _entries(found, year), tuple(sorted(visits.values(),
                                                                key=lambda v: v.month)),
                tuple(months), tuple(sorted(missing)), tuple(problems))


def year_warnings(config: Config, year: int) -> list[Problem]:
    """Where two issues of ``year`` date the same event differently: a warning
    at the later one, naming the earlier's file and line."""
    events = same_events(year_sightings(config, year))
    return [disagreement(later, earlier) for earlier, later in disagreements(events)]


def report_gaps(config: Config, year: int) -> list[Problem]:
    """What a good report still needs, each located: items without a kind,
    events and missions without places, delegations without a country code,
    no highlight in the year, months with no issue (and issues with errors)."""
    gaps: list[Problem] = []
    latest: dict[str, tuple[Sighting, Item]] = {}
    highlighted = False
    for read in _year_and_neighbours(config, year):
        if not read.month.startswith(f"{year}-"):
            continue
        gaps += read.checked.errors
        if read.checked.issue is None:
            continue
        edition = read.checked.issue.editions[config.primary_language]
        items = {item.id: item for item in (*edition.top_news, *edition.consulates)}
        for sighting in read.sightings:
            if sighting.id in items:
                latest[sighting.id] = (sighting, items[sighting.id])
                highlighted = highlighted or items[sighting.id].highlight
        gaps += _delegation_gaps(read, edition.delegations)
    for sighting, item in latest.values():
        gaps += _item_gaps(sighting, item)
    if latest and not highlighted:
        gaps.append(Problem(display_path(config, config.issues_dir), None, "", _(
            "no item of {year} is marked `highlight: true`: mark the ones the report puts "
            "in primo piano").format(year=year)))
    present = {read.month for read in _year_and_neighbours(config, year)}
    gaps += [Problem(display_path(config, config.issues_dir / month), None, "", _(
        "no issue for {month}: the report has nothing from that month").format(month=month))
        for month in _months(year) if month not in present]
    return gaps


def complete_languages(config: Config, year: int) -> list[str]:
    """The languages in which every issue of ``year`` (that reads without
    errors) has a complete edition; none when the year has no issue."""
    issues = [read.checked.issue for read in _year_and_neighbours(config, year)
              if read.month.startswith(f"{year}-") and read.checked.issue is not None]
    if not issues:
        return []
    return [lang for lang in config.languages
            if all(lang in issue.editions and issue.editions[lang].complete for issue in issues)]


# -- entries ------------------------------------------------------------------


def _entries(found: list[tuple[Sighting, Item]], year: int) -> tuple[Entry, ...]:
    items = {(s.month, s.id): item for s, item in found}
    entries = []
    for event in same_events([s for s, _item in found]):
        if any(s.span[0].year <= year <= s.span[1].year for s in event):
            entries.append(_entry(event, [items[(s.month, s.id)] for s in event]))
    return tuple(sorted(entries, key=_date_order))


def _entry(event: list[Sighting], items: list[Item]) -> Entry:
    first, latest = event[0], items[-1]
    start, end = _bounds(latest.when)
    return Entry(
        id=latest.id, title=latest.title or _title_from(latest.body),
        kind=latest.kind or ("other" if event[-1].section == "consulates" else None),
        when=latest.when, start=start, end=end, body=latest.body, places=latest.places,
        highlight=latest.highlight, tags=latest.tags,
        months=tuple(dict.fromkeys(f"{s.month:%Y-%m}" for s in event)), lang=latest.lang,
        source=f"{first.file}:{first.line}" if first.line else first.file,
    )


def _bounds(when: When | None) -> tuple[date | None, date | None]:
    """The first and last day of a date; None where it is open (or unknown)."""
    if when is None:
        return None, None
    if when.kind == "day":
        return when.start, when.start
    if when.kind == "month":
        following = date(when.start.year + when.start.month // 12, when.start.month % 12 + 1, 1)
        return when.start, date.fromordinal(following.toordinal() - 1)
    return when.start, when.end


def _date_order(entry: Entry):
    first = entry.start or entry.end
    if first is None:
        return (1, date.max, date.max, entry.title.casefold())
    return (0, first, entry.end or date.max, entry.title.casefold())


_SENTENCE = re.compile(r"(?<=[.!?])\s")
_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`<>]")


def _title_from(body: str, limit: int = 80) -> str:
    """A consulate's note has no title: its first sentence stands for one."""
    text = " ".join(_MARKUP.sub(lambda m: m.group(1) or "", body).split())
    sentence = _SENTENCE.split(text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit - 1].rsplit(" ", 1)[0] + "…"


# -- visits and gaps ----------------------------------------------------------


def _visits(delegations, lang: str) -> list[Visit]:
    if delegations is None:
        return []
    month = f"{delegations.start:%Y-%m}"
    return [Visit(d.id, d.name, d.country_code, _country(d, lang), d.city, d.role, month, d.lang)
            for d in delegations.received]


def _country(delegation: Delegation, lang: str) -> str | None:
    if delegation.country_code:
        return country_name(delegation.country_code, lang)
    return delegation.country


def _item_gaps(sighting: Sighting, item: Item) -> list[Problem]:
    field = sighting.field.removesuffix(".date")
    gaps = []
    if item.kind is None and sighting.section == "top_news":
        gaps.append(Problem(sighting.file, sighting.line, f"{field}.kind", _(
            "has no kind: add `kind:` event, mission, delegation, call or other, so that the "
            "report puts it in its section")))
    if item.kind in REPORTED_KINDS and not item.places:
        gaps.append(Problem(sighting.file, sighting.line, f"{field}.places", _(
            "has no places: add `places: [{{country: FR, city: Lione}}]` (an ISO 3166 code), "
            "so that the report names and maps where it happened")))
    return gaps


def _delegation_gaps(read: _Read, delegations) -> list[Problem]:
    lines = {s.id: s for s in read.sightings if s.section == "delegations"}
    gaps = []
    for delegation in delegations.received if delegations else ():
        if delegation.country_code is None and (sighting := lines.get(delegation.id)):
            gaps.append(Problem(sighting.file, sighting.line,
                                sighting.field.removesuffix(".date") + ".country_code", _(
                "has no country code: add `country_code:` (ISO 3166, e.g. FR), so that the "
                "report counts the delegation under its country")))
    return gaps


# -- reading the issues, once ---------------------------------------------------


def _months(year: int) -> list[str]:
    return [f"{year}-{month:02d}" for month in range(1, 13)]


def _year_and_neighbours(config: Config, year: int) -> list[_Read]:
    """The year's issues, with the December before and the January after, in order."""
    wanted = {f"{year - 1}-12", *_months(year), f"{year + 1}-01"}
    return [_read(config, month) for month in known_months(config) if month in wanted]


# The report reads each issue several times (every language, --check): an
# issue is read again only when one of its files changed (by content: two
# saves within a clock tick keep the same mtime).
_CACHE: dict[tuple, _Read] = {}
_CACHE_SIZE = 64


def _read(config: Config, month: str) -> _Read:
    folder = config.issues_dir / month
    signature = tuple(sorted(
        (path.name, hashlib.sha1(path.read_bytes()).hexdigest() if path.suffix in (".yaml", ".yml")
         else path.stat().st_mtime_ns) for path in folder.iterdir() if path.is_file()))
    key = (str(folder.resolve()), tuple(config.languages), current_language(), signature)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        checked = check_issue(config, month, across_year=False)  # compared by year_warnings
        _CACHE[key] = _Read(month, checked, tuple(sightings(config, month)))
    return _CACHE[key]

