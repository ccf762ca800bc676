"""Between the source's data and the forms: the values a form shows for an
item or for the issue's own fields, and the changes a submitted form makes
(as paths and values for ``editing.set_value``). The schema stays the
content package's: a form writes the same keys a person would type, and
`check` judges the result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from newsletter.content import known_months
from newsletter.content.dates import parse_month
from newsletter.content.places import country_codes, country_name, is_country, unknown_country
from newsletter.content.source_dates import (
    DATE_KINDS,
    NO_DATE,
    DateInvalid,
    date_from_source,
    date_shown,
    date_to_source,
)
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

TAG_KINDS = ("cities", "countries", "networks", "projects")
DATE_FIELDS = sorted({name for kind in DATE_KINDS for name in kind.fields})
META_TEXT = ("title", "curated_by", "preheader", "send_at", "insights")
LIMIT = 20000  # characters of one field: far above any real item
ITEM_KINDS = ("event", "mission", "delegation", "call", "other")  # schema.Kind
PLACE_ROWS = 50  # the most place rows a form is read for
NO_COUNTRY = "-"  # the delegation's country select: neither a code nor a name


class FieldInvalid(NewsletterError):
    """A form's value the source cannot take; ``field`` is the one at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _clean(form: Mapping, name: str) -> str:
    value = str(form.get(name, "") or "")[:LIMIT].replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


# -- the issue's own fields -----------------------------------------------------------


def metadata_values(data: Mapping) -> dict[str, str]:
    values = {name: _text(data.get(name)) for name in META_TEXT}
    period = (data.get("delegations") or {}).get("period") or {}
    values["period_from"] = _text(period.get("from"))
    values["period_to"] = _text(period.get("to"))
    return values


def metadata_from(form: Mapping) -> dict[str, str]:
    return {name: _clean(form, name) for name in (*META_TEXT, "period_from", "period_to")}


def metadata_changes(values: Mapping[str, str]) -> list[tuple[tuple, object]]:
    changes: list[tuple[tuple, object]] = [((name,), values[name] or None) for name in META_TEXT
                                           if name != "title" or values[name]]
    if values["period_from"] or values["period_to"]:
        try:
            period = date_to_source("range", {"from": values["period_from"],
                                              "to": values["period_to"]})
        except DateInvalid as exc:
            raise DateInvalid(str(exc), "period") from None
        changes.append((("delegations", "period"), period))
    return changes


# -- items ----------------------------------------------------------------------------------


def empty_item(section: str) -> dict[str, str]:
    values = {"title": "", "body": "", "date_kind": "day" if section == "top_news" else NO_DATE,
              "image_file": "", "image_alt": "", "image_remove": "", "recurring": "", "name": "", "city": "",
              "country": "", "country_code": "", "role": "", "kind": "", "highlight": ""}
    values.update({f"date_{name}": "" for name in DATE_FIELDS})
    values.update({f"tags_{kind}": "" for kind in TAG_KINDS})
    return values


def item_values(section: str, entry: Mapping, config: Config, month: str) -> dict:
    """What the form shows for an item as it is in the file."""
    values: dict = empty_item(section)
    for name in ("title", "body", "name", "city", "country", "country_code", "role", "kind"):
        values[name] = _text(entry.get(name))
    values["country_code"] = values["country_code"].strip().upper()
    values["highlight"] = "1" if entry.get("highlight") else ""
    values["places"] = [{"country": _text(place.get("country")).strip().upper(),
                         "city": _text(place.get("city"))}
                        for place in entry.get("places") or [] if isinstance(place, Mapping)]
    kind, fields = date_from_source(entry.get("date"))
    values["date_kind"] = kind
    values.update({f"date_{name}": value for name, value in fields.items()})
    image = entry.get("image") or {}
    values["image_file"] = _text(image.get("file"))
    values["image_alt"] = _text(image.get("alt"))
    tags = entry.get("tags") or {}
    for kind_name in TAG_KINDS:
        values[f"tags_{kind_name}"] = ", ".join(_text(t) for t in tags.get(kind_name) or [])
    values["recurring"] = "1" if entry.get("recurring") else ""
    return values


def item_from(section: str, form: Mapping) -> dict:
    """The values a submitted form carries (kept as typed, to show them again)."""
    values: dict = {name: _clean(form, name) for name in empty_item(section)}
    values["body"] = str(form.get("body", "") or "")[:LIMIT].replace("\r\n", "\n").strip("\n")
    values["recurring"] = "1" if form.get("recurring") else ""
    values["highlight"] = "1" if form.get("highlight") else ""
    values["country_code"] = values["country_code"].upper()
    values["places"] = [{"country": _clean(form, f"place_country_{i}").upper(),
                         "city": _clean(form, f"place_city_{i}")} for i in range(PLACE_ROWS)]
    values["places"] = [p for p in values["places"] if p["country"] or p["city"]]
    if values["date_kind"] not in {kind.key for kind in DATE_KINDS} | {NO_DATE}:
        values["date_kind"] = NO_DATE
    return values


def item_changes(section: str, values: Mapping[str, str], month: str) -> list[tuple[tuple, object]]:
    """The submitted form as (path, value) pairs; DateInvalid for a wrong date."""
    if section == "delegations":
        return _delegation_changes(values)
    if values.get("kind") and values["kind"] not in ITEM_KINDS:
        raise FieldInvalid(_("{value!r} is not a kind of item: choose one of the list").format(
            value=values["kind"]), "kind")
    changes: list[tuple[tuple, object]] = [
        (("title",), values["title"] or None),
        (("date",), date_to_source(values["date_kind"], _date_values(values))),
        (("body",), values["body"] or None),
        (("recurring",), True if values["recurring"] else None),
        (("kind",), values.get("kind") or None),
        (("places",), _places(values.get("places") or [])),
        (("highlight",), True if values.get("highlight") else None),
    ]
    if section == "top_news":
        if values["image_file"]:
            changes.append((("image", "alt"), values["image_alt"] or None))
        elif values.get("image_remove"):
            changes.append((("image",), None))
        for kind in TAG_KINDS:
            changes.append((("tags", kind), _tags(values[f"tags_{kind}"])))
    return changes


def _delegation_changes(values: Mapping) -> list[tuple[tuple, object]]:
    changes: list[tuple[tuple, object]] = [((name,), values[name] or None)
                                           for name in ("name", "city")]
    code = values.get("country_code", "")
    if code in ("", NO_COUNTRY):  # no code: the name as written kept, or nothing
        changes += [(("country_code",), None),
                     (("country",), None if code else values.get("country") or None)]
    elif is_country(code):  # the names come from CLDR, in every language
        changes += [(("country_code",), code), (("country",), None)]
    else:
        raise FieldInvalid(unknown_country(code), "country_code")
    changes.append((("role",), values.get("role") or None))
    return changes


def _places(rows: list[Mapping]) -> CommentedSeq | None:
    """The places rows with a country, as the source writes them:
    ``[{country: IT, city: Torino}]``; rows without a country are ignored."""
    found = CommentedSeq()
    for row in rows:
        code = row.get("country", "")
        if not code:
            continue
        if not is_country(code):
            raise FieldInvalid(unknown_country(code), "places")
        place = CommentedMap(country=code)
        if row.get("city"):
            place["city"] = row["city"]
        place.fa.set_flow_style()
        found.append(place)
    if not found:
        return None
    if all(len(place) > 1 for place in found):  # else a lone "country: FR" reads badly
        found.fa.set_flow_style()
    return found


@cache
def country_options(lang: str) -> list[tuple[str, str]]:
    """Every ISO code with its name in ``lang``, sorted by the name."""
    return sorted(((code, country_name(code, lang)) for code in country_codes()),
                  key=lambda option: option[1].casefold())


def item_entry(section: str, values: Mapping[str, str], month: str) -> CommentedMap:
    """A new item from a form: the id first (set by the caller), then the fields."""
    entry = CommentedMap(id="")
    for path, value in item_changes(section, values, month):
        if value in (None, "", []):
            continue
        holder = entry
        for part in path[:-1]:
            holder = holder.setdefault(part, CommentedMap())
        holder[path[-1]] = value
    return entry


def _date_values(values: Mapping[str, str]) -> dict[str, str]:
    return {name: values.get(f"date_{name}", "") for name in DATE_FIELDS}


def _tags(text: str) -> list[str] | None:
    tags = [" ".join(t.split()) for t in text.replace(";", ",").split(",")]
    return [t for t in dict.fromkeys(tags) if t] or None


def dates_shown(values: Mapping[str, str], config: Config, month: str) -> list[tuple[str, str]]:
    """The date as each edition will print it, or why it cannot be."""
    try:
        value = date_to_source(values.get("date_kind", NO_DATE), _date_values(values))
        first = parse_month(month)
        return [(lang, date_shown(value, lang, first)) for lang in config.languages]
    except DateInvalid as exc:
        return [("", str(exc))]


# -- suggestions ------------------------------------------------------------------------------


def tag_suggestions(config: Config) -> dict[str, list[str]]:
    """The tags of earlier issues, by kind, for the fields' suggestions."""
    folder = config.issues_dir
    stamp = tuple((m, (folder / m / f"{config.primary_language}.yaml").stat().st_mtime_ns)
                  for m in known_months(config)
                  if (folder / m / f"{config.primary_language}.yaml").is_file())
    return _suggestions(str(folder), config.primary_language, stamp)


@cache
def _suggestions(folder: str, primary: str, stamp: tuple) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in TAG_KINDS}
    for month, _mtime in stamp:
        try:
            with open(f"{folder}/{month}/{primary}.yaml", encoding="utf-8") as source:
                data = yaml.safe_load(source) or {}
        except (OSError, yaml.YAMLError):
            continue
        for entry in data.get("top_news") or [] if isinstance(data, dict) else []:
            tags = entry.get("tags") if isinstance(entry, dict) else None
            for kind in TAG_KINDS:
                for tag in (tags or {}).get(kind) or [] if isinstance(tags, dict) else []:
                    if isinstance(tag, str):
                        found[kind].add(tag)
    return {kind: sorted(tags, key=str.casefold) for kind, tags in found.items()}

