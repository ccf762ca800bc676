"""``newsletter new``, ``check``, ``build`` and ``preview``: an issue from
its source to its outputs. ``check`` and ``build`` exit with 3 (not 1) when
all is well but an edition is incomplete, so that a script can tell."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content import check_issue
from newsletter.content.scaffold import new_issue
from newsletter.core.errors import IssueInvalid, NewsletterError
from newsletter.render import images, output
from newsletter.render.build import build_issue, render_issue

EXIT_INCOMPLETE = 3
CHECK_STATUS = """\b
Exit status:
  0  every edition is complete and renders
  1  errors, each as file:line: field: what is wrong (placeholders left by
     `newsletter new` among them, unless --draft)
  2  a mistake in the command itself (or a bug: see the message)
  3  no error, but an edition is incomplete: a translation with parts not
     translated yet, which `build` skips"""
BUILD_STATUS = """\b
Exit status:
  0  every edition was built
  1  errors: nothing was written
  3  an incomplete edition was skipped (the others were written); not with
     --allow-incomplete, --lang or --draft"""


@click.command()
@options.month
@click.option("--from", "previous", metavar="YYYY-MM",
              help="Start from this previous issue: the items still running and those marked "
                   "`recurring: true` are kept, the others dropped.")
@pass_config
def new(lazy: Project, month: str, previous: str | None) -> None:
    """Create issues/YYYY-MM/ with a source file to fill in."""
    config = lazy.config
    started = new_issue(config, month, previous)
    if previous:
        kept = ", ".join(f"{item_id} ({why})" for item_id, why in started.carried) or "none"
        count, dropped = len(started.carried), len(started.dropped)
        click.echo(f"from {previous}: kept {count} item(s): {kept}; dropped {dropped} that are "
                   "over or undated")
    for path in started.files:
        click.echo(f"created {_shown(config, path)}")
    click.echo(f"fill it in, then run `newsletter check {month}`")


@click.command(epilog=CHECK_STATUS)
@options.month
@options.quiet("Print errors only, and the editions that are incomplete.")
@click.option("--draft", is_flag=True,
              help="Accept the placeholders of `newsletter new` (as `build --draft` does).")
@pass_config
def check(lazy: Project, month: str, quiet: bool, draft: bool) -> None:
    """Validate an issue and render every edition: exit 1 with file:line errors,
    3 when an edition is incomplete."""
    config = lazy.config
    checked = check_issue(config, month, strict=not draft)
    if checked.errors:
        _warn(checked.warnings, quiet)
        raise IssueInvalid(checked.errors)
    issue, rendered, _skipped = render_issue(config, month, allow_incomplete=True, draft=draft)
    _warn([*checked.warnings, *images.warnings(issue, config.templates_dir,
                                               lambda path: _shown(config, path))], quiet)
    incomplete = [e for e in issue.editions.values() if not e.complete]
    if not quiet:
        for edition in issue.editions.values():
            state = "complete" if edition.complete else f"incomplete ({len(edition.missing)} missing)"
            click.echo(f"{month} {edition.lang}: {len(edition.top_news)} Top News, {state}")
        sizes = ", ".join(f"{r.lang} email {len(r.email_html.encode()) / 1024:.0f} KB"
                          for r in rendered)
        click.echo(f"{month}: OK ({sizes})")
    if incomplete:
        for edition in incomplete:
            lang, count = edition.lang, len(edition.missing)
            click.echo(f"{month} {lang}: incomplete translation, {count} part(s) not translated; "
                       "`build` skips it unless --allow-incomplete", err=True)
        click.get_current_context().exit(EXIT_INCOMPLETE)


@click.command(epilog=BUILD_STATUS)
@options.month
@options.out("Output folder (default: out/ in the project).")
@options.langs("Build only this edition (repeatable).")
@click.option("--allow-incomplete", is_flag=True,
              help="Build unfinished translations, with the missing parts in the original language.")
@click.option("--draft", is_flag=True,
              help="Build a draft to look at: placeholders allowed, unfinished translations "
                   "built with fallbacks, every edition marked [BOZZA]/[DRAFT]/[BROUILLON]; "
                   "`send` and `schedule` refuse it.")
@pass_config
def build(lazy: Project, month: str, out: Path | None, langs: tuple[str, ...],
          allow_incomplete: bool, draft: bool) -> None:
    """Render the email (HTML and text), PDF and web page of each edition."""
    config = lazy.config
    report = build_issue(config, month, out or config.out_dir, langs or None, allow_incomplete,
                         draft=draft)
    for problem in images.warnings(report.issue, config.templates_dir,
                                   lambda path: _shown(config, path)):
        click.echo(f"warning: {problem}", err=True)
    for reason in report.skipped:
        click.echo(f"skipped {reason}", err=True)
    for lang in report.built:
        note = " – a draft, not for sending" if draft else ""
        click.echo(f"built {report.folder / lang}/ ({', '.join(output.OUTPUT_FILES)}){note}")
    if report.skipped:
        click.echo(f"not every edition of {month} was built (the others are written): finish the "
                   "translation, build it anyway with --allow-incomplete, or name the editions "
                   "to build with --lang", err=True)
        click.get_current_context().exit(EXIT_INCOMPLETE)


def _warn(problems, quiet: bool) -> None:
    if not quiet:
        for problem in problems:
            click.echo(f"warning: {problem}", err=True)


def _shown(config, path: Path) -> str:
    """A path as the editor sees it: relative to the project folder."""
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return str(path)


@click.command()
@options.month
@options.host_port(8000)
@pass_config
def preview(lazy: Project, month: str, host: str, port: int) -> None:
    """Serve a local preview that re-renders the issue on every reload (on this machine only)."""
    from newsletter.web import create_app, serve
    from newsletter.web.preview import LOOPBACK_NAMES

    if host not in LOOPBACK_NAMES:
        raise NewsletterError(f"--host {host}: the preview shows a draft and listens on this "
                              "machine only (127.0.0.1, localhost or ::1)")

    app = create_app(lazy.config, preview_month=month)
    click.echo(f"Previewing {month} at http://{host}:{port}/ (Ctrl+C to stop)")
    serve(app, host, port)


@click.command()
@options.host_port(8080)
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The archive site to serve at / (default: site/, from `archive build`).")
@pass_config
def serve(lazy: Project, host: str, port: int, archive: Path | None) -> None:
    """Serve the archive and the subscription pages (subscribe, confirm, unsubscribe)."""
    from newsletter.dispatch.transports import make_transport
    from newsletter.web import create_app
    from newsletter.web import serve as run

    config = lazy.config
    archive = archive or config.root / "site"
    app = create_app(config, lazy.store, lambda: make_transport(config.smtp_url, config.outbox_dir),
                     archive)
    shown = f"the archive in {archive}/ and " if (archive / "index.html").is_file() else ""
    click.echo(f"Serving {shown}the subscription pages on http://{host}:{port}/ (public address "
               f"{config.base_url}; Ctrl+C to stop)")
    run(app, host, port)
