"""CSV import, on SQLite and PostgreSQL: every row accounted for, the good
ones imported in one transaction, whatever a spreadsheet wrote."""

import pytest

from newsletter.store import subscribers as subs
from newsletter.store.addresses import normalize
from newsletter.store.imports import ImportFileError, import_subscribers

from .conftest import BOTH

pytestmark = BOTH
LANGS = ("it", "en", "fr")


def run(store, path, **options):
    return import_subscribers(store, path, languages=LANGS, privacy_version="2024-01", **options)


def write(tmp_path, data: bytes | str, name="list.csv"):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def emails(store):
    return sorted(s.email for s in subs.listing(store))


def test_good_bad_duplicate_and_suppressed_rows(store, tmp_path):
    _erased_email, erased_key = normalize("gone@example.org")
    subs.erase(store, erased_key)
    path = write(tmp_path, "email,name,language\n"
                 "anna@example.org,Anna,it\n"
                 "not-an-address,Bad,it\n"
                 "ANNA@example.org,Anna again,it\n"
                 "john@example.org,John,en\n"
                 "gone@example.org,Erased,fr\n"
                 "hans@example.org,Hans,de\n")
    report = run(store, path)
    assert report.rows == 6 and report.imported == 2
    assert [(p.line, p.kind) for p in report.problems] == [
        (3, "invalid"), (4, "duplicate"), (6, "suppressed"), (7, "invalid")]
    assert str(report.problems[1]) == "line 4: ANNA@example.org: duplicate of line 2"
    assert "language 'de' is not one of it, en, fr" in str(report.problems[3])
    assert emails(store) == ["anna@example.org", "john@example.org"]
    john = subs.get(store, key="john@example.org")
    assert (john.language, john.status, john.consent_method) == ("en", "active", "import")
    history = subs.events(store, john.id)
    assert history[0][1:] == ("subscribed", "import of list.csv")


def test_reimport_reports_existing_and_unsubscribed(store, tmp_path):
    path = write(tmp_path, "email,name,language\nanna@example.org,Anna,it\nbob@example.org,,it\n")
    run(store, path)
    subs.remove(store, "bob@example.org")
    report = run(store, path)
    assert report.imported == 0
    assert [(p.kind, p.message.split(":")[0]) for p in report.problems] == [
        ("subscribed", "already in the list (active)"), ("suppressed", "suppressed (unsubscribed)")]


def test_dry_run_imports_nothing(store, tmp_path):
    report = run(store, write(tmp_path, "email\nanna@example.org\n"), dry_run=True)
    assert report.imported == 1 and report.dry_run
    assert emails(store) == []


def test_missing_email_column(store, tmp_path):
    with pytest.raises(ImportFileError, match=r"line 1: no 'email' column in the header "
                                              r"\(found: nome, lingua\)"):
        run(store, write(tmp_path, "nome,lingua\nAnna,it\n"))


def test_missing_language_column_uses_the_primary_language(store, tmp_path):
    report = run(store, write(tmp_path, "email,name\nanna@example.org,Anna\n"))
    assert "no 'language' column: everyone gets the it edition" in report.notes
    assert subs.get(store, key="anna@example.org").language == "it"


def test_semicolons_italian_headers_bom_and_latin1(store, tmp_path):
    data = "\ufeffIndirizzo;Nome;Lingua\r\nnicco@example.org;Niccolò Rossi;it\r\n"
    report = run(store, write(tmp_path, data.encode("cp1252", errors="ignore")))
    assert "the file is not UTF-8: read as Latin-1 (Windows-1252)" in report.notes
    assert "columns separated by ';'" in report.notes
    assert subs.get(store, key="nicco@example.org").name == "Niccolò Rossi"
    report = run(store, write(tmp_path, ("\ufeffemail,name\nzoe@example.org,Zoé\n").encode(), "b.csv"))
    assert report.imported == 1 and subs.get(store, key="zoe@example.org").name == "Zoé"


def test_blank_lines_are_skipped(store, tmp_path):
    data = "email,language\n" + "\n" * 10_000 + "anna@example.org,fr\n" + ",\n" * 100
    report = run(store, write(tmp_path, data))
    assert (report.rows, report.imported, report.problems) == (1, 1, [])


def test_names_with_line_breaks_or_html(store, tmp_path):
    data = ('email,name\nanna@example.org,"Anna\r\nBcc: evil@example.org"\n'
            'bob@example.org,<script>x</script>\n')
    run(store, write(tmp_path, data))
    assert subs.get(store, key="anna@example.org").name == "Anna Bcc: evil@example.org"
    assert subs.get(store, key="bob@example.org").name == "<script>x</script>"


def test_empty_file(store, tmp_path):
    with pytest.raises(ImportFileError, match="the file is empty"):
        run(store, write(tmp_path, "\n\n"))


def test_a_large_file_imports_in_one_go(store, tmp_path):
    rows = "".join(f"person{n}@example.org,Person {n},{LANGS[n % 3]}\n" for n in range(12_000))
    report = run(store, write(tmp_path, "email,name,language\n" + rows))
    assert report.imported == 12_000
    assert sum(1 for _ in subs.listing(store, "active", "fr")) == 4_000
