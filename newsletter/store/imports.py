"""Import subscribers from a CSV file: every row is accounted for. Invalid,
duplicate and suppressed rows are reported with their line; the good rows
are imported together in one transaction (or not at all with --dry-run).

Tolerant of what spreadsheets write: a byte-order mark, Latin-1 /
Windows-1252 instead of UTF-8, ``;`` or tab as the delimiter (Italian
Excel), blank lines, Italian column names (indirizzo, nome, lingua).
"""

from __future__ import annotations

import csv
import io
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


class ImportFileError(NewsletterError):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    address: str
    kind: str  # invalid, duplicate, suppressed, subscribed
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.address or '(empty)'}: {self.message}"


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)


@dataclass(frozen=True)
class _Good:
    line: int
    email: str
    key: str
    name: str | None
    language: str


def read_rows(path: Path, notes: list[str]) -> tuple[list[tuple[int, dict]], list[str]]:
    """The data rows with their line numbers, and the columns found."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror})") from None
    text = _decode(raw, path, notes)
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise ImportFileError(f"{path}: the file is empty")
    delimiter = max(",;\t", key=lines[header_index].count)
    if delimiter != ",":
        notes.append(f"columns separated by {'a tab' if delimiter == chr(9) else repr(delimiter)}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, header = [], None
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [COLUMNS.get(cell.strip().lower(), cell.strip().lower()) for cell in record]
            _check_header(header, record, path)
            continue
        rows.append((reader.line_num, dict(zip(header, record, strict=False))))
    return rows, header or []


def _decode(raw: bytes, path: Path, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append("the file is not UTF-8: read as Latin-1 (Windows-1252)")
        return raw.decode("cp1252", errors="replace")


def _check_header(header: list[str], record: list[str], path: Path) -> None:
    if "email" not in header:
        found = ", ".join(cell.strip() for cell in record) or "nothing"
        raise ImportFileError(
            f"{path}: line 1: no 'email' column in the header (found: {found}); the first line "
            "must name the columns, e.g. email,name,language")


def import_subscribers(store: Store, path: Path, *, languages: tuple[str, ...],
                       privacy_version: str, dry_run: bool = False,
                       on_row: Callable[[], None] | None = None) -> ImportReport:
    report = ImportReport(file=str(path), dry_run=dry_run)
    rows, header = read_rows(path, report.notes)
    if "language" not in header:
        report.notes.append(f"no 'language' column: everyone gets the {languages[0]} edition")
    report.rows = len(rows)
    known, erased = _known_addresses(store)
    good: list[_Good] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if on_row:
            on_row()
        problem, entry = _check_row(line, row, languages, known, erased, seen, store)
        if problem:
            report.problems.append(problem)
        else:
            good.append(entry)
            seen[entry.key] = line
    if good and not dry_run:
        _insert(store, good, privacy_version, path.name)
    report.imported = len(good)
    return report


def _known_addresses(store: Store) -> tuple[dict[str, str], set[str]]:
    with store.transaction() as connection:
        known = dict(connection.execute(select(subscribers.c.email_key, subscribers.c.status)).all())
        erased = set(connection.execute(select(suppressions.c.address_hash)).scalars())
    return known, erased


def _check_row(line, row, languages, known, erased, seen, store):
    address = (row.get("email") or "").strip()
    try:
        email, key = normalize(address)
    except InvalidAddress as exc:
        return RowProblem(line, address, "invalid", str(exc)), None
    language = (row.get("language") or "").strip().lower() or languages[0]
    if language not in languages:
        return RowProblem(line, address, "invalid", f"language {language!r} is not one of "
                          f"{', '.join(languages)}"), None
    if key in seen:
        return RowProblem(line, address, "duplicate", f"duplicate of line {seen[key]}"), None
    status = known.get(key)
    if status in SUPPRESSED_STATUSES or (status is None and store.address_hash(key) in erased):
        reason = status or "erased"
        return RowProblem(line, address, "suppressed", f"suppressed ({reason}): not imported; "
                          "the person can subscribe again through the form"), None
    if status is not None:
        return RowProblem(line, address, "subscribed", f"already in the list ({status})"), None
    return None, _Good(line, email, key, clean_name(row.get("name")), language)


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
