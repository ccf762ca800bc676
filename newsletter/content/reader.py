"""Read and validate an issue's sources into the content model.

Every problem is reported with file, line and field, in the editor's words;
problems that do not stop a build (an unfinished translation, a link with
no target yet) are warnings.
"""

from __future__ import annotations

import calendar
import difflib
import re
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from pydantic import BaseModel, ValidationError

from newsletter.content import date_help, language, limits, markdown, places
from newsletter.content.dates import (
    DateError,
    When,
    format_when,
    parse_day,
    parse_month,
    parse_when,
)
from newsletter.content.located import LocatedData, dotted, read_yaml
from newsletter.content.model import (
    Delegation,
    Delegations,
    Edition,
    Image,
    Issue,
    Item,
    Place,
    Tags,
)
from newsletter.content.schema import PrimarySource, Strict, TranslationSource
from newsletter.core.config import Config
from newsletter.core.errors import IssueInvalid, Problem, UnknownIssue
from newsletter.core.i18n import _, current_language, ngettext

MONTH_FOLDER = re.compile(r"\A\d{4}-(0[1-9]|1[0-2])\Z")  # \Z: "$" would accept a final newline
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
PLACEHOLDER = "DA SCRIVERE"  # what `newsletter new` leaves for the editor to replace
_ISO_LIKE = re.compile(r"\A\d{4}-\d{1,2}(-\d{1,2})?\Z")  # meant as YYYY-MM(-DD), maybe impossible
UNSAFE_LINK = re.compile(r"\]\(\s*<?\s*(javascript|vbscript|data|file):", re.IGNORECASE)


@dataclass
class Checked:
    """The outcome of reading an issue: the issue if it is valid, and what was found."""

    issue: Issue | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def known_months(config: Config) -> list[str]:
    folder = config.issues_dir
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and MONTH_FOLDER.match(p.name))


def issue_folder(config: Config, month: str) -> Path:
    """The source folder of ``month``, or UnknownIssue listing the known ones."""
    folder = config.issues_dir / month
    if not MONTH_FOLDER.match(month) or not folder.is_dir():
        raise UnknownIssue(month, known_months(config))
    return folder


def load_issue(config: Config, month: str, *, draft: bool = False) -> Issue:
    """The validated issue, or IssueInvalid with every error found; the
    placeholders `newsletter new` left are errors too, unless for a ``draft``."""
    checked = check_issue(config, month, strict=not draft)
    if checked.errors:
        raise IssueInvalid(checked.errors)
    assert checked.issue is not None
    return checked.issue


def display_path(config: Config, path: Path) -> str:
    """A file as messages name it: relative to the project folder when inside it."""
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return str(path)


def check_issue(config: Config, month: str, *, strict: bool = False,
                across_year: bool = True) -> Checked:
    """Everything found in the issue's sources; ``strict``: the placeholders
    `newsletter new` left are errors (what build, schedule and send need),
    not warnings (what a preview of the draft shows); ``across_year``: warn
    where another issue of the year dates one of its events otherwise."""
    folder = issue_folder(config, month)
    reader = _IssueReader(config, folder, strict)
    checked = reader.read()
    if checked.issue is not None and across_year:
        checked.warnings += date_disagreements(config, month)
    return checked


class _IssueReader:
    def __init__(self, config: Config, folder: Path, strict: bool = False):
        self.config, self.folder, self.strict = config, folder, strict
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def display(self, name: str) -> str:
        return display_path(self.config, self.folder / name)

    def read(self) -> Checked:
        primary_lang = self.config.primary_language
        primary_file = self.folder / f"{primary_lang}.yaml"
        if not primary_file.is_file():
            self.errors.append(Problem(self.display(primary_file.name), None, "",
                                       _("missing: the primary edition's file is required")))
            return Checked(None, self.errors, self.warnings)
        self._unexpected_files()
        primary = self._validate(primary_file, PrimarySource)
        if primary is None:
            return Checked(None, self.errors, self.warnings)
        source, located = primary
        base = self._primary_edition(source, located, primary_lang)
        editions = {primary_lang: base} if base else {}
        for lang in self.config.languages[1:]:
            path = self.folder / f"{lang}.yaml"
            if path.is_file() and base and (translated := self._validate(path, TranslationSource)):
                editions[lang] = self._translation(base, lang, *translated)
        send_at = self._send_at(source, located)
        if self.errors or base is None:
            return Checked(None, self.errors, self.warnings)
        issue = Issue(base.month, self.folder, send_at, editions)
        return Checked(issue, self.errors, self.warnings)

    def _unexpected_files(self) -> None:
        for path in sorted(self.folder.glob("*.y*ml")):
            lang = path.stem
            if path.suffix == ".yml" or lang not in self.config.languages:
                self.errors.append(Problem(self.display(path.name), None, "", _(
                    "not an edition of this issue: name edition files {names}").format(
                    names=", ".join(f"{code}.yaml" for code in self.config.languages))))

    # -- validation against the schema --------------------------------------

    def _validate(self, path: Path, model: type[Strict]):
        display = self.display(path.name)
        located, problems = read_yaml(path, display)
        self.errors.extend(problems)
        if located is None:
            return None
        if not isinstance(located.data, dict):
            self.errors.append(Problem(display, 1, "", _(
                "expected fields (key: value), one per line")))
            return None
        self._placeholders(path, display, located)
        self.warnings += limits.length_warnings(located, display)
        try:
            return model.model_validate(located.data), located
        except ValidationError as exc:
            self.errors.extend(_explain(exc, located, display, model))
            return None

    def _placeholders(self, path: Path, display: str, located: LocatedData) -> None:
        # The field on that line (the deepest one), so that the workspace shows
        # the problem beside it.
        fields = {}
        for where, number in located.lines.items():
            if len(where) >= len(fields.get(number, ())):
                fields[number] = where
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PLACEHOLDER in line and not line.lstrip().startswith("#"):
                found = self.errors if self.strict else self.warnings
                field = dotted(fields[number], located.data) if number in fields else ""
                found.append(Problem(display, number, field, _(
                    "still has the placeholder {placeholder!r} from `newsletter new`: replace it "
                    "with the real text (until then only `newsletter build --draft` builds the "
                    "issue)").format(placeholder=PLACEHOLDER)))

    def _problem(self, located: LocatedData, where: tuple, message: str, *, warn=False) -> None:
        display = self.display(located.path.name)
        problem = Problem(display, located.line_of(where), dotted(where, located.data), message)
        (self.warnings if warn else self.errors).append(problem)

    # -- the primary edition ------------------------------------------------

    def _primary_edition(self, src: PrimarySource, located: LocatedData, lang: str):
        month = self._month(src, located)
        ids: dict[str, tuple] = {}
        top_news = tuple(
            self._item(entry, ("top_news", i), located, lang, ids, month)
            for i, entry in enumerate(src.top_news)
        )
        consulates = tuple(
            self._item(entry, ("consulates", i), located, lang, ids, month)
            for i, entry in enumerate(src.consulates)
        )
        if src.insights:
            self._check_body(src.insights, ("insights",), located)
        delegations = self._delegations(src, located, lang, ids)
        if month is None:
            return None
        return Edition(
            lang=lang, month=month, title=src.title, curated_by=src.curated_by,
            preheader=src.preheader, top_news=top_news, consulates=consulates,
            insights=src.insights, delegations=delegations,
        )

    def _month(self, src: PrimarySource, located: LocatedData) -> date | None:
        try:
            month = parse_month(src.month)
        except DateError as exc:
            self._problem(located, ("month",), str(exc))
            return None
        if f"{month:%Y-%m}" != self.folder.name:
            self._problem(located, ("month",), _(
                "says {month} but the file is in the folder {folder}: make them agree").format(
                month=f"{month:%Y-%m}", folder=self.folder.name))
        return month

    def _item(self, entry, where, located, lang, ids, month) -> Item:
        self._unique_id(entry.id, where, located, ids)
        when = self._when(entry.date, (*where, "date"), located, month) \
            if entry.date is not None else None
        self._check_body(entry.body, (*where, "body"), located)
        image = getattr(entry, "image", None)
        return Item(
            id=entry.id, title=entry.title, when=when, body=entry.body, lang=lang,
            image=self._image(image, (*where, "image"), located) if image else None,
            tags=Tags(**{k: tuple(v) for k, v in entry.tags}) if hasattr(entry, "tags") else Tags(),
            kind=entry.kind, highlight=entry.highlight,
            places=tuple(Place(code, place.city) for i, place in enumerate(entry.places)
                         if (code := self._country(place.country, (*where, "places", i, "country"),
                                                   located))),
        )

    def _country(self, code: str, where: tuple, located: LocatedData) -> str | None:
        """The ISO code, in capitals; None (and an error with a suggestion) if unknown."""
        if places.is_country(code):
            return code.strip().upper()
        self._problem(located, where, places.unknown_country(code))
        return None

    def _unique_id(self, item_id: str, where: tuple, located: LocatedData, ids: dict) -> None:
        if item_id in ids:
            first = located.line_of((*ids[item_id], "id"))
            self._problem(located, (*where, "id"),
                          _("{id!r} is already used at line {first}: ids must be unique").format(
                              id=item_id, first=first))
        else:
            ids[item_id] = where

    def _when(self, value, where: tuple, located: LocatedData, month: date | None) -> When | None:
        try:
            return parse_when(value)
        except DateError as exc:
            wrong = value.get(exc.key) if isinstance(value, dict) and exc.key else value
            message = str(exc)
            if not isinstance(wrong, dict) and not _ISO_LIKE.match(str(wrong).strip()):
                # free text ("30 novembre - 5 dicembre"): show the form to write
                message = date_help.explain(wrong, month, exc.key if wrong is not value else "")
            self._problem(located, (*where, exc.key) if exc.key else where, message)
            return None

    def _image(self, image, where: tuple, located: LocatedData) -> Image | None:
        path = (self.folder / image.file).resolve()
        if path.parent != self.folder.resolve():
            self._problem(located, (*where, "file"),
                          _("{file!r}: put the image in the issue's folder and give its name")
                          .format(file=image.file))
        elif path.suffix.lower() not in IMAGE_SUFFIXES:
            self._problem(located, (*where, "file"),
                          _("{file!r}: use a JPEG, PNG, GIF or WebP image").format(file=image.file))
        elif not path.is_file():
            self._problem(located, (*where, "file"), _("{file!r}: no such file in {folder}/").format(
                file=image.file, folder=self.folder.name))
        else:
            return Image(path, image.alt)
        return None

    def _delegations(self, src, located, lang, ids) -> Delegations | None:
        if src.delegations is None:
            return None
        period = src.delegations.period
        where = ("delegations", "period")
        try:
            start, end = parse_day(period.start, "from"), parse_day(period.end, "to")
        except DateError as exc:
            self._problem(located, (*where, exc.key), str(exc))
            return None
        if end < start:
            self._problem(located, (*where, "to"), _(
                "the period ends ({end}) before it starts ({start})").format(end=end, start=start))
        received = []
        for i, entry in enumerate(src.delegations.received):
            where = ("delegations", "received", i)
            self._unique_id(entry.id, where, located, ids)
            code = entry.country_code and self._country(entry.country_code,
                                                        (*where, "country_code"), located)
            country = entry.country or (places.country_name(code, lang) if code else None)
            received.append(Delegation(entry.id, entry.name, entry.city, country, lang,
                                       code or None, entry.role))
        return Delegations(start, end, tuple(received))

    def _check_body(self, body: str, where: tuple, located: LocatedData) -> None:
        if UNSAFE_LINK.search(body):
            self._problem(located, where, _("a link uses a script or file address: only "
                                            "https://, mailto: and tel: links are allowed"))
        for link in markdown.links(body):
            if link.href in ("", "#"):
                self._problem(located, where, _(
                    "the link {text!r} has no address yet (#): it is shown as plain text").format(
                    text=link.text), warn=True)
            elif not link.href.startswith(markdown.ALLOWED_SCHEMES):
                self._problem(located, where, _(
                    "the link {text!r} goes to {href!r}: write the full address, starting with "
                    "https://").format(text=link.text, href=link.href))
        if markdown.has_raw_html(body):
            self._problem(located, where, _("contains HTML, which is removed from bodies: "
                                            "write Markdown instead"), warn=True)

    def _send_at(self, src: PrimarySource, located: LocatedData) -> datetime | None:
        if src.send_at is None:
            return None
        try:
            naive = datetime.strptime(str(src.send_at).strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            self._problem(located, ("send_at",), _(
                "{value!r} is not a time: write it as YYYY-MM-DD HH:MM (Europe/Rome), e.g. "
                "2023-12-01 09:00").format(value=src.send_at))
            return None
        return naive.replace(tzinfo=self.config.zone)

    # -- translations -------------------------------------------------------

    def _translation(self, base: Edition, lang: str, src: TranslationSource,
                     located: LocatedData) -> Edition:
        primary_name = f"{base.lang}.yaml"
        header = language.untranslated_header(src, base, lang)  # counted as not translated
        for name, why in header.items():
            if why:
                self._problem(located, (name,), why, warn=True)
        src = src.model_copy(update=dict.fromkeys(header))
        top = self._translated(src.top_news, "top_news", base.top_news, located, primary_name)
        cons = self._translated(src.consulates, "consulates", base.consulates, located, primary_name)
        dels = self._translated(src.delegations, "delegations",
                                base.delegations.received if base.delegations else (),
                                located, primary_name)
        for i, entry in enumerate(src.top_news):
            self._check_body(entry.body, ("top_news", i, "body"), located)
        for i, entry in enumerate(src.consulates):
            self._check_body(entry.body, ("consulates", i, "body"), located)
        if src.insights:
            self._check_body(src.insights, ("insights",), located)
        missing = [i.id for i in base.top_news if i.id not in top]
        missing += [i.id for i in base.consulates if i.id not in cons]
        if base.delegations:
            missing += [d.id for d in base.delegations.received if d.id not in dels]
        if base.insights and not src.insights:
            missing.append("insights")
        missing += [name for name in header if name != "insights"]
        if missing:
            self.warnings.append(Problem(self.display(f"{lang}.yaml"), None, "", ngettext(
                "incomplete translation: {count} of the {primary} edition's parts is not "
                "translated ({parts}); it is built only with --allow-incomplete, and that part "
                "then appears in the original language",
                "incomplete translation: {count} of the {primary} edition's parts are not "
                "translated ({parts}); it is built only with --allow-incomplete, and those parts "
                "then appear in the original language", len(missing)).format(
                count=len(missing), primary=base.lang, parts=", ".join(missing))))
        return Edition(
            lang=lang, month=base.month, title=src.title or base.title,
            curated_by=src.curated_by or base.curated_by, preheader=src.preheader or base.preheader,
            top_news=tuple(_merge_item(i, top.get(i.id), lang) for i in base.top_news),
            consulates=tuple(_merge_item(i, cons.get(i.id), lang) for i in base.consulates),
            insights=src.insights or base.insights,
            delegations=_merge_delegations(base.delegations, dels, lang),
            missing=tuple(missing),
        )

    def _translated(self, entries, section, originals, located, primary_name) -> dict:
        known = {o.id for o in originals}
        by_id = {o.id: o for o in originals}
        found: dict[str, object] = {}
        for i, entry in enumerate(entries):
            where = (section, i, "id")
            if entry.id not in known:
                nearest = difflib.get_close_matches(entry.id, sorted(known), n=1, cutoff=0.6)
                message = _("{id!r} is not an id of {section} in {file}: a translation uses the "
                            "original's ids").format(id=entry.id, section=section, file=primary_name)
                if nearest:
                    message += _(" (did you mean {nearest}?)").format(nearest=nearest[0])
                self._problem(located, where, message)
            elif entry.id in found:
                self._problem(located, where, _("{id!r} is translated twice").format(id=entry.id))
            elif untranslated := language.untranslated_entry(entry, by_id[entry.id],
                                                             located.path.stem):
                for name, why in untranslated.items():
                    if why:
                        self._problem(located, (section, i, name), why, warn=True)
            else:
                found[entry.id] = entry
        return found


def _merge_item(original: Item, translated, lang: str) -> Item:
    if translated is None:
        return original
    image = original.image
    if image and getattr(translated, "image_alt", None):
        image = Image(image.file, translated.image_alt)
    return Item(id=original.id, title=translated.title or original.title, when=original.when,
                body=translated.body, lang=lang, image=image, tags=original.tags,
                kind=original.kind, places=original.places, highlight=original.highlight)


def _merge_delegations(base: Delegations | None, translated: dict, lang: str):
    if base is None:
        return None
    received = tuple(_merge_delegation(d, t, lang) if (t := translated.get(d.id)) else d
                     for d in base.received)
    return Delegations(base.start, base.end, received)


def _merge_delegation(original: Delegation, translated, lang: str) -> Delegation:
    """The translation's text; a country given only by its code is named in ``lang``."""
    code = original.country_code
    country = translated.country or (places.country_name(code, lang) if code else None)
    return Delegation(original.id, translated.name, translated.city, country, lang, code,
                      translated.role or original.role)


# -- explaining schema errors -------------------------------------------------


def _explain(exc: ValidationError, located: LocatedData, display: str, model) -> list[Problem]:
    problems = []
    for error in exc.errors():
        where = tuple(error["loc"])
        problems.append(Problem(display, located.line_of(where), dotted(where, located.data),
                                _message(error, model, where)))
    return problems


def _message(error: dict, model: type[BaseModel], where: tuple) -> str:
    kind = error["type"]
    if kind == "missing":
        return _("is required but missing")
    if kind == "extra_forbidden":
        allowed = ", ".join(_fields_at(model, where[:-1]))
        return _("unknown field (allowed here: {allowed})").format(allowed=allowed)
    if kind in ("string_type", "str_type"):
        return _("must be text")
    if kind == "string_too_short":
        return _("is empty")
    if kind == "too_short":
        return _("needs at least one entry")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("must be fields (key: value) indented under it")
    if kind == "list_type":
        return _("must be a list: one entry per line, each starting with '- '")
    if kind == "literal_error":
        return _("must be one of: {allowed}").format(
            allowed=str(error.get("ctx", {}).get("expected", "")).replace("'", ""))
    if kind in ("bool_type", "bool_parsing"):
        return _("must be true or false")
    return str(error["msg"]).removeprefix("Value error, ")


def _fields_at(model: type[BaseModel], where: tuple) -> list[str]:
    for part in where:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None)
        model = _model_in(info.annotation) if info else None
        if model is None:
            return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if found := _model_in(arg):
            return found
    return None


# -- the same event in several issues of a year -------------------------------
#
# An item is recognised across issues by its id (`newsletter new --from`
# keeps ids): two sightings of an id are the same event when their dates
# overlap or touch, or when they are in consecutive issues (an item carried
# from one month to the next, or its date corrected). An id seen again
# months later with other dates (Luci d'Artista every winter) is another
# event. Read from the raw YAML, without validating: cheap enough for every
# `check`.


@dataclass(frozen=True)
class Sighting:
    """An item (or a delegation) as one issue's primary source has it, located."""

    id: str
    section: str  # top_news, consulates, delegations
    month: date  # the issue's
    when: When | None
    file: str
    line: int | None  # of its id
    date_line: int | None
    field: str  # its date's, as messages name it
    recurring: bool = False

    @property
    def span(self) -> tuple[date, date]:
        """The days it covers; open bounds end (or start) with its issue's month."""
        first = self.month
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        when = self.when
        if when is None:
            return first, last
        if when.kind == "day":
            return when.start, when.start
        if when.kind == "month":
            end = when.start.replace(day=calendar.monthrange(when.start.year, when.start.month)[1])
            return when.start, end
        if when.kind == "range":
            return when.start, when.end
        if when.kind == "from":
            return when.start, max(when.start, last)
        return min(first, when.end), when.end  # until, by


def sightings(config: Config, month: str) -> list[Sighting]:
    """The items and delegations of ``month``'s primary source, in order."""
    path = config.issues_dir / month / f"{config.primary_language}.yaml"
    if not MONTH_FOLDER.match(month) or not path.is_file():
        return []
    display = display_path(config, path)
    located, _problems = read_yaml(path, display)
    data = located.data if located is not None and isinstance(located.data, dict) else {}
    first = date(int(month[:4]), int(month[5:7]), 1)
    received = data.get("delegations")
    received = received.get("received") if isinstance(received, dict) else None
    found = []
    for section, entries in (("top_news", data.get("top_news")),
                             ("consulates", data.get("consulates")), ("delegations", received)):
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            where = ("delegations", "received", i) if section == "delegations" else (section, i)
            found.append(Sighting(
                entry["id"], section, first, _quiet_when(entry.get("date")), display,
                located.line_of((*where, "id")), located.line_of((*where, "date")),
                dotted((*where, "date"), data), entry.get("recurring") is True))
    return found


def _quiet_when(value) -> When | None:
    """The date if it parses; its errors are `check`'s to explain."""
    try:
        return parse_when(value) if value is not None else None
    except DateError:
        return None


def same_events(found: list[Sighting]) -> list[list[Sighting]]:
    """The sightings of items grouped into events (see above), each group in
    month order; the groups in order of their first sighting."""
    events: list[list[Sighting]] = []
    latest: dict[str, list[Sighting]] = {}
    for sighting in sorted((s for s in found if s.section != "delegations"),
                           key=lambda s: s.month):
        group = latest.get(sighting.id)
        if group is None or not _same_event(group, sighting):
            group = latest[sighting.id] = []
            events.append(group)
        group.append(sighting)
    return events


def _same_event(group: list[Sighting], sighting: Sighting) -> bool:
    last = group[-1].month
    consecutive = (sighting.month.year - last.year) * 12 + sighting.month.month - last.month <= 1
    start = min(s.span[0] for s in group)
    end = max(s.span[1] for s in group)
    day = timedelta(days=1)
    return consecutive or (sighting.span[0] <= end + day and start - day <= sighting.span[1])


def disagreements(events: list[list[Sighting]]) -> list[tuple[Sighting, Sighting]]:
    """(earlier, later) sightings of one event whose dates differ; a recurring
    item's date moves on by design (`new --from`) and is not compared."""
    pairs = []
    for group in events:
        for earlier, later in pairwise(group):
            if earlier.recurring or later.recurring or None in (earlier.when, later.when):
                continue
            if earlier.when != later.when:
                pairs.append((earlier, later))
    return pairs


def disagreement(here: Sighting, there: Sighting) -> Problem:
    """The warning, at ``here``, that ``there`` (another issue) dates the same event otherwise."""
    lang = current_language()
    return Problem(here.file, here.date_line, here.field, _(
        "{id!r} is dated {dates} here but {other_dates} in {other}:{line}: if it is the same "
        "event, make the dates agree; if it is another one, give it another id").format(
        id=here.id, dates=format_when(here.when, lang, here.month),
        other_dates=format_when(there.when, lang, there.month), other=there.file,
        line=there.date_line))


def year_sightings(config: Config, year: int) -> list[Sighting]:
    found = []
    for month in known_months(config):
        if month.startswith(f"{year}-"):
            found += sightings(config, month)
    return found


def date_disagreements(config: Config, month: str) -> list[Problem]:
    """Where ``month`` and another issue of its year date the same event differently."""
    events = same_events(year_sightings(config, int(month[:4])))
    warnings = []
    for earlier, later in disagreements(events):
        if f"{later.month:%Y-%m}" == month:
            warnings.append(disagreement(later, earlier))
        elif f"{earlier.month:%Y-%m}" == month:
            warnings.append(disagreement(earlier, later))
    return warnings
