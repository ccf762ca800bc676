"""``newsletter archive build`` and ``newsletter archive import``."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.archive.legacy import legacy_folder, read_legacy, write_months
from newsletter.archive.site import build_archive
from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.core.errors import NewsletterError


@click.group("archive")
def archive_group() -> None:
    """The online archive of past issues: build the static site, import the old news archive."""


@archive_group.command("build")
@options.out("Where to write the site (default: site/ in the project).")
@pass_config
def build_command(project: Project, out: Path | None) -> None:
    """Build (or bring up to date) the static archive site."""
    config = project.config
    out = out or config.root / "site"
    report = build_archive(config, out)
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    if report.future:
        click.echo(f"not yet public (future months): {', '.join(report.future)}", err=True)
    rebuilt = ", ".join(report.rebuilt) or "none"
    click.echo(f"archive in {out}/: issues rebuilt: {rebuilt}; unchanged: {report.unchanged}; "
               f"legacy months written: {report.legacy}; indexes "
               f"{'rewritten' if report.indexes else 'unchanged'} ({report.seconds:.2f} s)")


@archive_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=options.LANGUAGE,
              help="The page's language (default: from the file name, e.g. page.en.txt).")
@pass_config
def import_command(project: Project, file: Path, lang: str | None) -> None:
    """Import a page of the office's old news archive, one archive entry per month."""
    lang = lang or next((part for part in file.suffixes[::-1] if part[1:] in ("it", "en", "fr")),
                        "")[1:]
    if not lang:
        raise NewsletterError(f"{file.name}: cannot tell the page's language: add --lang en (or it, fr)")
    report = read_legacy(file.read_text(encoding="utf-8", errors="replace"), lang)
    written = write_months(report, legacy_folder(project.config.root), file.name)
    for problem in report.undated:
        click.echo(f"{file.name}: {problem}", err=True)
    for line in report.skipped:
        click.echo(f"{file.name}: note: {line}", err=True)
    months = ", ".join(f"{m.slug} ({len(m.items)})" for m in report.months)
    click.echo(f"imported {report.entries} entries in {len(report.months)} months ({months}) "
               f"into {written[0].parent.relative_to(project.config.root)}/; "
               f"{len(report.undated)} undated")
