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
from newsletter.core.i18n import _, ngettext
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
        click.echo(_carried(previous, started.carried, len(started.dropped)))
    for path in started.files:
        click.echo(_("created {file}").format(file=_shown(config, path)))
    click.echo(_("fill it in, then run `newsletter check {month}`").format(month=month))


def _carried(previous: str, carried: list[tuple[str, str]], dropped: int) -> str:
    """What `new --from` kept of the previous issue (each item with why) and left behind."""
    if not carried:
        return _("from {previous}: no item kept; dropped as over or undated: {dropped}").format(
            previous=previous, dropped=dropped)
    kept = ", ".join(f"{item_id} ({why})" for item_id, why in carried)
    return ngettext("from {previous}: kept {count} item: {kept}; dropped as over or undated: "
                    "{dropped}",
                    "from {previous}: kept {count} items: {kept}; dropped as over or undated: "
                    "{dropped}", len(carried)).format(previous=previous, count=len(carried),
                                                      kept=kept, dropped=dropped)


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
            click.echo(_edition_line(month, edition))
        sizes = ", ".join(_("{lang} email {size} KB").format(
            lang=r.lang, size=f"{len(r.email_html.encode()) / 1024:.0f}") for r in rendered)
        click.echo(_("{month}: OK ({sizes})").format(month=month, sizes=sizes))
    if incomplete:
        for edition in incomplete:
            count = len(edition.missing)
            click.echo(ngettext("{month} {lang}: incomplete translation, {count} part not "
                                "translated; `build` skips it unless --allow-incomplete",
                                "{month} {lang}: incomplete translation, {count} parts not "
                                "translated; `build` skips it unless --allow-incomplete",
                                count).format(month=month, lang=edition.lang, count=count),
                       err=True)
        click.get_current_context().exit(EXIT_INCOMPLETE)


def _edition_line(month: str, edition) -> str:
    """One edition as `check` sums it up: its Top News, complete or not."""
    if edition.complete:
        return _("{month} {lang}: {count} Top News, complete").format(
            month=month, lang=edition.lang, count=len(edition.top_news))
    return _("{month} {lang}: {count} Top News, incomplete ({missing} missing)").format(
        month=month, lang=edition.lang, count=len(edition.top_news),
        missing=len(edition.missing))


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
        click.echo(_("warning: {problem}").format(problem=problem), err=True)
    for reason in report.skipped:
        click.echo(_("skipped {reason}").format(reason=reason), err=True)
    built = _("built {folder}/ ({files}) – a draft, not for sending") if draft \
        else _("built {folder}/ ({files})")
    for lang in report.built:
        click.echo(built.format(folder=report.folder / lang, files=", ".join(output.OUTPUT_FILES)))
    if report.skipped:
        click.echo(_("not every edition of {month} was built (the others are written): finish "
                     "the translation, build it anyway with --allow-incomplete, or name the "
                     "editions to build with --lang").format(month=month), err=True)
        click.get_current_context().exit(EXIT_INCOMPLETE)


def _warn(problems, quiet: bool) -> None:
    if not quiet:
        for problem in problems:
            click.echo(_("warning: {problem}").format(problem=problem), err=True)


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

    config = lazy.config  # first: it sets the language of the messages
    if host not in LOOPBACK_NAMES:
        raise NewsletterError(_("--host {host}: the preview shows a draft and listens on this "
                                "machine only (127.0.0.1, localhost or ::1)").format(host=host))

    app = create_app(config, preview_month=month)
    click.echo(_("Previewing {month} at {url} (Ctrl+C to stop)").format(
        month=month, url=f"http://{host}:{port}/"))
    serve(app, host, port)


@click.command()
@options.host_port(8080)
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The archive site to serve at / (default: site/, from `archive build`).")
@pass_config
def serve(lazy: Project, host: str, port: int, archive: Path | None) -> None:
    """Serve the archive, the subscription pages and the editorial workspace (/editor/)."""
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
    click.echo(f"The editorial workspace: http://{host}:{port}/editor/ (accounts: `newsletter "
               "users add`)")
    run(app, host, port)
