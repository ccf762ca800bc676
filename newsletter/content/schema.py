"""The schema of an issue's source files (``it.yaml`` and its translations).

The primary edition holds the structure (dates, tags, images); a
translation holds only text, keyed by the primary edition's item ids.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from newsletter.core.i18n import _

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(_(
            "{value!r} is not a valid id: use lowercase letters, digits and hyphens, "
            "e.g. luci-d-artista").format(value=value))
    return value


# Line breaks and invisible controls in a one-line field (a title ends up in
# a Subject header, a PDF bookmark, an HTML <title>): refused with their name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In a body (Markdown, several lines) only line breaks and tabs are allowed.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _explain_control(found: str) -> str:
    names = {"\n": _("a line break"), "\r": _("a line break (carriage return)"), "\t": _("a tab"),
             "\x00": _("a NUL character"), "\u2028": _("a line separator (U+2028)"),
             "\u2029": _("a paragraph separator (U+2029)")}
    return names.get(found, _("an invisible control character (U+{code})").format(
        code=f"{ord(found):04X}"))


def _one_line(value: str) -> str:
    if found := _CONTROL.search(value):
        raise ValueError(_("contains {character}: write it on one line, as plain text (retype "
                           "it if it was pasted from another program)").format(
            character=_explain_control(found.group())))
    return value


def _body(value: str) -> str:
    if found := _BODY_CONTROL.search(value):
        raise ValueError(_("contains {character}, which is not text: delete it (retype the "
                           "passage if it was pasted from another program)").format(
            character=_explain_control(found.group())))
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1),
                 AfterValidator(_one_line)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1),
                 AfterValidator(_body)]
Slug = Annotated[str, AfterValidator(_slug)]
DateValue = Any  # parsed by newsletter.dates, which explains its errors
# What an item is, for the yearly report: an event in Torino, a mission
# abroad, a delegation received, a call or deadline, anything else.
Kind = Literal["event", "mission", "delegation", "call", "other"]
# An ISO 3166-1 alpha-2 code; the reader checks it against CLDR's list and
# suggests the code meant (newsletter.content.places).
CountryCode = Text


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


class PlaceSource(Strict):
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 code, e.g. BE")
    city: Text | None = None


class TopNewsSource(Strict):
    id: Slug
    title: Text
    date: DateValue
    body: Body
    image: ImageSource | None = None
    tags: TagsSource = TagsSource()
    recurring: bool = Field(False, description="carried into the next issue by `new --from`")
    # What the yearly report needs (all optional):
    kind: Kind | None = None
    places: list[PlaceSource] = []
    highlight: bool = Field(False, description="in primo piano in the yearly report")


class ConsulateSource(Strict):
    id: Slug
    title: Text | None = None
    date: DateValue | None = None
    body: Body
    recurring: bool = Field(False, description="carried into the next issue by `new --from`")
    kind: Kind | None = None
    places: list[PlaceSource] = []
    highlight: bool = Field(False, description="in primo piano in the yearly report")


class DelegationSource(Strict):
    id: Slug
    name: Text
    city: Text | None = None
    country: Text | None = None
    country_code: CountryCode | None = Field(None, description="ISO 3166-1 alpha-2 code")
    role: Text | None = Field(None, description="the counterpart's role, e.g. Sindaco")


class TranslatedDelegation(Strict):
    """A delegation in a translation: its text (the country code is the original's)."""

    id: Slug
    name: Text
    city: Text | None = None
    country: Text | None = None
    role: Text | None = None


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
    insights: Body | None = None
    delegations: DelegationsSource | None = None


class TranslatedItem(Strict):
    id: Slug
    title: Text
    body: Body
    image_alt: Text | None = None


class TranslatedConsulate(Strict):
    id: Slug
    title: Text | None = None
    body: Body


class TranslationSource(Strict):
    """``issues/YYYY-MM/en.yaml`` (or fr): text only, items keyed by id."""

    title: Text | None = None
    curated_by: Text | None = None
    preheader: Text | None = None
    top_news: list[TranslatedItem] = []
    consulates: list[TranslatedConsulate] = []
    insights: Body | None = None
    delegations: list[TranslatedDelegation] = []  # the same fields, translated
