"""The review file of the legacy import: the entries whose date, or whose
split between title and body, is a guess, written for an editor to correct;
read back at the next import (the same ``--review FILE``), its entries
override the guesses.

One file can serve every page: each entry names its page (``source``) and a
``key`` made from the entry's text on the page, so a correction finds its
entry again even if the page gained or lost entries before it. Entries an
editor marked ``certain: true`` stay in the file, so that every later import
applies them again; entries of other pages are written back untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from newsletter.archive.legacy import Correction, Entry, LegacyError, LegacyReport, when_data
from newsletter.content.dates import DateError, parse_when
from newsletter.content.located import read_yaml
from newsletter.core.errors import Problem
from newsletter.core.i18n import _

HEADER = """\
# Entries of the old news archive imported with a guess: their date, or where
# the title ends and the body begins. For each entry, correct `date`, `title`
# and `body` where the guess is wrong (move words between title and body as
# needed), then change `certain: false` to `certain: true`. Import the page
# again with the same `--review` option to apply the corrections.
# `date` is YYYY-MM-DD, {from: YYYY-MM-DD, to: YYYY-MM-DD}, or null for none.
# Entries marked `certain: true` stay here: they are applied at every import.
"""


class ReviewInvalid(LegacyError):
    """The review file has errors; each names the file, the line and the field."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class ReviewEntry:
    source: str
    key: str
    line: int  # in the review file
    correction: Correction
    data: dict  # as read, to be written back as it is


def read_review(path: Path) -> list[ReviewEntry]:
    """The entries of the review file at ``path`` (none if it does not exist yet)."""
    if not path.exists():
        return []
    located, problems = read_yaml(path, str(path))
    if located is None:
        raise ReviewInvalid(problems)
    data = located.data or {}
    records = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise ReviewInvalid([Problem(str(path), 1, "entries", _(
            "is missing: the file should be a review file written by `newsletter archive import "
            "--review`"))])
    entries = []
    for index, record in enumerate(records):
        read = _review_entry(record, located, ("entries", index), problems)
        if read is not None:
            entries.append(read)
    if problems:
        raise ReviewInvalid(problems)
    return entries


def _review_entry(record, located, where: tuple, problems: list[Problem]) -> ReviewEntry | None:
    before = len(problems)
    name = f"entries[#{where[1] + 1}]"

    def problem(field: str, message: str) -> None:
        line = located.line_of((*where, field) if field else where)
        problems.append(Problem(str(located.path), line, f"{name}.{field}" if field else name,
                                message))

    if not isinstance(record, dict):
        problem("", _("is not an entry: each entry has source, key, date, title, body and "
                      "certain"))
        return None
    for required in ("source", "key", "title"):
        if not str(record.get(required) or "").strip():
            problem(required, _("is missing or empty: keep the value the import wrote"))
    certain = record.get("certain", False)
    if not isinstance(certain, bool):
        problem("certain", _("must be true or false: write true once the entry is right"))
    when = None
    if record.get("date") is not None:
        try:
            when = parse_when(record["date"])
        except DateError as exc:
            problem("date", str(exc))
    if len(problems) > before:
        return None
    correction = Correction(str(record["title"]).strip(), str(record.get("body") or "").strip(),
                            when, certain)
    return ReviewEntry(str(record["source"]), str(record["key"]), located.line_of(where) or 1,
                       correction, record)


def corrections_for(review: list[ReviewEntry], source: str) -> dict[str, Correction]:
    return {entry.key: entry.correction for entry in review if entry.source == source}


def stale_entries(review: list[ReviewEntry], report: LegacyReport,
                  source: str) -> list[ReviewEntry]:
    """Corrections for ``source`` whose entry is no longer on the page."""
    keys = {entry.key for entry in report.entries}
    return [entry for entry in review if entry.source == source and entry.key not in keys]


def write_review(path: Path, review: list[ReviewEntry], report: LegacyReport,
                 source: str) -> None:
    """Write the page's entries to review (and those confirmed) beside the
    other pages' entries."""
    mine = [_record(entry) for entry in report.entries if entry.confirmed or not entry.certain]
    others = [entry.data for entry in review if entry.source != source]
    stale = [entry.data for entry in stale_entries(review, report, source)]
    if mine or others or stale or path.exists():
        text = yaml.dump({"entries": others + mine + stale}, Dumper=_Dumper, allow_unicode=True,
                         sort_keys=False, width=100)
        path.write_text(HEADER + text, encoding="utf-8")


def _record(entry: Entry) -> dict:
    record = {"source": entry.source, "key": entry.key, "entry": entry.position,
              "line": entry.line, "date_text": entry.date_text, "date": when_data(entry.when),
              "title": entry.title, "body": entry.body, "certain": entry.certain}
    if entry.problems:
        record["reasons"] = entry.problems
    return record


class _Dumper(yaml.SafeDumper):
    """Bodies of several paragraphs as literal blocks, as an editor would write them."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
