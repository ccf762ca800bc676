"""The newsletter command, through click's CliRunner and as a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsletter.cli import cli

from .conftest import MINIMAL, partial_english, write_issue


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(project), *args], catch_exceptions=False)


def outputs(folder: Path) -> list[str]:
    # the outputs people open (a build also leaves its hidden .digest)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


def test_every_command_has_help_text():
    def walk(group: click.Group, path: tuple[str, ...] = ()):
        for name, command in group.commands.items():
            yield (*path, name), command
            if isinstance(command, click.Group):
                yield from walk(command, (*path, name))

    for path, command in walk(cli):
        assert command.help, f"`newsletter {' '.join(path)}` has no help text"
        assert CliRunner().invoke(cli, [*path, "--help"]).exit_code == 0, path


def test_build_writes_the_four_files_of_each_complete_edition(project):
    out = project / "site"
    result = run(project, "build", "2023-12", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert outputs(out) == [f"2023-12/{lang}/{name}" for lang in ("en", "it") for name in
                            ("email.html", "email.txt", "index.html", "issue.pdf")]
    assert "skipped" not in result.output
    assert (out / "2023-12/it/issue.pdf").read_bytes().startswith(b"%PDF-")


def test_build_skips_an_incomplete_edition_and_exits_3(project):
    partial_english(project)
    out = project / "site"
    result = run(project, "build", "2023-12", "--out", str(out))
    assert result.exit_code == 3, result.output
    assert outputs(out) == ["2023-12/it/email.html", "2023-12/it/email.txt",
                            "2023-12/it/index.html", "2023-12/it/issue.pdf"]
    assert "skipped en: incomplete translation (14 parts missing" in result.output
    assert "not every edition of 2023-12 was built (the others are written)" in result.output


def test_build_allow_incomplete_builds_english_with_italian_fallbacks(project):
    partial_english(project)
    out = project / "site"
    result = run(project, "build", "2023-12", "--out", str(out), "--allow-incomplete")
    assert result.exit_code == 0, result.output
    assert len(outputs(out)) == 8
    text = (out / "2023-12/en/email.txt").read_text()
    assert "A pilot scenario at Parco Dora" in text
    assert "Mentor 2 - Incontro dei tirocinanti a Torino" in text  # Italian fallback


def test_build_one_language(project):
    partial_english(project)
    result = run(project, "build", "2023-12", "--out", str(project / "site"), "--lang", "it")
    assert result.exit_code == 0  # the incomplete English edition was not asked for
    assert outputs(project / "site")[0] == "2023-12/it/email.html"


def test_asking_for_an_incomplete_edition_is_refused(project):
    partial_english(project)
    result = run(project, "build", "2023-12", "--out", str(project / "site"), "--lang", "en")
    assert result.exit_code == 1
    assert "error: en: incomplete translation (14 parts missing" in result.output
    assert not (project / "site").exists()


def test_asking_for_a_missing_edition_is_refused(project):
    result = run(project, "build", "2023-12", "--out", str(project / "site"), "--lang", "fr")
    assert result.exit_code == 1
    assert "2023-12 has no fr edition: write issues/2023-12/fr.yaml" in result.output


def test_default_output_folder_is_out(project):
    assert run(project, "build", "2023-12").exit_code == 0
    assert (project / "out/2023-12/it/index.html").is_file()


def test_rebuild_replaces_previous_output(project):
    out = project / "site"
    run(project, "build", "2023-12", "--out", str(out))
    (out / "2023-12/it/stale.txt").write_text("old")
    assert run(project, "build", "2023-12", "--out", str(out)).exit_code == 0
    assert not (out / "2023-12/it/stale.txt").exists()
    assert sorted(p.name for p in (out / "2023-12").iterdir()) == ["en", "it"]  # no leftovers


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s + "  - id: [broken\n", "issues/2024-03/it.yaml:8: YAML syntax error"),
    (lambda s: s.replace("    title: Prima notizia\n", ""),
     "issues/2024-03/it.yaml:4: top_news[prima].title: is required but missing"),
    (lambda s: s.replace("2024-03-04", "2023-11-31"),
     "issues/2024-03/it.yaml:6: top_news[prima].date: '2023-11-31': November 2023 has 30 days"),
])
def test_bad_input_exits_1_and_writes_nothing(project, change, message):
    write_issue(project, {"it.yaml": change(MINIMAL)})
    for command in (["check", "2024-03"], ["build", "2024-03", "--out", str(project / "site")]):
        result = run(project, *command)
        assert result.exit_code == 1
        assert f"error: {message}" in result.output
        assert "Traceback" not in result.output
    assert not (project / "site").exists()


def test_bad_english_edition_stops_the_whole_build(project):
    english = "top_news:\n  - id: seconda\n    title: Second\n    body: Text.\n"
    write_issue(project, {"it.yaml": MINIMAL, "en.yaml": english})
    result = run(project, "build", "2024-03", "--out", str(project / "site"))
    assert result.exit_code == 1
    assert "issues/2024-03/en.yaml:2: top_news[seconda].id: 'seconda' is not an id" in result.output
    assert not (project / "site").exists()


def test_unknown_month_lists_known_issues(project):
    result = run(project, "build", "2019-04")
    assert result.exit_code == 1
    assert result.output == "error: no issue '2019-04' in issues/; known issues: 2023-12\n"


def test_check_reports_ok_and_warnings(project):
    result = run(project, "check", "2023-12")
    assert result.exit_code == 0
    assert "warning: issues/2023-12/it.yaml:17: top_news[luci-d-artista].body: the link" \
        in result.output
    assert "2023-12 it: 16 Top News, complete" in result.output
    assert "2023-12 en: 16 Top News, complete" in result.output
    assert "2023-12: OK (it email" in result.output


def test_check_exits_3_when_an_edition_is_incomplete(project):
    partial_english(project)
    result = run(project, "check", "2023-12")
    assert result.exit_code == 3, result.output
    assert "warning: issues/2023-12/en.yaml: incomplete translation" in result.output
    assert "2023-12 en: 16 Top News, incomplete (14 missing)" in result.output
    quiet = run(project, "check", "2023-12", "--quiet")
    assert quiet.exit_code == 3
    assert quiet.output == ("2023-12 en: incomplete translation, 14 parts not translated; "
                            "`build` skips it unless --allow-incomplete\n")


def test_check_help_documents_the_exit_status():
    shown = CliRunner().invoke(cli, ["check", "--help"]).output
    assert "Exit status:" in shown
    assert "3  no error, but an edition is incomplete" in shown
    assert "1  errors" in shown and "0  every edition is complete" in shown


def test_new_scaffolds_an_issue_whose_placeholders_check_points_at(project):
    result = run(project, "new", "2024-01")
    assert result.exit_code == 0
    assert "created issues/2024-01/it.yaml" in result.output
    source = (project / "issues/2024-01/it.yaml").read_text()
    assert "period: {from: 2023-12-01, to: 2023-12-31}" in source
    checked = run(project, "check", "2024-01")
    assert checked.exit_code == 1, checked.output
    assert ("error: issues/2024-01/it.yaml:15: top_news[prima-notizia].title: "
            "still has the placeholder 'DA SCRIVERE'") in checked.output
    draft = run(project, "check", "2024-01", "--draft")
    assert draft.exit_code == 0, draft.output  # valid otherwise
    assert ("warning: issues/2024-01/it.yaml:15: top_news[prima-notizia].title: "
            "still has the placeholder") in draft.output


def test_new_refuses_to_overwrite(project):
    result = run(project, "new", "2023-12")
    assert result.exit_code == 1
    assert "issues/2023-12/ already exists" in result.output


def test_new_refuses_a_malformed_month(project):
    result = run(project, "new", "2024-13")
    assert result.exit_code == 1
    assert "'2024-13' is not a month" in result.output


def test_missing_configuration_is_explained(tmp_path):
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "check", "2023-12"])
    assert result.exit_code == 1
    assert f"error: {tmp_path}/newsletter.toml: file not found" in result.output


def test_as_a_subprocess(project):
    newsletter = Path(sys.executable).with_name("newsletter")
    env = {**os.environ, "NEWSLETTER_BASE_URL": "https://wip.example.org"}
    result = subprocess.run([str(newsletter), "build", "2023-12", "--out", "site"], cwd=project,
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "built " in result.stdout
    html = (project / "site/2023-12/it/email.html").read_text()
    assert 'href="https://wip.example.org/2023-12/it/"' in html
    failed = subprocess.run([str(newsletter), "check", "1999-01"], cwd=project,
                            capture_output=True, text=True)
    assert failed.returncode == 1
    assert failed.stderr == "error: no issue '1999-01' in issues/; known issues: 2023-12\n"


@pytest.mark.parametrize("month", ["2024-05\n", "2024-05 ", " 2024-05", "2024-5", "2024-05/x"])
def test_new_refuses_a_month_with_anything_around_it(project, month):
    result = run(project, "new", month)
    assert result.exit_code == 1
    assert "is not a month: write it as YYYY-MM" in result.output
    assert sorted(p.name for p in (project / "issues").iterdir()) == ["2023-12"]
