"""The office's old news archive (2007 onwards), imported so the online
archive covers the years before this system.

The old site used two layouts, in English, French and Italian, and a page
may be the HTML the site served or the text a browser shows of it:

- month headings ("2007 June") over bulleted entries, each a date and the
  title ("June 29th 2007 - Torino and city networks - RECS", or the title on
  the line after the date), then the body's paragraphs, indented;
- in later years no headings: each entry is one run of text, a date that
  carries its year, then the title glued to the body because the page's
  markup was lost ("March 3rd-5th 2019 Urban Mobility DaysThe City…").

The layout is told apart per entry: an entry whose title line is followed
by its body's paragraphs keeps that title, unless it clearly holds a body
glued to it; a run of text is split by ``legacy_split``. An entry goes
under its month heading, or else under the month of its date, or else (no
date) under the month of the entry before it. Nothing is dropped: an entry
whose date or split is a guess is imported and listed with the reason, for
the review file (``legacy_review``) whose corrections override the guesses
at the next import. The months are written as YAML under ``archive/legacy/``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from newsletter.archive.legacy_dates import read_date
from newsletter.archive.legacy_html import html_lines, looks_like_html
from newsletter.archive.legacy_split import clearly_split, split_title
from newsletter.content.dates import When, fold, month_numbers, parse_when
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

BULLET = re.compile(r"^\s*[•*\-–]\s+(?P<text>.+)$")
HEADING = re.compile(r"^(?:(?P<year>\d{4})\s+(?P<month>[^\W\d_]+)\.?"
                     r"|(?P<month2>[^\W\d_]+)\.?\s+(?P<year2>\d{4}))$")


class LegacyError(NewsletterError):
    pass


@dataclass
class LegacyItem:
    title: str
    when: When | None
    body: str
    line: int
    date_text: str = ""


@dataclass
class LegacyMonth:
    month: date
    lang: str
    items: list[LegacyItem] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return f"{self.month:%Y-%m}"


@dataclass
class Entry:
    """One entry of a page as read, and what about it is a guess."""

    source: str
    position: int  # 1, 2, … in the page's order
    line: int
    text: str  # as on the page: date, title and body
    heading: date | None  # the month heading it is under, if any
    date_text: str
    when: When | None
    title: str
    body: str
    date_problem: str = ""  # why the date is to review ("" when certain)
    split_problem: str = ""  # why the split between title and body is to review
    confirmed: bool = False  # an editor confirmed it in the review file
    month: date | None = None  # the month it is filed under

    @property
    def key(self) -> str:
        """Stable across imports of the same page, whatever entries come before it."""
        return hashlib.sha1(" ".join(self.text.split()).encode()).hexdigest()[:10]

    @property
    def problems(self) -> list[str]:
        return [p for p in (self.date_problem, self.split_problem) if p]

    @property
    def certain(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Correction:
    """An editor's version of an entry, from the review file."""

    title: str
    body: str
    when: When | None
    certain: bool


@dataclass
class LegacyReport:
    entries: list[Entry]
    months: list[LegacyMonth]
    skipped: list[str]  # lines outside any entry (page furniture), for the record

    @property
    def imported(self) -> int:
        return sum(len(m.items) for m in self.months)

    @property
    def dates_to_review(self) -> int:
        return sum(1 for e in self.entries if e.date_problem)

    @property
    def undated(self) -> int:
        return sum(1 for e in self.entries if e.when is None)

    @property
    def splits_to_review(self) -> int:
        return sum(1 for e in self.entries if e.split_problem)

    @property
    def to_review(self) -> list[Entry]:
        return [e for e in self.entries if not e.certain]

    @property
    def confirmed(self) -> int:
        return sum(1 for e in self.entries if e.confirmed)


def read_legacy(text: str, lang: str, source: str = "",
                corrections: dict[str, Correction] | None = None) -> LegacyReport:
    """Every entry of a page (HTML or text), corrected by the review file's
    ``corrections`` (by entry key), filed by month."""
    entries, skipped = read_entries(text, lang, source)
    for entry in entries:
        if corrections and entry.key in corrections:
            _correct(entry, corrections[entry.key])
    _file_by_month(entries, source)
    months: dict[date, LegacyMonth] = {}
    for entry in entries:
        months.setdefault(entry.month, LegacyMonth(entry.month, lang)).items.append(
            LegacyItem(entry.title, entry.when, entry.body, entry.line, entry.date_text))
    return LegacyReport(entries, list(months.values()), skipped)


def page_text(path: Path) -> str:
    """A page as saved from the old site: UTF-8, or else Windows-1252 (its HTML era's default)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# -- reading -------------------------------------------------------------------------


@dataclass
class _Block:
    line: int
    text: str
    heading: date | None
    more: list[str] = field(default_factory=list)


def read_entries(text: str, lang: str, source: str = "") -> tuple[list[Entry], list[str]]:
    lines = html_lines(text) if looks_like_html(text) else list(enumerate(text.splitlines(), 1))
    blocks, skipped = _blocks(_classify(lines, lang), lang)
    return [_entry(block, n, source, lang) for n, block in enumerate(blocks, 1)], skipped


def _classify(lines: list[tuple[int, str]], lang: str) -> list[tuple[int, str, object]]:
    """(line, kind, value): kind is heading, bullet, entry (a line starting
    with a date), more (indented: the paragraphs of an entry) or other. On a
    page without bullets, an indented line that starts with a whole date is
    an entry too (the page's markup nested it in an introduction)."""
    bulleted = any(BULLET.match(raw) for _, raw in lines)
    kinds = []
    for number, raw in lines:
        stripped = raw.strip()
        if not stripped:
            continue
        indented = raw[:1] in (" ", "\t")
        if (month := _heading(stripped, lang)) is not None:
            kinds.append((number, "heading", month))
        elif bullet := BULLET.match(raw):
            kinds.append((number, "bullet", bullet["text"].strip()))
        elif indented and (bulleted or read_date(stripped, lang).when is None):
            kinds.append((number, "more", stripped))
        elif read_date(stripped, lang).text:
            kinds.append((number, "entry", stripped))
        else:
            kinds.append((number, "other", stripped))
    return kinds


def _heading(line: str, lang: str) -> date | None:
    found = HEADING.match(line)
    if not found:
        return None
    number = month_numbers(lang).get(fold(found["month"] or found["month2"]))
    return date(int(found["year"] or found["year2"]), number, 1) if number else None


def _blocks(lines: list[tuple[int, str, object]], lang: str) -> tuple[list[_Block], list[str]]:
    """Group lines into entries. On a page without bullets, an unindented line
    between two dated entries is an entry too (undated), or the title of a
    date standing alone on its line; lines before the first entry and after
    the last are the page's furniture."""
    bulleted = any(kind == "bullet" for _, kind, _ in lines)
    starts = [i for i, (_, kind, _) in enumerate(lines) if kind in ("bullet", "entry")]
    blocks: list[_Block] = []
    skipped = []
    heading, current = None, None
    for index, (number, kind, value) in enumerate(lines):
        loose = kind == "other" and not bulleted
        inside = bool(starts) and starts[0] < index < starts[-1]
        title_of_date = (loose and current is not None and not current.more
                         and _date_alone(current.text, lang))
        if kind == "heading":
            heading, current = value, None
        elif kind in ("bullet", "entry"):
            current = _Block(number, value, heading)
            blocks.append(current)
        elif current is not None and (kind == "more" or title_of_date):
            current.more.append(value)
        elif loose and inside:
            current = _Block(number, value, heading)
            blocks.append(current)
        else:
            current = None
            skipped.append(_("line {number}: {text!r} is not part of an entry").format(
                number=number, text=value[:70]))
    return blocks, skipped


def _date_alone(text: str, lang: str) -> bool:
    reading = read_date(text, lang)
    return bool(reading.text) and not reading.rest


def _entry(block: _Block, position: int, source: str, lang: str) -> Entry:
    reading = read_date(block.text, lang, block.heading.year if block.heading else None)
    head, more = reading.rest, block.more
    if not head and more:  # the title on the line after the date
        head, more = more[0], more[1:]
    glued = clearly_split(head, lang) if head and more else None
    if not head:
        title, paragraphs, split_problem = "", [], _("The entry has a date but no title.")
    elif more and glued is None:  # the title on its line, the body below
        title, paragraphs, split_problem = head, more, ""
    else:  # one run of text: the title glued to the body
        split = glued or split_title(head, lang)
        title, paragraphs, split_problem = split.title, [split.body, *more], split.problem
    entry = Entry(source, position, block.line, " ".join([block.text, *block.more]), block.heading,
                  reading.text, reading.when, title, "\n\n".join(p for p in paragraphs if p),
                  date_problem=reading.problem, split_problem=split_problem)
    if block.heading and entry.when and not _covers(entry.when, block.heading):
        entry.date_problem = _("The date “{date}” is not in {month}, the month of the heading "
                               "the entry is under.").format(date=entry.date_text,
                                                             month=f"{block.heading:%Y-%m}")
    return entry


def _covers(when: When, month: date) -> bool:
    first = when.first_day.replace(day=1)
    last = (when.end or when.start).replace(day=1)
    return first <= month <= last


def _correct(entry: Entry, correction: Correction) -> None:
    entry.title, entry.body, entry.when = correction.title, correction.body, correction.when
    if correction.certain:
        entry.date_problem = entry.split_problem = ""
        entry.confirmed = True


def _file_by_month(entries: list[Entry], source: str) -> None:
    """Each entry's month: its heading's, else its date's, else that of the
    entry before it (or after it, for the first ones)."""
    own = [e.heading or (e.when.first_day.replace(day=1) if e.when else None) for e in entries]
    if not any(own):
        raise LegacyError(_(
            "{page}: no month heading (like “2007 June”) and no dated entry (like “March 3rd "
            "2019 Title…”) was found. Is this a page of the old news archive, and is --lang "
            "right?").format(page=source or _("the page")))
    previous = None
    for index, (entry, month) in enumerate(zip(entries, own, strict=True)):
        if month is None:
            month = previous or next(m for m in own[index:] if m)
            if entry.date_problem:
                entry.date_problem += " " + _("It is filed under {month}, with the entries next "
                                              "to it.").format(month=f"{month:%Y-%m}")
        entry.month = previous = month


# -- storage ---------------------------------------------------------------------------


def legacy_folder(root: Path) -> Path:
    return root / "archive" / "legacy"


def write_months(report: LegacyReport, folder: Path, source_name: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for month in report.months:
        path = folder / f"{month.slug}.{month.lang}.yaml"
        data = {
            "month": month.slug,
            "lang": month.lang,
            "source": source_name,
            "items": [_item_data(item) for item in month.items],
        }
        header = (f"# Imported from the old news archive ({source_name}).\n"
                  "# Correct titles, dates or bodies here; `newsletter archive build` uses this file.\n")
        path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                                                width=100), encoding="utf-8")
        written.append(path)
    return written


def remove_emptied_months(report: LegacyReport, folder: Path, source_name: str,
                          lang: str) -> list[Path]:
    """Delete the months an earlier import of the same page wrote and this one
    did not (a corrected date moved their entries), so no entry is published twice."""
    kept = {f"{month.slug}.{lang}.yaml" for month in report.months}
    removed = []
    for path in sorted(folder.glob(f"*.{lang}.yaml")):
        try:
            source = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("source")
        except (yaml.YAMLError, AttributeError):
            continue
        if source == source_name and path.name not in kept:
            path.unlink()
            removed.append(path)
    return removed


def when_data(when: When | None) -> str | dict | None:
    """A date as the YAML files write it (what ``parse_when`` reads back)."""
    if when is None:
        return None
    if when.kind == "day":
        return when.start.isoformat()
    if when.kind == "month":
        return f"{when.start:%Y-%m}"
    if when.kind == "range":
        return {"from": when.start.isoformat(), "to": when.end.isoformat()}
    if when.kind == "from":
        return {"from": when.start.isoformat()}
    return {when.kind: when.end.isoformat()}  # until, by


def _item_data(item: LegacyItem) -> dict:
    return {"title": item.title, "date": when_data(item.when), "body": item.body,
            "line": item.line}


def load_month(path: Path) -> LegacyMonth:
    """One month written by ``write_months`` (and perhaps corrected by an editor)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        month = LegacyMonth(date.fromisoformat(f"{data['month']}-01"), data["lang"])
        for entry in data.get("items") or []:
            raw = entry.get("date")
            month.items.append(LegacyItem(str(entry["title"]), parse_when(raw) if raw else None,
                                          str(entry.get("body") or ""), int(entry.get("line") or 0)))
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise LegacyError(f"{path}: {exc}") from None
    return month
