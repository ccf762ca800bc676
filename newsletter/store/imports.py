"""Import subscribers from a CSV file: every line is accounted for. The file
is read one physical line at a time, so a stray quote is an error on its own
line and cannot swallow the lines after it; invalid, duplicate and
suppressed rows are reported with their line; the good rows are imported
together in one transaction (or not at all with --dry-run).

Tolerant of what spreadsheets write: a byte-order mark, Latin-1 /
Windows-1252 instead of UTF-8, ``;`` or tab as the delimiter (Italian
Excel), CRLF or CR line ends, blank lines, Italian column names (indirizzo,
nome, lingua). A quoted field spanning two lines is refused with its line:
subscriber lists do not need one, and accepting it is what let one stray
quote hide thousands of rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, literal, select

from newsletter.core.errors import NewsletterError
from newsletter.store import Store, now
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.states import ConsentMethod, SubscriberStatus
from newsletter.store.subscribers import SUPPRESSED_STATUSES, new_uid
from newsletter.store.tables import subscriber_events, subscribers, suppressions

COLUMNS = {
    "email": "email", "e-mail": "email", "mail": "email", "indirizzo": "email",
    "indirizzo email": "email", "address": "email",
    "name": "name", "nome": "name", "nom": "name",
    "language": "language", "lingua": "language", "langue": "language", "lang": "language",
}
CHUNK = 5000
# The line ends a CSV file can have; str.splitlines() would also split a
# name at U+2028, U+0085 or a form feed, which are not line ends in CSV.
LINE_END = re.compile(r"\r\n|\r|\n")
ERROR_KINDS = ("unreadable", "invalid")
SHOWN = 100  # characters of an unreadable line quoted in its message


class ImportFileError(NewsletterError):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    address: str
    kind: str  # unreadable, invalid, duplicate, suppressed, subscribed
    message: str
    text: str = ""  # the line as written, copied to the errors file

    def __str__(self) -> str:
        if self.kind == "unreadable":
            return f"line {self.line}: {self.message}"
        return f"line {self.line}: {self.address or '(empty)'}: {self.message}"


@dataclass
class ImportReport:
    """What became of every line: ``lines`` = 1 header + ``blank`` +
    ``imported`` + one problem per other line."""

    file: str
    lines: int = 0
    blank: int = 0
    imported: int = 0
    header: str = ""  # the header line as written
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rows(self) -> int:
        """The lines after the header that are not blank."""
        return self.lines - 1 - self.blank

    def count(self, *kinds: str) -> int:
        return sum(1 for p in self.problems if p.kind in kinds)

    @property
    def errors(self) -> list[RowProblem]:
        """The rows the person has to correct (unreadable or invalid)."""
        return [p for p in self.problems if p.kind in ERROR_KINDS]


@dataclass(frozen=True)
class _Row:
    line: int
    text: str
    cells: dict[str, str]


@dataclass(frozen=True)
class _Good:
    line: int
    email: str
    key: str
    name: str | None
    language: str


def physical_lines(path: Path, notes: list[str]) -> list[str]:
    """The file's lines, decoded, without their line ends (``\\r\\n``,
    ``\\r`` or ``\\n``); a line end at the end of the file starts no line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror})") from None
    lines = LINE_END.split(_decode(raw, notes))
    if lines[-1] == "":
        lines.pop()
    return lines


def _decode(raw: bytes, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append("the file is not UTF-8: read as Latin-1 (Windows-1252)")
        return raw.decode("cp1252", errors="replace")


def read_rows(path: Path, report: ImportReport) -> tuple[list[_Row], list[str]]:
    """The data rows with their line numbers, and the columns found. Blank
    lines are counted in the report, unreadable ones become its problems."""
    lines = physical_lines(path, report.notes)
    report.lines = len(lines)
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is None:
        raise ImportFileError(f"{path}: the file is empty")
    delimiter = max(",;\t", key=lines[first].count)
    if delimiter != ",":
        report.notes.append(
            f"columns separated by {'a tab' if delimiter == chr(9) else repr(delimiter)}")
    rows, header = [], None
    for number, text in enumerate(lines, 1):
        try:
            cells = _cells(text, delimiter)
        except csv.Error as exc:
            if header is None:
                raise ImportFileError(f"{path}: line {number}: the header cannot be read: "
                                      f"{_unreadable(text, exc)}") from None
            report.problems.append(RowProblem(number, "", "unreadable", _unreadable(text, exc), text))
            continue
        if not any(cell.strip() for cell in cells):
            report.blank += 1
        elif header is None:
            header = [COLUMNS.get(cell.strip().lower(), cell.strip().lower()) for cell in cells]
            _check_header(header, cells, path, number)
            report.header = text
        else:
            rows.append(_Row(number, text, dict(zip(header, cells, strict=False))))
    return rows, header or []


def _cells(text: str, delimiter: str) -> list[str]:
    """One line parsed on its own, strictly: a quote left open at the end of
    the line is an error here instead of a field that runs on."""
    return next(csv.reader((text,), delimiter=delimiter, strict=True), [])


def _unreadable(text: str, error: csv.Error) -> str:
    """Why a line cannot be read, in a sentence that ends with the line."""
    shown = text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"
    reason = str(error)
    if reason == "unexpected end of data":
        message = ("a quote opened and never closed (close it or remove it: a field cannot "
                   "continue on the next line): {line}")
    elif reason.endswith("expected after '\"'"):
        message = ("text after a closing quote (put the whole field in quotes, and double a "
                   'quote inside it: ""): {line}')
    else:
        message = "the line cannot be read as CSV ({reason}): {line}"
    return message.format(line=shown, reason=reason)


def _check_header(header: list[str], cells: list[str], path: Path, line: int) -> None:
    if "email" not in header:
        found = ", ".join(cell.strip() for cell in cells) or "nothing"
        raise ImportFileError(
            f"{path}: line {line}: no 'email' column in the header (found: {found}); the first "
            "line must name the columns, e.g. email,name,language")


def import_subscribers(store: Store, path: Path, *, languages: tuple[str, ...],
                       privacy_version: str, dry_run: bool = False,
                       on_row: Callable[[], None] | None = None) -> ImportReport:
    report = ImportReport(file=str(path), dry_run=dry_run)
    rows, header = read_rows(path, report)
    if "language" not in header:
        report.notes.append(f"no 'language' column: everyone gets the {languages[0]} edition")
    known, erased = _known_addresses(store)
    good: list[_Good] = []
    seen: dict[str, int] = {}
    for row in rows:
        if on_row:
            on_row()
        problem, entry = _check_row(row, languages, known, erased, seen, store)
        if problem:
            report.problems.append(problem)
        else:
            good.append(entry)
            seen[entry.key] = row.line
    report.problems.sort(key=lambda p: p.line)
    if good and not dry_run:
        _insert(store, good, privacy_version, path.name)
    report.imported = len(good)
    return report


def write_errors(report: ImportReport, path: Path) -> int:
    """Copy the header and every line with an error, as written, to ``path``:
    a file the person can correct and import again. Returns how many lines.
    UTF-8 with a byte-order mark, without which Excel reads it as ANSI."""
    lines = [report.header, *(p.text for p in report.errors)]
    try:
        path.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot write the file ({exc.strerror})") from None
    return len(lines) - 1


def _known_addresses(store: Store) -> tuple[dict[str, str], set[str]]:
    with store.transaction() as connection:
        known = dict(connection.execute(select(subscribers.c.email_key, subscribers.c.status)).all())
        erased = set(connection.execute(select(suppressions.c.address_hash)).scalars())
    return known, erased


def _check_row(row: _Row, languages, known, erased, seen, store):
    address = (row.cells.get("email") or "").strip()
    try:
        email, key = normalize(address)
    except InvalidAddress as exc:
        return _problem(row, address, "invalid", str(exc)), None
    language = (row.cells.get("language") or "").strip().lower() or languages[0]
    if language not in languages:
        return _problem(row, address, "invalid", f"language {language!r} is not one of "
                        f"{', '.join(languages)}"), None
    if key in seen:
        return _problem(row, address, "duplicate", f"duplicate of line {seen[key]}"), None
    status = known.get(key)
    if status in SUPPRESSED_STATUSES or (status is None and store.address_hash(key) in erased):
        reason = status or "erased"
        return _problem(row, address, "suppressed", f"suppressed ({reason}): not imported; "
                        "the person can subscribe again through the form"), None
    if status is not None:
        return _problem(row, address, "subscribed", f"already in the list ({status})"), None
    return None, _Good(row.line, email, key, clean_name(row.cells.get("name")), language)


def _problem(row: _Row, address: str, kind: str, message: str) -> RowProblem:
    return RowProblem(row.line, address, kind, message, row.text)


def _insert(store: Store, good: list[_Good], privacy_version: str, file_name: str) -> None:
    """All good rows in one transaction. The history rows are written by the
    database from the rows just inserted (one statement), which is several
    times faster than fetching every new id back."""
    at = now()
    with store.transaction() as connection:
        for start in range(0, len(good), CHUNK):
            connection.execute(insert(subscribers), [
                dict(uid=new_uid(), email=g.email, email_key=g.key, name=g.name,
                     language=g.language, status=SubscriberStatus.ACTIVE, consent_at=at,
                     consent_method=ConsentMethod.IMPORT, privacy_version=privacy_version,
                     created_at=at, updated_at=at, confirmed_at=at)
                for g in good[start:start + CHUNK]])
        batch = select(subscribers.c.id, literal(at), literal("subscribed"),
                       literal(f"import of {file_name}")).where(
            subscribers.c.consent_method == ConsentMethod.IMPORT, subscribers.c.created_at == at)
        connection.execute(insert(subscriber_events).from_select(
            ["subscriber_id", "at", "event", "detail"], batch))
