"""The office's old news archive (2007 onwards), imported so the online
archive covers the years before this system.

A legacy page has month headings ("2007 June") and, under each, bulleted
entries: a date (a day, or a range within or across months: "June 20th-27th
2007", "May 5th-June 1st 2007"), an optional " - ", the title, then the
body's paragraphs, indented. ``read_legacy`` turns it into one
``LegacyMonth`` per heading; an entry whose date cannot be read is kept,
undated, and reported with its line: nothing is dropped. The months are
written as YAML under ``archive/legacy/``, where editors can correct them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from babel.dates import get_month_names

from newsletter.content.dates import When, parse_when
from newsletter.core.errors import NewsletterError

BULLET = re.compile(r"^\s*[•*\-–]\s+(?P<text>.+)$")
ORDINAL = r"(?:st|nd|rd|th|er|°)?"


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
class LegacyReport:
    months: list[LegacyMonth]
    undated: list[str]  # "line N: why", one per entry kept without a date
    skipped: list[str]  # lines outside any entry (page furniture), for the record

    @property
    def entries(self) -> int:
        return sum(len(m.items) for m in self.months)


def _months(lang: str) -> dict[str, int]:
    names = {}
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale=lang).items():
            names[name.lower().rstrip(".")] = number
    return names


def read_legacy(text: str, lang: str) -> LegacyReport:
    months_by_name = _months(lang)
    month_pattern = "|".join(sorted(map(re.escape, months_by_name), key=len, reverse=True))
    heading = re.compile(rf"^\s*(?P<year>\d{{4}})\s+(?P<month>{month_pattern})\s*$", re.I)
    parser = _DateParser(months_by_name, month_pattern)
    months: list[LegacyMonth] = []
    undated, skipped = [], []
    current: LegacyItem | None = None
    body: list[str] = []

    def close():
        nonlocal current
        if current is not None:
            current.body = "\n\n".join(p for p in body if p)
            months[-1].items.append(current)
        current = None
        body.clear()

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if found := heading.match(line):
            close()
            months.append(LegacyMonth(date(int(found["year"]), months_by_name[found["month"].lower()],
                                           1), lang))
        elif (bullet := BULLET.match(line)) and months:
            close()
            when, date_text, title = parser.split(bullet["text"])
            if when is None:
                undated.append(f"line {number}: no date could be read in {bullet['text'][:60]!r}; "
                               "kept as an undated item")
            current = LegacyItem(title=title, when=when, body="", line=number, date_text=date_text)
        elif current is not None and raw[:1] in (" ", "\t") and line.strip():
            body.append(line.strip())
        elif current is not None and not line.strip():
            continue
        elif line.strip():
            close()
            skipped.append(f"line {number}: {line.strip()[:70]!r} is not part of an entry")
    close()
    if not months:
        raise LegacyError("no month heading (like \"2007 June\") found: is this a page of the "
                          "old news archive, and is --lang right?")
    return LegacyReport(months, undated, skipped)


class _DateParser:
    """"June 29th 2007", "June 20th-27th 2007", "May 5th-June 1st 2007",
    and the same with day first ("29 juin 2007")."""

    def __init__(self, months: dict[str, int], month_pattern: str):
        self.months = months
        day = rf"(?:0?[1-9]|[12]\d|3[01]){ORDINAL}"
        # "June 29th" or "29 juin": month first (group suffix a) or day first (b).
        part = (rf"(?:(?P<m{{n}}a>{month_pattern})\s+(?P<d{{n}}a>{day})"
                rf"|(?P<d{{n}}b>{day})\s+(?P<m{{n}}b>{month_pattern}))")
        first = part.format(n=1)
        second_day = rf"(?P<d2>{day})"
        second = part.format(n=2)
        # "12-14 juin" (French day-first range): the month is given once, at the end.
        self.shared_month = re.compile(
            rf"^(?P<first>{day})(?P<dash>\s*[-–]\s*)(?P<rest>{day}\s+(?P<month>{month_pattern}))",
            re.I)
        self.pattern = re.compile(
            rf"^(?P<date>{first}(?:\s*[-–]\s*(?:{second}|{second_day}))?\s*,?\s+(?P<year>\d{{4}}))"
            rf"(?:\s*[-–:]\s*|\s+)(?P<title>.+)$", re.I)

    def split(self, text: str) -> tuple[When | None, str, str]:
        text = self.shared_month.sub(
            lambda m: f"{m['first']} {m['month']}{m['dash']}{m['rest']}", text.strip(), count=1)
        found = self.pattern.match(text)
        if not found:
            return None, "", text.strip()
        try:
            when = self._when(found)
        except ValueError:
            return None, "", text.strip()
        return when, found["date"], found["title"].strip()

    def _when(self, found) -> When:
        year = int(found["year"])
        start_month = self.months[(found["m1a"] or found["m1b"]).lower()]
        start = date(year, start_month, _day(found["d1a"] or found["d1b"]))
        end_day = found["d2a"] or found["d2b"] or found["d2"]
        if not end_day:
            return When("day", start=start)
        end_month_name = found["m2a"] or found["m2b"]
        end_month = self.months[end_month_name.lower()] if end_month_name else start_month
        end = date(year, end_month, _day(end_day))
        return When("range", start, end) if end > start else When("day", start=start)


def _day(text: str) -> int:
    return int(re.match(r"\d+", text).group())


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


def _item_data(item: LegacyItem) -> dict:
    data: dict = {"title": item.title}
    if item.when is None:
        data["date"] = None
    elif item.when.kind == "day":
        data["date"] = item.when.start.isoformat()
    else:
        data["date"] = {"from": item.when.start.isoformat(), "to": item.when.end.isoformat()}
    data["body"] = item.body
    data["line"] = item.line
    return data


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
