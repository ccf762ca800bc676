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
from newsletter.core.i18n import _, ngettext


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
        click.echo(_("warning: {problem}").format(problem=problem), err=True)
    if report.future:
        click.echo(_("not yet public (future months): {months}").format(
            months=", ".join(report.future)), err=True)
    summary = _("archive in {out}/: issues rebuilt: {rebuilt}; unchanged: {unchanged}; legacy "
                "months written: {legacy}; indexes rewritten ({seconds} s)") if report.indexes \
        else _("archive in {out}/: issues rebuilt: {rebuilt}; unchanged: {unchanged}; legacy "
               "months written: {legacy}; indexes unchanged ({seconds} s)")
    click.echo(summary.format(out=out, rebuilt=", ".join(report.rebuilt) or _("none"),
                              unchanged=report.unchanged, legacy=report.legacy,
                              seconds=f"{report.seconds:.2f}"))


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
    config = project.config  # first: it sets the language of the messages
    text = page_text(file)
    lang = lang or _page_language(file, text)
    if review_file and review_file.resolve() == file.resolve():
        raise NewsletterError(_("{file}: --review must name another file than the page "
                                "imported.").format(file=review_file))
    review = _read_review(review_file) if review_file else []
    report = read_legacy(text, lang, file.name, corrections_for(review, file.name))
    folder = legacy_folder(config.root)
    write_months(report, folder, file.name)
    for path in remove_emptied_months(report, folder, file.name, lang):
        click.echo(_("{page}: note: {removed} was removed: none of the page's entries belongs "
                     "to that month any more.").format(page=file.name, removed=path.name),
                   err=True)
    for line in report.skipped:
        click.echo(_("{page}: note: {line}").format(page=file.name, line=line), err=True)
    for stale in stale_entries(review, report, file.name):
        click.echo(_("{file}:{line}: warning: this entry of {page} is no longer on the page (its "
                     "text changed), so its correction was not applied; check it against the "
                     "page, then delete it.").format(file=review_file, line=stale.line,
                                                     page=file.name), err=True)
    if review_file:
        write_review(review_file, review, report, file.name)
    else:
        for entry in report.to_review:
            for problem in entry.problems:
                click.echo(f"{file.name}:{entry.line}: {problem}", err=True)
    for line in _import_summary(report, file.name, folder.relative_to(config.root),
                                review_file):
        click.echo(line)


def _page_language(file: Path, text: str) -> str:
    from_name = next((part[1:] for part in file.suffixes[::-1] if part[1:] in ("it", "en", "fr")),
                     "")
    lang = from_name or declared_language(text)
    if lang not in ("it", "en", "fr"):
        raise NewsletterError(_("{page}: cannot tell the page's language: add --lang en "
                                "(or it, fr)").format(page=file.name))
    return lang


def _read_review(path: Path) -> list[ReviewEntry]:
    try:
        return read_review(path)
    except ReviewInvalid as exc:
        for problem in exc.problems:
            click.echo(_("error: {problem}").format(problem=problem), err=True)
        click.echo(ngettext("{count} error in the review file: nothing was imported. Correct it "
                            "and run the command again.",
                            "{count} errors in the review file: nothing was imported. Correct "
                            "them and run the command again.",
                            len(exc.problems)).format(count=len(exc.problems)), err=True)
        raise click.exceptions.Exit(1) from None


def _import_summary(report: LegacyReport, name: str, folder: Path,
                    review_file: Path | None) -> list[str]:
    """What a person needs to know, in sentences whose numbers add up: every
    entry read is imported; its date and its split are each certain or to review."""
    read, dated, split = len(report.entries), report.dates_to_review, report.splits_to_review
    months = ", ".join(f"{m.slug} ({len(m.items)})" for m in report.months)
    lines = [
        ngettext("{name}: {read} entry read, {imported} imported into {folder}/ by month: "
                 "{months}.",
                 "{name}: {read} entries read, {imported} imported into {folder}/ by month: "
                 "{months}.", read).format(name=name, read=read, imported=report.imported,
                                           folder=folder, months=months),
        _("Dates: {certain} certain, {review} to review ({undated} undated).").format(
            certain=read - dated, review=dated, undated=report.undated),
        _("Splits between title and body: {certain} certain, {review} to review.").format(
            certain=read - split, review=split),
    ]
    if report.confirmed:
        lines.append(ngettext("{count} entry was taken as corrected from {file}.",
                              "{count} entries were taken as corrected from {file}.",
                              report.confirmed).format(count=report.confirmed, file=review_file))
    lines.append(_review_sentence(len(report.to_review), review_file))
    return lines


def _review_sentence(count: int, review_file: Path | None) -> str:
    if not count:
        return _("Nothing to review.")
    if review_file:
        return ngettext("{count} entry to review is in {file}: correct it there, set certain: "
                        "true, and run the same command again.",
                        "{count} entries to review are in {file}: correct them there, set "
                        "certain: true on each, and run the same command again.", count).format(
            count=count, file=review_file)
    return ngettext("{count} entry to review is listed above: add --review FILE.yaml to write it "
                    "to a file you can correct and import again.",
                    "{count} entries to review are listed above: add --review FILE.yaml to write "
                    "them to a file you can correct and import again.", count).format(count=count)
