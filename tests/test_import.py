"""CSV import, on SQLite and PostgreSQL: every row accounted for, the good
ones imported in one transaction, whatever a spreadsheet wrote."""

import pytest

from newsletter.store import subscribers as subs
from newsletter.store.addresses import normalize
from newsletter.store.imports import ImportFileError, import_subscribers, write_errors

from .conftest import BOTH

pytestmark = BOTH
LANGS = ("it", "en", "fr")


def run(store, path, **options):
    return import_subscribers(store, path, languages=LANGS, privacy_version="2024-01", **options)


def write(tmp_path, data: bytes | str, name="list.csv"):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def assert_accounted(report):
    """Every physical line is the header, blank, imported or one problem."""
    assert report.lines == 1 + report.blank + report.imported + len(report.problems)


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
    assert (report.lines, report.blank) == (10_102, 10_100)


def test_names_with_html_or_a_line_separator(store, tmp_path):
    """U+2028 is not a line end in CSV: the name stays on its row, cleaned."""
    data = ('email,name\nanna@example.org,"Anna\u2028Bcc: evil@example.org"\n'
            'bob@example.org,<script>x</script>\n')
    report = run(store, write(tmp_path, data))
    assert (report.lines, report.imported, report.problems) == (3, 2, [])
    assert subs.get(store, key="anna@example.org").name == "Anna Bcc: evil@example.org"
    assert subs.get(store, key="bob@example.org").name == "<script>x</script>"


def test_a_field_spanning_two_lines_is_refused_line_by_line(store, tmp_path):
    """A quoted name with a line break is two lines with errors, both listed
    (nothing imported from them, nothing lost), not one row."""
    data = ('email,name\nanna@example.org,"Anna\r\nBcc: evil@example.org"\n'
            'bob@example.org,Bob\n')
    report = run(store, write(tmp_path, data))
    assert_accounted(report)
    assert [(p.line, p.kind) for p in report.problems] == [(2, "unreadable"), (3, "invalid")]
    assert str(report.problems[0]) == (
        "line 2: a quote opened and never closed (close it or remove it: a field cannot "
        'continue on the next line): anna@example.org,"Anna')
    assert emails(store) == ["bob@example.org"]


def test_empty_file(store, tmp_path):
    with pytest.raises(ImportFileError, match="the file is empty"):
        run(store, write(tmp_path, "\n\n"))


def test_a_large_file_imports_in_one_go(store, tmp_path):
    rows = "".join(f"person{n}@example.org,Person {n},{LANGS[n % 3]}\n" for n in range(12_000))
    report = run(store, write(tmp_path, "email,name,language\n" + rows))
    assert report.imported == 12_000
    assert sum(1 for _ in subs.listing(store, "active", "fr")) == 4_000


def test_a_stray_quote_is_an_error_of_its_own_line(store, tmp_path):
    """Issue 10: an unclosed quote swallowed the following lines into one
    field ('1 rows: imported 1' for this file)."""
    path = write(tmp_path, "email,name,language\n"
                 "anna@example.org,Anna,it\n"
                 '"Mario Rossi,mario@example.org,it\n'
                 "bob@example.org,Bob,en\n"
                 "zoe@example.org,Zoé,fr\n")
    report = run(store, path)
    assert emails(store) == ["anna@example.org", "bob@example.org", "zoe@example.org"]
    assert (report.lines, report.rows, report.imported, report.blank) == (5, 4, 3, 0)
    assert_accounted(report)
    [problem] = report.problems
    assert (problem.line, problem.kind) == (3, "unreadable")
    assert str(problem) == ("line 3: a quote opened and never closed (close it or remove it: a "
                            'field cannot continue on the next line): "Mario Rossi,mario@example.org,it')


def test_text_after_a_closing_quote_is_an_error(store, tmp_path):
    report = run(store, write(tmp_path, 'email,name\nanna@example.org,"Anna" Rossi\n'
                                        'bob@example.org,"Bob ""the"" Builder"\n'))
    assert_accounted(report)
    assert [str(p) for p in report.problems] == [
        'line 2: text after a closing quote (put the whole field in quotes, and double a quote '
        'inside it: ""): anna@example.org,"Anna" Rossi']
    assert subs.get(store, key="bob@example.org").name == 'Bob "the" Builder'


def test_a_long_unreadable_line_is_shortened_in_its_message(store, tmp_path):
    report = run(store, write(tmp_path, 'email\n"' + "x" * 500 + "\n"))
    assert str(report.problems[0]).endswith(': "' + "x" * 98 + "…")
    assert report.problems[0].text == '"' + "x" * 500
    report = run(store, write(tmp_path, "email\n" + "x" * 200_000 + "\nanna@example.org\n"))
    assert str(report.problems[0]).startswith(
        "line 2: the line cannot be read as CSV (field larger than field limit (131072)): xxx")
    assert report.imported == 1


@pytest.mark.parametrize("end", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_line_ends_and_byte_order_mark(store, tmp_path, end):
    lines = ["email;nome", "", "anna@example.org;Anna", '"mario@example.org;Mario',
             "bad@;Bad", "bob@example.org;Bob"]
    data = "\ufeff" + end.join(lines) + end
    report = run(store, write(tmp_path, data))
    assert (report.lines, report.blank, report.imported) == (6, 1, 2)
    assert [(p.line, p.kind) for p in report.problems] == [(4, "unreadable"), (5, "invalid")]
    assert_accounted(report)
    assert emails(store) == ["anna@example.org", "bob@example.org"]


def test_a_file_without_a_final_line_end_in_latin1(store, tmp_path):
    data = "email,name\r\nnicco@example.org,Niccolò\r\n\"x@example.org".encode("cp1252")
    report = run(store, write(tmp_path, data))
    assert (report.lines, report.imported, report.count("unreadable")) == (3, 1, 1)
    assert subs.get(store, key="nicco@example.org").name == "Niccolò"


def test_an_unreadable_header(store, tmp_path):
    with pytest.raises(ImportFileError, match=r"line 3: the header cannot be read: a quote "
                                              r"opened and never closed"):
        run(store, write(tmp_path, '\n,\n"email,name\nanna@example.org,Anna\n'))


def test_fifty_thousand_lines_add_up(store, tmp_path):
    """A large file with every kind of trouble: every line is counted once,
    and each count is what was planted."""
    run(store, write(tmp_path, "email\n" + "".join(f"old.{k}@example.org\n" for k in range(20)),
                     "old.csv"))
    for k in range(10):
        subs.remove(store, f"old.{k}@example.org")
    planted = {7: '"Persona {n},persona.{n}@example.org,it',   # stray quote
               11: "persona.{n}@,Persona {n},it",               # wrong address
               13: "",                                           # blank
               17: " , ,",                                       # blank cells
               19: "PERSONA.{p}@example.org,Again,en",           # duplicate of the line before
               23: "old.{k}@example.org,Old,fr",                 # already subscribed
               29: "old.{j}@example.org,Gone,fr",                # suppressed (unsubscribed)
               31: 'persona.{n}@example.org,"Persona" {n},it',   # text after a quote
               37: "persona.{n}@example.org,Persona {n},de"}     # unknown language
    lines = ["email,name,language"]
    for n in range(2, 50_001):
        pattern = planted.get(n % 5000, "persona.{n}@example.org,Persona {n},it")
        k = n // 5000
        lines.append(pattern.format(n=n, p=n - 1, k=10 + k, j=k))
    path = write(tmp_path, "\ufeff" + "\r\n".join(lines) + "\r\n")

    report = run(store, path)
    assert report.imported == 50_000 - 1 - 90 == len(emails(store)) - 20
    assert report.lines == 50_000
    assert_accounted(report)
    assert (report.blank, report.count("unreadable"), report.count("invalid"),
            report.count("duplicate"), report.count("subscribed"),
            report.count("suppressed")) == (20, 20, 20, 10, 10, 10)
    assert [p.line for p in report.problems] == sorted(p.line for p in report.problems)
    assert report.problems[0].line == 7 and report.problems[-1].line == 45_037


def test_errors_file_can_be_corrected_and_imported(store, tmp_path):
    path = write(tmp_path, "email;nome;lingua\r\nanna@example.org;Anna;it\r\n"
                           '"mario@example.org;Mario;it\r\nbob@;Bob;en\r\n'
                           "anna@example.org;Anna;it\r\nzoe@example.org;Zoé;xx\r\n")
    report = run(store, path)
    errors = tmp_path / "errors.csv"
    assert write_errors(report, errors) == 3
    assert errors.read_text(encoding="utf-8-sig") == (
        'email;nome;lingua\n"mario@example.org;Mario;it\nbob@;Bob;en\nzoe@example.org;Zoé;xx\n')
    errors.write_text(errors.read_text(encoding="utf-8-sig").replace('"mario', "mario")
                      .replace("bob@", "bob@example.org").replace("xx", "fr"), encoding="utf-8-sig")
    again = run(store, errors)
    assert (again.imported, again.problems) == (3, [])
    assert len(emails(store)) == 4
