"""``newsletter new``, ``check``, ``build`` and ``preview``: an issue from
its source to its outputs."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content import check_issue
from newsletter.content.scaffold import new_issue
from newsletter.core.errors import IssueInvalid, NewsletterError
from newsletter.render import output
from newsletter.render.build import build_issue, render_issue


@click.command()
@options.month
@pass_config
def new(lazy: Project, month: str) -> None:
    """Create issues/YYYY-MM/ with a source file to fill in."""
    path = new_issue(lazy.config, month)
    click.echo(f"created {path.relative_to(lazy.config.root)}: fill it in, then run "
               f"`newsletter check {month}`")


@click.command()
@options.month
@options.quiet("Print errors only.")
@pass_config
def check(lazy: Project, month: str, quiet: bool) -> None:
    """Validate an issue and render it: exit 1 with file:line errors."""
    config = lazy.config
    checked = check_issue(config, month)
    if not quiet:
        for warning in checked.warnings:
            click.echo(f"warning: {warning}", err=True)
    if checked.errors:
        raise IssueInvalid(checked.errors)
    _issue, rendered, _skipped = render_issue(config, month, allow_incomplete=True)
    if not quiet:
        for edition in checked.issue.editions.values():
            state = "complete" if edition.complete else f"incomplete ({len(edition.missing)} missing)"
            click.echo(f"{month} {edition.lang}: {len(edition.top_news)} Top News, {state}")
        sizes = ", ".join(f"{r.lang} email {len(r.email_html.encode()) / 1024:.0f} KB"
                          for r in rendered)
        click.echo(f"{month}: OK ({sizes})")


@click.command()
@options.month
@options.out("Output folder (default: out/ in the project).")
@options.langs("Build only this edition (repeatable).")
@click.option("--allow-incomplete", is_flag=True,
              help="Build unfinished translations, with the missing parts in the original language.")
@pass_config
def build(lazy: Project, month: str, out: Path | None, langs: tuple[str, ...],
          allow_incomplete: bool) -> None:
    """Render the email (HTML and text), PDF and web page of each edition."""
    config = lazy.config
    report = build_issue(config, month, out or config.out_dir, langs or None, allow_incomplete)
    for reason in report.skipped:
        click.echo(f"skipped {reason}", err=True)
    for lang in report.built:
        click.echo(f"built {report.folder / lang}/ ({', '.join(output.OUTPUT_FILES)})")


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
