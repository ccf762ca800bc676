"""``newsletter archive build`` and ``newsletter archive import``."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.archive.legacy import (
    LegacyReport,
    legacy_folder,
    page_text,
    read_legacy,
    remove_emptied_months,
    write_months,
)
from newsletter.archive.legacy_html import declared_language
from newsletter.archive.legacy_review import (
    ReviewEntry,
    ReviewInvalid,
    corrections_for,
    read_review,
    stale_entries,
    write_review,
)
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
              help="The page's language (default: from the file name, e.g. page.en.html, or the "
                   "page's <html lang>).")
@click.option("--review", "review_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file listing the entries whose date or title is a guess, for an "
                   "editor to correct; when it exists, its corrections are applied first. Run "
                   "the same command again after correcting it.")
@pass_config
def import_command(project: Project, file: Path, lang: str | None,
                   review_file: Path | None) -> None:
    """Import a page of the office's old news archive (HTML or text, any of its layouts,
    in English, French or Italian), one archive entry per month.

    Every entry is imported. Those whose date, or whose split between title and body,
    is a guess are listed, and with --review written to a file an editor corrects and
    passes back with the same --review option.
    """
    text = page_text(file)
    lang = lang or _page_language(file, text)
    if review_file and review_file.resolve() == file.resolve():
        raise NewsletterError(f"{review_file}: --review must name another file than the page "
                              "imported.")
    review = _read_review(review_file) if review_file else []
    report = read_legacy(text, lang, file.name, corrections_for(review, file.name))
    folder = legacy_folder(project.config.root)
    write_months(report, folder, file.name)
    for path in remove_emptied_months(report, folder, file.name, lang):
        click.echo(f"{file.name}: note: {path.name} was removed: none of the page's entries "
                   "belongs to that month any more.", err=True)
    for line in report.skipped:
        click.echo(f"{file.name}: note: {line}", err=True)
    for stale in stale_entries(review, report, file.name):
        click.echo(f"{review_file}:{stale.line}: warning: this entry of {file.name} is no longer "
                   "on the page (its text changed), so its correction was not applied; check it "
                   "against the page, then delete it.", err=True)
    if review_file:
        write_review(review_file, review, report, file.name)
    else:
        for entry in report.to_review:
            for problem in entry.problems:
                click.echo(f"{file.name}:{entry.line}: {problem}", err=True)
    for line in _import_summary(report, file.name, folder.relative_to(project.config.root),
                                review_file):
        click.echo(line)


def _page_language(file: Path, text: str) -> str:
    from_name = next((part[1:] for part in file.suffixes[::-1] if part[1:] in ("it", "en", "fr")),
                     "")
    lang = from_name or declared_language(text)
    if lang not in ("it", "en", "fr"):
        raise NewsletterError(f"{file.name}: cannot tell the page's language: add --lang en "
                              "(or it, fr)")
    return lang


def _read_review(path: Path) -> list[ReviewEntry]:
    try:
        return read_review(path)
    except ReviewInvalid as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(_plural(len(exc.problems),
                           "1 error in the review file: nothing was imported. Correct it and run "
                           "the command again.",
                           "{count} errors in the review file: nothing was imported. Correct them "
                           "and run the command again.").format(count=len(exc.problems)), err=True)
        raise click.exceptions.Exit(1) from None


def _import_summary(report: LegacyReport, name: str, folder: Path,
                    review_file: Path | None) -> list[str]:
    """What a person needs to know, in sentences whose numbers add up: every
    entry read is imported; its date and its split are each certain or to review."""
    read, dated, split = len(report.entries), report.dates_to_review, report.splits_to_review
    months = ", ".join(f"{m.slug} ({len(m.items)})" for m in report.months)
    lines = [
        _plural(read, "{name}: 1 entry read, {imported} imported into {folder}/ by month: "
                      "{months}.",
                "{name}: {read} entries read, {imported} imported into {folder}/ by month: "
                "{months}.").format(name=name, read=read, imported=report.imported,
                                    folder=folder, months=months),
        f"Dates: {read - dated} certain, {dated} to review ({report.undated} undated).",
        f"Splits between title and body: {read - split} certain, {split} to review.",
    ]
    if report.confirmed:
        lines.append(_plural(report.confirmed,
                             "1 entry was taken as corrected from {file}.",
                             "{count} entries were taken as corrected from {file}.").format(
            count=report.confirmed, file=review_file))
    lines.append(_review_sentence(len(report.to_review), review_file))
    return lines


def _review_sentence(count: int, review_file: Path | None) -> str:
    if not count:
        return "Nothing to review."
    if review_file:
        return _plural(count,
                       "1 entry to review is in {file}: correct it there, set certain: true, and "
                       "run the same command again.",
                       "{count} entries to review are in {file}: correct them there, set "
                       "certain: true on each, and run the same command again.").format(
            count=count, file=review_file)
    return _plural(count,
                   "1 entry to review is listed above: add --review FILE.yaml to write it to a "
                   "file you can correct and import again.",
                   "{count} entries to review are listed above: add --review FILE.yaml to write "
                   "them to a file you can correct and import again.").format(count=count)


def _plural(count: int, one: str, many: str) -> str:
    """The English sentence for ``count`` (gettext's ngettext will choose once translated)."""
    return one if count == 1 else many
