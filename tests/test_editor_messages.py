"""What an editor reads when a source is wrong: YAML mistakes explained in
words on the line of the mistake, a free-text date answered with the exact
form to write, an unknown translation id answered with the nearest one; in
Italian when the office speaks Italian."""

import re

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.core.i18n import use_language

from .conftest import MINIMAL, write_issue

BROKEN = {
    "tab": ("top_news:\n  - id: prima\n\ttitle: Prima\n", 5,
            "replace the tab at the start of line 5 with spaces"),
    "missing colon": ("top_news:\n  - id: prima\n    title Prima notizia\n    body: x\n", 5,
                      "line 5 has no colon after the field name: write it as "
                      "`title: Prima notizia`"),
    "indented more": ("top_news:\n  - id: prima\n    title: Prima\n      body: x\n", 6,
                      "line 6 is indented more than the `title:` above it (line 5)"),
    "not lined up": ("top_news:\n  - id: prima\n    title: Prima\n   body: x\n", 6,
                     "the fields of one entry start at the same column"),
    "curly quotes": ("top_news:\n  - id: prima\n    title: “Expo: il futuro”\n    body: x\n", 5,
                     "the text of `title:` is between curly quotes (“…”), which YAML does not "
                     "understand as quotes: write title: \"Expo: il futuro\""),
    "colon in text": ("top_news:\n  - id: prima\n    title: Expo: il futuro\n    body: x\n", 5,
                      "put the whole text in quotes, title: \"Expo: il futuro\""),
    "unclosed quote": ("top_news:\n  - id: prima\n    title: \"Prima\n    body: x\n", 5,
                       "the quote opened on line 5 is never closed"),
    "dash without space": ("top_news:\n  -id: prima\n    title: x\n", 4,
                           "put a space after the dash on line 4: `- id: prima`"),
}
HEAD = "month: 2024-03\ncurated_by: a cura della redazione\n"


def check(project, env=None):
    return CliRunner().invoke(cli, ["--project", str(project), "check", "2024-03"], env=env)


@pytest.mark.parametrize("case", BROKEN)
def test_yaml_mistakes_are_explained_on_their_line(project, case):
    body, line, words = BROKEN[case]
    write_issue(project, {"it.yaml": HEAD + body})
    result = check(project)
    assert result.exit_code == 1
    assert f"issues/2024-03/it.yaml:{line}: " in result.output, result.output
    assert words in result.output, result.output
    assert "while scanning" not in result.output and "<block end>" not in result.output


@pytest.mark.parametrize(("written", "advice"), [
    ("30 novembre - 5 dicembre", "write {from: 2023-11-30, to: 2023-12-05}"),
    ("4 marzo", "write 2024-03-04"),
    ("fino al 14 aprile", "write {until: 2024-04-14}"),
    ("entro il 31 marzo", "write {by: 2024-03-31}"),
    ("a partire dal 9 marzo", "write {from: 2024-03-09}"),
    ("March 27th-30th", "write {from: 2024-03-27, to: 2024-03-30}"),
    ("du 27 au 30 mars", "write {from: 2024-03-27, to: 2024-03-30}"),
    ("30 dicembre - 2 gennaio", "write {from: 2023-12-30, to: 2024-01-02}"),
    ("marzo 2024", "write 2024-03"),
])
def test_a_free_text_date_gets_the_exact_form_to_write(project, written, advice):
    write_issue(project, {"it.yaml": MINIMAL.replace("date: 2024-03-04", f"date: {written}")})
    result = check(project)
    assert result.exit_code == 1
    assert "issues/2024-03/it.yaml:6: top_news[prima].date:" in result.output
    assert advice in result.output, result.output


def test_a_date_that_is_not_understood_shows_every_form_with_an_example(project):
    write_issue(project, {"it.yaml": MINIMAL.replace("date: 2024-03-04", "date: prossimamente")})
    output = check(project).output
    for example in ("a day 2023-12-02", "a range {from: 2023-11-27, to: 2023-11-30}",
                    "until a day {until: 2024-01-14}", "from a day {from: 2023-12-09}",
                    "a deadline {by: 2023-12-31}", "a month 2023-12"):
        assert example in output, output


def test_a_free_text_bound_in_a_range_gets_its_day(project):
    write_issue(project, {"it.yaml": MINIMAL.replace(
        "date: 2024-03-04", "date: {from: 30 marzo, to: 2024-04-02}")})
    assert "write from: 2024-03-30" in check(project).output


def test_an_unknown_translation_id_suggests_the_nearest(project):
    write_issue(project, {"it.yaml": MINIMAL.replace("id: prima", "id: smart-city-expo"),
                          "en.yaml": "top_news:\n  - id: smart-city-expoo\n    title: First\n"
                                     "    body: Text.\n"})
    output = check(project).output
    assert "issues/2024-03/en.yaml:2: top_news[smart-city-expoo].id:" in output
    assert "(did you mean smart-city-expo?)" in output


def test_an_office_that_speaks_italian_reads_italian(project):
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text() + '\n[workspace]\nlanguage = "it"\n')
    write_issue(project, {"it.yaml": HEAD + BROKEN["tab"][0]})
    try:
        output = check(project).output
    finally:
        use_language(None)
    assert "sostituisci la tabulazione all'inizio della riga 5 con degli spazi" in output, output
    assert "replace" not in output


def test_the_locale_chooses_the_language_when_the_configuration_does_not(project):
    write_issue(project, {"it.yaml": MINIMAL.replace("date: 2024-03-04", "date: 4 marzo")})
    try:
        output = check(project, env={"LANG": "it_IT.UTF-8", "LC_ALL": ""}).output
    finally:
        use_language(None)
    assert "scrivi 2024-03-04" in output, output
    assert load_config(project, {}).workspace.language is None


# -- the whole round in Italian ---------------------------------------------------------------

ENGLISH = (" the ", "error:", "warning", "incomplete", "not ", "built", "sent", "skipped",
           "translation", "nothing", "scheduled")
TWO_ITEMS = MINIMAL + """\
  - id: seconda
    title: Seconda notizia
    date: 2024-03-05
    body: Il [programma](#) arriverà presto.
"""
HALF_TRANSLATED = "top_news:\n  - id: prima\n    title: First news\n    body: The first news.\n"


def english_in(output: str, project) -> list[str]:
    """The English words left in ``output``, leaving out what an editor types as it
    is (commands in backquotes, options, paths) rather than reads."""
    prose = re.sub(r"`[^`]*`|--[\w-]+|\S*/\S*", "", output.replace(str(project), ""))
    return [word for word in ENGLISH if word in prose.lower()]


def test_an_editor_working_in_italian_sees_only_italian(project, tmp_path):
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text() + '\n[workspace]\nlanguage = "it"\n')
    folder = write_issue(project, {"it.yaml": TWO_ITEMS, "en.yaml": HALF_TRANSLATED})
    env = {"NEWSLETTER_DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}",
           "NEWSLETTER_SECRET_KEY": "c" * 32, "NEWSLETTER_SMTP_URL": ""}

    def run(*args):
        return CliRunner(env=env).invoke(cli, ["--project", str(project), *args])

    try:
        checked = run("check", "2024-03")
        built = run("build", "2024-03")
        test_copy = run("send", "2024-03", "--test", "redazione@example.org")
        run("subscribers", "add", "bob@example.org", "--lang", "en")  # IT staff: English
        refused = run("send", "2024-03")
        past = run("schedule", "2024-03", "--at", "2020-01-01 10:00")
        (folder / "it.yaml").write_text(TWO_ITEMS.replace("2024-03-05", "5 marzo"))
        broken = run("build", "2024-03")
    finally:
        use_language(None)

    assert checked.exit_code == 3, checked.output
    assert "avviso: issues/2024-03/it.yaml:11: top_news[seconda].body: il link 'programma' " \
           "non ha ancora un indirizzo (#)" in checked.output
    assert "avviso: issues/2024-03/en.yaml: traduzione incompleta: 1 parte dell'edizione it " \
           "non è tradotta (seconda)" in checked.output
    assert "2024-03 it: 2 Top News, completa" in checked.output
    assert "2024-03 en: traduzione incompleta, 1 parte non tradotta" in checked.output
    assert built.exit_code == 3, built.output
    assert "saltata l'edizione en: traduzione incompleta (1 parte mancante: seconda)" \
        in built.output
    assert "generata l'edizione in " in built.output
    assert "non tutte le edizioni di 2024-03 sono state generate" in built.output
    assert test_copy.exit_code == 0, test_copy.output
    assert test_copy.output.startswith(
        "copia di prova di 2024-03 (it) inviata a redazione@example.org: 250 ")
    assert refused.exit_code == 1, refused.output
    assert "errore: impossibile inviare 2024-03: nessuna edizione completa per en (parti non " \
           "tradotte: 1; 1 iscritto attivo)" in refused.output
    assert past.exit_code == 1, past.output
    assert "è nel passato: scegli un orario successivo" in past.output
    assert broken.exit_code == 1, broken.output
    assert "errore: issues/2024-03/it.yaml:10: top_news[seconda].date: '5 marzo' non è una " \
           "data che il bollettino capisce: scrivi 2024-03-05" in broken.output
    assert "1 errore: non è stato scritto nulla." in broken.output
    reply = test_copy.output.partition(": 250 ")[0]  # the outbox's own reply is not ours
    for output in (checked.output, built.output, reply, refused.output, past.output,
                   broken.output):
        assert english_in(output, project) == [], output
