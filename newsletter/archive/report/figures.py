"""Every figure the report prints, computed from the year's items: nothing
here is typed by hand, so the report cannot disagree with the bulletins."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsletter.content.yearly import Entry, Visit, Year

MONTHS = tuple(range(1, 13))


@dataclass(frozen=True)
class Tagged:
    """A network or a project, with the entries that mention it (date order)."""

    name: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class CountryCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class Figures:
    """The year in numbers and selections; months are 1–12, lists of 12."""

    year: int
    delegations: int
    countries: int
    delegations_by_month: tuple[int, ...]
    delegations_by_country: tuple[CountryCount, ...]
    missions: tuple[Entry, ...]
    events_by_month: tuple[tuple[Entry, ...], ...]
    highlights: tuple[Entry, ...]
    networks: tuple[Tagged, ...]
    projects: tuple[Tagged, ...]
    activity_by_month: tuple[int, ...]
    visits: tuple[Visit, ...]

    @property
    def mission_countries(self) -> tuple[str, ...]:
        """The ISO codes of the countries the missions went to."""
        return tuple(dict.fromkeys(p.country for e in self.missions for p in e.places if p.country))


def compute(year: Year, highlights: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Figures:
    """The figures of ``year``; ``highlights`` (ids, in the office's order)
    replaces the entries flagged ``highlight``, ``exclude`` drops entries
    and delegations from every figure."""
    entries = tuple(e for e in year.entries if e.id not in exclude)
    visits = tuple(v for v in year.visits if v.id not in exclude
                   and v.month.startswith(f"{year.year}-"))
    events = tuple(e for e in entries if e.kind == "event")
    return Figures(
        year=year.year,
        delegations=len(visits),
        countries=len({_country_key(v) for v in visits} - {None}),
        delegations_by_month=_per_month(int(v.month[5:7]) for v in visits),
        delegations_by_country=_by_country(visits),
        missions=tuple(e for e in entries if e.kind == "mission"),
        events_by_month=tuple(tuple(e for e in events if month_of(e, year.year) == m) for m in MONTHS),
        highlights=_highlights(entries, highlights),
        networks=_tagged(entries, lambda e: e.tags.networks),
        projects=_tagged(entries, lambda e: e.tags.projects),
        activity_by_month=_per_month(month_of(e, year.year) for e in entries),
        visits=visits,
    )


def month_of(entry: Entry, year: int) -> int:
    """The month an entry counts in: the month it starts, brought within
    ``year`` (an event that began the year before counts in January), or the
    first issue that reported it when it has no date."""
    if entry.start is not None:
        return _within(entry.start, year)
    if entry.end is not None:
        return _within(entry.end, year)
    months = [int(m[5:7]) for m in entry.months if m.startswith(f"{year}-")]
    return min(months) if months else 1


def _within(day: date, year: int) -> int:
    if day.year < year:
        return 1
    return 12 if day.year > year else day.month


def _per_month(months) -> tuple[int, ...]:
    counted = Counter(months)
    return tuple(counted.get(m, 0) for m in MONTHS)


def _country_key(visit: Visit) -> str | None:
    """The ISO code, or the name where the source has none (``report --check``
    lists those); None when the delegation's country is unknown."""
    return visit.country_code or (visit.country.casefold() if visit.country else None)


def _by_country(visits: tuple[Visit, ...]) -> tuple[CountryCount, ...]:
    """Most delegations first, then by the country's name; delegations of
    unknown country are counted in the total only."""
    counted = Counter(_country_key(v) for v in visits if _country_key(v))
    named = {_country_key(v): v for v in visits}
    rows = [CountryCount(named[key].country_code or "", named[key].country or "", count)
            for key, count in counted.items()]
    return tuple(sorted(rows, key=lambda r: (-r.count, r.name.casefold())))


def _highlights(entries: tuple[Entry, ...], chosen: tuple[str, ...]) -> tuple[Entry, ...]:
    if not chosen:
        return tuple(e for e in entries if e.highlight)
    by_id = {e.id: e for e in entries}
    return tuple(by_id[i] for i in chosen if i in by_id)


def _tagged(entries: tuple[Entry, ...], tags) -> tuple[Tagged, ...]:
    mentioned: dict[str, list[Entry]] = {}
    for entry in entries:
        for name in tags(entry):
            mentioned.setdefault(name, []).append(entry)
    return tuple(Tagged(name, tuple(found))
                 for name, found in sorted(mentioned.items(), key=lambda kv: kv[0].casefold()))
