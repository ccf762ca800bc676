"""The content model: an Issue (one month) and its language Editions, made
of Items, as the renderers see them once the source is validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from newsletter.content.dates import When


@dataclass(frozen=True)
class Image:
    file: Path
    alt: str


@dataclass(frozen=True)
class Tags:
    """Cities, countries, networks and projects: they feed search and the yearly report."""

    cities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return self.cities + self.countries + self.networks + self.projects


@dataclass(frozen=True)
class Place:
    """Where an item happens: an ISO 3166-1 alpha-2 code (named per language
    by ``places.country_name``) and, optionally, a city as the source writes it."""

    country: str
    city: str | None = None


@dataclass(frozen=True)
class Item:
    """A Top News item or a consulate's note, in one language.

    ``lang`` is the language its text is in: a translation that lacks the
    item falls back to the primary edition's text (and says so).
    """

    id: str
    title: str | None
    when: When | None
    body: str
    lang: str
    image: Image | None = None
    tags: Tags = field(default_factory=Tags)
    # for the yearly report: what it is (schema.Kind), where, "in primo piano"
    kind: str | None = None
    places: tuple[Place, ...] = ()
    highlight: bool = False


@dataclass(frozen=True)
class Delegation:
    """A delegation received; ``country`` is the source's text or, when it
    gives only ``country_code``, the country's name in the edition's language."""

    id: str
    name: str
    city: str | None
    country: str | None
    lang: str
    country_code: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Delegations:
    start: date
    end: date
    received: tuple[Delegation, ...]


@dataclass(frozen=True)
class Edition:
    """One language of an issue, ready to render."""

    lang: str
    month: date
    title: str
    curated_by: str
    preheader: str | None
    top_news: tuple[Item, ...]
    consulates: tuple[Item, ...]
    insights: str | None
    delegations: Delegations | None
    missing: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Issue:
    """A month's bulletin: its primary edition and whatever translations exist."""

    month: date
    folder: Path
    send_at: datetime | None
    editions: dict[str, Edition]

    @property
    def slug(self) -> str:
        return f"{self.month:%Y-%m}"
