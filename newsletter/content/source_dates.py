"""The kinds of ``date:`` an editor chooses in a form, turned into the YAML
value the reader accepts (``dates.parse_when``) and back.

The kinds are the grammar's (``dates.Kind``); the DESIGN table's "range
across months" and "first of month" are ways a ``range`` and a ``day`` are
printed, not kinds of their own. A form's fields hold text as an HTML date
input gives it: ``YYYY-MM-DD``, or ``YYYY-MM`` for a month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ruamel.yaml.comments import CommentedMap

from newsletter.content.dates import DateError, format_when, parse_day, parse_month, parse_when
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

NO_DATE = "none"  # a consulate's note may have no date: date_to_source gives None


@dataclass(frozen=True)
class DateKind:
    """One choice of the date form: its stable ``key`` and the fields it needs."""

    key: str
    fields: tuple[str, ...]

    @property
    def label(self) -> str:
        """The kind in the editor's words, in the messages' language."""
        return _label(self.key)


DATE_KINDS: tuple[DateKind, ...] = (
    DateKind("day", ("day",)),
    DateKind("range", ("from", "to")),
    DateKind("until", ("until",)),
    DateKind("from", ("from",)),
    DateKind("by", ("by",)),
    DateKind("month", ("month",)),
)
_BY_KEY = {kind.key: kind for kind in DATE_KINDS}


class DateInvalid(NewsletterError):
    """A date form's value is missing or wrong; ``field`` is the one at fault."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _label(key: str) -> str:
    return {"day": _("a day"), "range": _("from one day to another"),
            "until": _("until a day"), "from": _("from a day on (open-ended)"),
            "by": _("by a deadline"), "month": _("the whole month"),
            NO_DATE: _("no date")}[key]


def _field_name(field: str) -> str:
    return {"day": _("the day"), "from": _("the first day"), "to": _("the last day"),
            "until": _("the last day"), "by": _("the deadline"), "month": _("the month")}[field]


def date_to_source(kind: str, values: Mapping[str, str]):
    """The YAML value of a date chosen in a form: ``"2023-12-02"``, ``"2023-12"``
    or a flow map such as ``{from: 2023-11-29, to: 2023-11-30}``; None for
    ``NO_DATE``. DateInvalid says which field is missing or wrong, and why."""
    if kind == NO_DATE:
        return None
    if kind not in _BY_KEY:
        raise DateInvalid(_("{kind!r} is not a kind of date: choose one of {kinds}").format(
            kind=kind, kinds=", ".join(_BY_KEY)))
    days = {field: _value(field, values.get(field)) for field in _BY_KEY[kind].fields}
    if kind in ("day", "month"):
        return days[kind]
    value = CommentedMap(days)
    value.fa.set_flow_style()
    try:
        parse_when(dict(value))
    except DateError as exc:
        raise DateInvalid(str(exc), exc.key) from None
    return value


def _value(field: str, raw: object) -> str:
    text = raw.isoformat() if isinstance(raw, date) else str(raw or "").strip()
    if not text:
        message = _("{what} is missing: choose a month") if field == "month" else _(
            "{what} is missing: choose a day")
        raise DateInvalid(message.format(what=_field_name(field)), field)
    try:
        parsed = parse_month(text, field) if field == "month" else parse_day(text, field)
    except DateError as exc:
        raise DateInvalid(_("{what}: {reason}").format(what=_field_name(field), reason=exc),
                          field) from None
    return f"{parsed:%Y-%m}" if field == "month" else parsed.isoformat()


def date_from_source(value: object) -> tuple[str, dict[str, str]]:
    """The form's kind and fields for a ``date:`` value as it is in the file
    (the inverse of ``date_to_source``). A value the grammar does not accept
    is given back as well as it can be, for the editor to correct."""
    if value is None or value == "":
        return NO_DATE, {}
    if isinstance(value, Mapping):
        fields = {str(key): _text(day) for key, day in value.items()}
        for kind in DATE_KINDS:
            if kind.key != "day" and set(fields) == set(kind.fields):
                return kind.key, fields
        return "range", {"from": fields.get("from", ""), "to": fields.get("to", "")}
    text = _text(value)
    try:
        when = parse_when(text)
    except DateError:
        return "day", {"day": text}
    return ("month", {"month": text}) if when.kind == "month" else ("day", {"day": text})


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value).strip()


def date_shown(value: object, lang: str, issue_month: date) -> str:
    """The date as the edition in ``lang`` of the issue of ``issue_month`` prints
    it ("" for no date)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Mapping):
        value = {str(key): _text(day) for key, day in value.items()}
    else:
        value = _text(value)
    try:
        return format_when(parse_when(value), lang, issue_month)
    except DateError as exc:
        raise DateInvalid(str(exc), exc.key) from None
