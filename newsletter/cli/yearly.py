"""``newsletter report YYYY``: the yearly report of the office's
international activity, compiled from the year's issues and the office's
own texts in issues/report-YYYY/."""

from __future__ import annotations

import time
from pathlib import Path

import click

from newsletter.archive.report.build import OUTPUT_FILES, build_report, plan
from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content import yearly
from newsletter.core.i18n import _, ngettext

REPORT_STATUS = """\b
Exit status:
  0  the report of every language asked for was written (with --check: no gap)
  1  an error (a year without issues, a malformed report.yaml), or with
     --check a gap: something the report needs is missing from the issues
  3  a language named with --lang was skipped: some month has no complete
     edition in it (without --lang, the languages not complete are only noted)"""
EXIT_SKIPPED = 3


@click.command("report", epilog=REPORT_STATUS)
@click.argument("year", type=click.IntRange(2000, 2100), metavar="YYYY")
@options.out("Output folder (default: out/report-YYYY/ in the project); one subfolder per language.")
@options.langs("Write only this language's report (repeatable); default: every complete one.")
@click.option("--check", is_flag=True,
              help="Write nothing: list what is missing for a good report (items without a kind "
                   "or a country, highlights missing), as file:line: field: message.")
@pass_config
def report_command(lazy: Project, year: int, out: Path | None, langs: tuple[str, ...],
                   check: bool) -> None:
    """Write the yearly report: report.pdf, report.docx and index.html per complete language,
    with every figure computed from the year's issues and the office's texts from
    issues/report-YYYY/ (introduction.LANG.md, focus/*.LANG.md, report.yaml)."""
    config = lazy.config
    if check:
        _check(config, year)
        return
    planned = plan(config, year, langs or None)
    for problem in planned.problems:
        click.echo(_("error (the issue is left out of the report): {problem}").format(
            problem=problem), err=True)
    started = time.monotonic()
    folder = out or config.out_dir / f"report-{year}"
    build_report(config, year, folder, planned.languages)
    for lang in planned.languages:
        click.echo(_("built {folder}/ ({files})").format(folder=folder / lang,
                                                        files=", ".join(OUTPUT_FILES)))
    for lang, months in planned.skipped.items():
        click.echo(ngettext("skipped {lang}: the edition of {months} is missing or incomplete",
                            "skipped {lang}: the editions of {months} are missing or incomplete",
                            len(months)).format(lang=lang, months=", ".join(months)), err=True)
    click.echo(ngettext("report {year}: {count} language in {seconds} s",
                        "report {year}: {count} languages in {seconds} s",
                        len(planned.languages)).format(
        year=year, count=len(planned.languages), seconds=f"{time.monotonic() - started:.1f}"))
    if planned.skipped and langs:
        click.get_current_context().exit(EXIT_SKIPPED)


def _check(config, year: int) -> None:
    gaps = yearly.report_gaps(config, year)
    for problem in gaps:
        click.echo(_("gap: {problem}").format(problem=problem))
    for problem in yearly.year_warnings(config, year):
        click.echo(_("warning: {problem}").format(problem=problem), err=True)
    if gaps:
        click.echo(ngettext("{count} gap in the report of {year}",
                            "{count} gaps in the report of {year}", len(gaps)).format(
            count=len(gaps), year=year), err=True)
        click.get_current_context().exit(1)
    click.echo(_("report {year}: nothing missing").format(year=year))
