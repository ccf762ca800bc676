"""``newsletter subscribers …`` through CliRunner and as a subprocess, on
SQLite and PostgreSQL (NEWSLETTER_DATABASE_URL)."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli

from .conftest import BOTH

pytestmark = BOTH


@pytest.fixture
def run(project, database_url):
    env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "s" * 32}

    def invoke(*args, input=None):
        return CliRunner(env=env).invoke(cli, ["--project", str(project), "subscribers", *args],
                                         input=input, catch_exceptions=False)
    return invoke


def test_add_list_remove_erase_stats(run):
    assert run("add", "Anna@Example.org", "--name", "Anna Rossi", "--lang", "fr").output == \
        "added Anna@example.org (fr, active)\n"
    duplicate = run("add", "anna@EXAMPLE.org")
    assert duplicate.exit_code == 1
    assert duplicate.output == "error: anna@example.org is already subscribed\n"
    run("add", "bob@example.org")
    listed = run("list", "--lang", "fr")
    assert listed.stdout.startswith("Anna@example.org\tfr\tactive\t")
    assert "Anna Rossi" in listed.stdout and "bob@" not in listed.stdout

    assert run("remove", "BOB@example.org").output == "BOB@example.org: unsubscribed\n"
    assert run("list", "--status", "unsubscribed").stdout.startswith("bob@example.org\tit")
    stats = run("stats").output.splitlines()
    assert stats[0].split() == ["status", "it", "en", "fr", "total"]
    assert stats[2].split() == ["active", "0", "0", "1", "1"]
    assert stats[3].split() == ["unsubscribed", "1", "0", "0", "1"]

    refused = run("erase", "anna@example.org", input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert run("erase", "anna@example.org", "--yes").output == \
        "anna@example.org: erased; the address stays suppressed\n"
    assert run("stats").output.splitlines()[-1].split() == ["erased", "1"]
    again = run("add", "anna@example.org")
    assert again.exit_code == 1 and "suppression list (erased)" in again.output


def test_invalid_address_is_explained(run):
    result = run("add", "anna@")
    assert result.exit_code == 1
    assert result.output.startswith("error: 'anna@': ")
    assert "Traceback" not in result.output


def test_import_reports_every_row(run, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("email,name,language\nanna@example.org,Anna,it\nbroken,,it\n"
                    "ANNA@example.org,,en\njohn@example.org,John,en\n")
    dry = run("import", str(path), "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout == ("5 lines in list.csv: 1 header, 2 to import (dry run: nothing imported), "
                          "1 with errors, 1 duplicate, 0 already subscribed, 0 suppressed, "
                          "0 blank\n")
    assert run("list").stdout == ""
    result = run("import", str(path))
    assert "list.csv: line 3: broken: " in result.stderr
    assert "list.csv: line 4: ANNA@example.org: duplicate of line 2" in result.stderr
    assert result.stdout == ("5 lines in list.csv: 1 header, 2 imported, 1 with errors, "
                             "1 duplicate, 0 already subscribed, 0 suppressed, 0 blank\n")


def test_import_of_a_file_with_a_stray_quote(run, tmp_path):
    """Issue 10: the rows after an unclosed quote are imported, the line
    with it is listed, and the summary adds up to the lines of the file."""
    path = tmp_path / "list.csv"
    path.write_bytes("\ufeffemail,name,language\r\nanna@example.org,Anna,it\r\n"
                     '"Mario Rossi,mario@example.org,it\r\nbob@example.org,Bob,en\r\n'
                     "\r\nzoe@example.org,Zoé,fr\r\n".encode())
    errors = tmp_path / "errors.csv"
    result = run("import", str(path), "--errors", str(errors))
    assert result.exit_code == 0
    assert result.stderr == (
        "list.csv: line 3: a quote opened and never closed (close it or remove it: a field "
        'cannot continue on the next line): "Mario Rossi,mario@example.org,it\n'
        f"1 line(s) with errors copied to {errors} under the header: correct them there and "
        "import that file.\n")
    assert result.stdout == ("6 lines in list.csv: 1 header, 3 imported, 1 with errors, "
                             "0 duplicate, 0 already subscribed, 0 suppressed, 1 blank\n")
    assert errors.read_text(encoding="utf-8-sig") == (
        'email,name,language\n"Mario Rossi,mario@example.org,it\n')
    errors.write_text("email,name,language\nmario@example.org,Mario Rossi,it\n")
    again = run("import", str(errors))
    assert again.stdout.startswith("2 lines in errors.csv: 1 header, 1 imported, 0 with errors")
    assert len(run("list").stdout.splitlines()) == 4


def test_import_errors_file_must_not_overwrite_the_file(run, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("email\nanna@example.org\n")
    result = run("import", str(path), "--errors", str(path))
    assert result.exit_code == 1
    assert result.output == f"error: {path}: --errors must name another file than the one imported\n"
    assert path.read_text() == "email\nanna@example.org\n"


def test_import_of_a_file_without_email_column(run, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("name|language\nAnna|it\n")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "line 1: no 'email' column in the header (found: name|language)" in result.output


def test_export_has_the_consent_record(run, tmp_path):
    run("add", "anna@example.org", "--name", "Anna")
    out = tmp_path / "export.csv"
    assert run("export", "--output", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["email"] == "anna@example.org"
    assert rows[0]["consent_method"] == "cli" and rows[0]["privacy_version"] == "2024-01"
    assert rows[0]["consent_at"].endswith("+00:00")
    stdout = list(csv.reader(io.StringIO(run("export", "--status", "active").stdout)))
    assert stdout[0][:4] == ["email", "name", "language", "status"] and len(stdout) == 2


def test_as_a_subprocess(project, database_url):
    newsletter = Path(sys.executable).with_name("newsletter")
    env = {**os.environ, "NEWSLETTER_DATABASE_URL": database_url}
    sample = Path(__file__).resolve().parent.parent / "subscribers" / "sample.csv"
    result = subprocess.run([str(newsletter), "subscribers", "import", str(sample), "--quiet"],
                            cwd=project, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("4 lines in sample.csv: 1 header, 3 imported, 0 with errors, "
                             "0 duplicate, 0 already subscribed, 0 suppressed, 0 blank\n")
    listing = subprocess.run([str(newsletter), "subscribers", "list", "--lang", "en"], cwd=project,
                             capture_output=True, text=True, env=env, timeout=60)
    assert listing.stdout.startswith("john.smith@example.org\ten\tactive")
    if "sqlite" in database_url:
        assert (project / "subscribers" / "secret.key").stat().st_mode & 0o077 == 0


def test_export_neutralises_spreadsheet_formulas(run, project, tmp_path):
    """OWASP's CSV injection rule: a name planted through the public form
    must not run as a formula when the office opens the export."""
    for n, name in enumerate(['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0",
                              "-2+3", "@SUM(1+1)", "Anna Rossi"]):
        assert run("add", f"p{n}@example.org", "--name", name).exit_code == 0
    out = tmp_path / "export.csv"
    assert run("export", "--output", str(out)).exit_code == 0
    names = [row["name"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert names == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+cmd|' /C calc'!A0", "'-2+3",
                     "'@SUM(1+1)", "Anna Rossi"]
