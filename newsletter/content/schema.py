"""The schema of an issue's source files (``it.yaml`` and its translations).

The primary edition holds the structure (dates, tags, images); a
translation holds only text, keyed by the primary edition's item ids.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits and hyphens, "
            "e.g. luci-d-artista"
        )
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, AfterValidator(_slug)]
DateValue = Any  # parsed by newsletter.dates, which explains its errors


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ImageSource(Strict):
    file: Text = Field(description="an image file in the issue's folder")
    alt: Text = Field(description="what the image shows, for people who cannot see it")


class TagsSource(Strict):
    cities: list[Text] = []
    countries: list[Text] = []
    networks: list[Text] = []
    projects: list[Text] = []


class TopNewsSource(Strict):
    id: Slug
    title: Text
    date: DateValue
    body: Text
    image: ImageSource | None = None
    tags: TagsSource = TagsSource()


class ConsulateSource(Strict):
    id: Slug
    title: Text | None = None
    date: DateValue | None = None
    body: Text


class DelegationSource(Strict):
    id: Slug
    name: Text
    city: Text | None = None
    country: Text | None = None


class PeriodSource(Strict):
    start: str = Field(alias="from")
    end: str = Field(alias="to")


class DelegationsSource(Strict):
    period: PeriodSource
    received: list[DelegationSource] = Field(min_length=1)


class PrimarySource(Strict):
    """``issues/YYYY-MM/it.yaml``: the whole issue in the primary language."""

    month: str
    title: Text = "Work in Progress"
    curated_by: Text
    preheader: Text | None = None
    send_at: str | None = None
    top_news: list[TopNewsSource] = Field(min_length=1)
    consulates: list[ConsulateSource] = []
    insights: Text | None = None
    delegations: DelegationsSource | None = None


class TranslatedItem(Strict):
    id: Slug
    title: Text
    body: Text
    image_alt: Text | None = None


class TranslatedConsulate(Strict):
    id: Slug
    title: Text | None = None
    body: Text


class TranslationSource(Strict):
    """``issues/YYYY-MM/en.yaml`` (or fr): text only, items keyed by id."""

    title: Text | None = None
    curated_by: Text | None = None
    preheader: Text | None = None
    top_news: list[TranslatedItem] = []
    consulates: list[TranslatedConsulate] = []
    insights: Text | None = None
    delegations: list[DelegationSource] = []  # the same fields, translated
