"""``newsletter subscribers …``: the office's tools for the list."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.core.errors import NewsletterError
from newsletter.store import subscribers as subs
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.imports import ERROR_KINDS, ImportReport, import_subscribers, write_errors
from newsletter.store.states import ConsentMethod, SubscriberStatus

STATUSES = tuple(status.value for status in SubscriberStatus)

LANG = options.LANGUAGE


def _address(value: str) -> tuple[str, str]:
    try:
        return normalize(value)
    except InvalidAddress as exc:
        raise NewsletterError(f"{value!r}: {exc}") from None


def _filters(command):
    command = click.option("--status", type=click.Choice(STATUSES),
                           help="Only subscribers with this status.")(command)
    return click.option("--lang", "language", type=LANG, help="Only this language.")(command)


@click.group("subscribers")
def subscribers_group() -> None:
    """Manage the subscriber list: add, import, list, export, remove, erase, stats."""


@subscribers_group.command()
@click.argument("email")
@click.option("--name", help="The subscriber's name.")
@click.option("--lang", "language", type=LANG, default=None,
              help="The edition they receive (default: the primary language).")
@pass_config
def add(project: Project, email: str, name: str | None, language: str | None) -> None:
    """Add an active subscriber who gave consent to the office (recorded as "cli")."""
    config = project.config
    address, key = _address(email)
    consent = subs.Consent(ConsentMethod.CLI, config.privacy_version)
    subscriber = subs.add(project.store, address, key, clean_name(name),
                          language or config.primary_language, consent)
    click.echo(f"added {subscriber.email} ({subscriber.language}, active)")


@subscribers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; import nothing.")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Copy the header and the lines with errors to this file, to correct them "
                   "there and import it.")
@options.quiet()
@pass_config
def import_(project: Project, file: Path, dry_run: bool, errors_file: Path | None,
            quiet: bool) -> None:
    """Import a CSV file (header row; columns email, name, language).

    Every line is accounted for: the rows with errors, duplicates and
    suppressed addresses are listed with their line, the summary counts
    every line of the file, and the good rows are imported together in one
    transaction.
    """
    if errors_file and errors_file.resolve() == file.resolve():
        raise NewsletterError(f"{errors_file}: --errors must name another file than the one "
                              "imported")
    config = project.config
    show = not quiet and sys.stderr.isatty()
    with tqdm(desc="rows", unit=" rows", disable=not show, file=sys.stderr) as bar:
        report = import_subscribers(project.store, file, languages=config.languages,
                                    privacy_version=config.privacy_version, dry_run=dry_run,
                                    on_row=bar.update if show else None)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for problem in report.problems:
        click.echo(f"{file.name}: {problem}", err=True)
    click.echo(_import_summary(report, file.name))
    if errors_file:
        count = write_errors(report, errors_file)
        click.echo(f"{count} line(s) with errors copied to {errors_file} under the header: "
                   "correct them there and import that file.", err=True)


def _import_summary(report: ImportReport, name: str) -> str:
    """One line whose numbers add up to the lines of the file."""
    counts = dict(lines=report.lines, name=name, imported=report.imported,
                  errors=report.count(*ERROR_KINDS), duplicate=report.count("duplicate"),
                  subscribed=report.count("subscribed"), suppressed=report.count("suppressed"),
                  blank=report.blank)
    if report.dry_run:
        return ("{lines} lines in {name}: 1 header, {imported} to import (dry run: nothing "
                "imported), {errors} with errors, {duplicate} duplicate, {subscribed} already "
                "subscribed, {suppressed} suppressed, {blank} blank").format(**counts)
    return ("{lines} lines in {name}: 1 header, {imported} imported, {errors} with errors, "
            "{duplicate} duplicate, {subscribed} already subscribed, {suppressed} suppressed, "
            "{blank} blank").format(**counts)


@subscribers_group.command("list")
@_filters
@pass_config
def list_(project: Project, status: str | None, language: str | None) -> None:
    """Show subscribers (email, language, status, since) one per line."""
    count = 0
    for s in subs.listing(project.store, status, language):
        since = (s.confirmed_at or s.created_at).date().isoformat()
        click.echo(f"{s.email}\t{s.language}\t{s.status}\t{since}\t{s.name or ''}")
        count += 1
    click.echo(f"{count} subscriber(s)", err=True)


@subscribers_group.command()
@_filters
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@pass_config
def export(project: Project, status: str | None, language: str | None, output: Path | None) -> None:
    """Export subscribers with their consent record as CSV (UTF-8)."""
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        count = subs.write_export(project.store, handle, status, language)
    finally:
        if output:
            handle.close()
    if output:
        click.echo(f"exported {count} subscriber(s) to {output}", err=True)


@subscribers_group.command()
@click.argument("email")
@pass_config
def remove(project: Project, email: str) -> None:
    """Unsubscribe an address now (kept as suppressed, never mailed again)."""
    address, key = _address(email)
    outcome = subs.remove(project.store, key)
    if outcome is subs.Outcome.UNKNOWN:
        raise NewsletterError(f"{address} is not in the list")
    click.echo(f"{address}: unsubscribed" if outcome is subs.Outcome.DONE
               else f"{address}: was already unsubscribed")


@subscribers_group.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_config
def erase(project: Project, email: str, yes: bool) -> None:
    """Erase an address's personal data (GDPR art. 17), keeping it suppressed.

    The subscriber and their history are deleted; only a keyed hash of the
    address remains, so it is never mailed or imported again.
    """
    address, key = _address(email)
    if not yes:
        click.confirm(f"Erase every personal datum of {address}?", abort=True)
    outcome = subs.erase(project.store, key)
    click.echo({subs.Outcome.DONE: f"{address}: erased; the address stays suppressed",
                subs.Outcome.ALREADY: f"{address}: was already erased",
                subs.Outcome.UNKNOWN: f"{address}: not in the list; suppressed from now on"}[outcome])


@subscribers_group.command()
@pass_config
def stats(project: Project) -> None:
    """Counts by status and language."""
    counts = subs.stats(project.store)
    languages = project.config.languages
    click.echo("status        " + "".join(f"{lang:>8}" for lang in languages) + "   total")
    for status in STATUSES:
        row = [counts.get((status, lang), 0) for lang in languages]
        click.echo(f"{status:<14}" + "".join(f"{n:>8}" for n in row) + f"{sum(row):>8}")
    click.echo(f"{'erased':<14}" + " " * 8 * len(languages) + f"{counts[('erased', '-')]:>8}")
