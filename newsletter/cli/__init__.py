"""The ``newsletter`` command: a thin layer over the library. Library errors
become one clear message and a non-zero exit here, and only here."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from newsletter import __version__
from newsletter.cli.archive import archive_group
from newsletter.cli.delivery import deliveries_command, send_command
from newsletter.cli.project import Project, pass_config
from newsletter.cli.scheduling import schedule_command, unschedule_command
from newsletter.cli.subscribers import subscribers_group
from newsletter.content.reader import check_issue
from newsletter.content.scaffold import new_issue
from newsletter.core.errors import IssueInvalid, NewsletterError, RenderFailed
from newsletter.dispatch.transports import make_transport
from newsletter.render.build import build_issue, render_issue
from newsletter.web.preview import create_app

MONTH = click.argument("month", metavar="YYYY-MM")


class _Group(click.Group):
    """Turns the library's errors into messages for people, never tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (IssueInvalid, RenderFailed) as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(f"{len(exc.problems)} error(s): nothing was written.", err=True)
            ctx.exit(1)
        except NewsletterError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:  # a bug: one line for the person, the details in a file
            report = Path(tempfile.gettempdir()) / f"newsletter-error-{os.getpid()}.txt"
            report.write_text(traceback.format_exc(), encoding="utf-8")
            click.echo(f"error: unexpected {type(exc).__name__}: {exc}. This is a bug; the "
                       f"details are in {report} (please send them to the IT staff)", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 110})
@click.version_option(__version__, prog_name="newsletter")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder (the one with newsletter.toml); default: found from here.")
@click.pass_context
def cli(ctx: click.Context, project: Path | None) -> None:
    """Produce and deliver "Work in Progress", the monthly bulletin of the
    City of Torino's International Relations office."""
    ctx.obj = Project(project)




@cli.command()
@MONTH
@pass_config
def new(lazy: Project, month: str) -> None:
    """Create issues/YYYY-MM/ with a source file to fill in."""
    path = new_issue(lazy.config, month)
    click.echo(f"created {path.relative_to(lazy.config.root)}: fill it in, then run "
               f"`newsletter check {month}`")


@cli.command()
@MONTH
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
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


@cli.command()
@MONTH
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: out/ in the project).")
@click.option("--lang", "langs", multiple=True, type=click.Choice(["it", "en", "fr"]),
              help="Build only this edition (repeatable).")
@click.option("--allow-incomplete", is_flag=True,
              help="Build unfinished translations, with the missing parts in the original language.")
@pass_config
def build(lazy: Project, month: str, out: Path | None, langs: tuple[str, ...],
          allow_incomplete: bool) -> None:
    """Render the email (HTML and text), PDF and web page of each edition."""
    config = lazy.config
    report = build_issue(config, month, out or config.root / "out", langs or None,
                         allow_incomplete)
    for reason in report.skipped:
        click.echo(f"skipped {reason}", err=True)
    for lang in report.built:
        click.echo(f"built {report.folder / lang}/ (email.html, email.txt, issue.pdf, index.html)")


@cli.command()
@MONTH
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@pass_config
def preview(lazy: Project, month: str, host: str, port: int) -> None:
    """Serve a local preview that re-renders the issue on every reload."""
    import waitress

    app = create_app(lazy.config, month)
    click.echo(f"Previewing {month} at http://{host}:{port}/ (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=4, _quiet=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The archive site to serve at / (default: site/, from `archive build`).")
@pass_config
def serve(lazy: Project, host: str, port: int, archive: Path | None) -> None:
    """Serve the archive and the subscription pages (subscribe, confirm, unsubscribe)."""
    from newsletter.web.subscription import create_app as create_site
    from newsletter.web.subscription import serve as run

    config = lazy.config
    archive = archive or config.root / "site"
    app = create_site(config, lazy.store, make_transport(config.smtp_url, config.outbox_dir),
                      archive)
    shown = f"the archive in {archive}/ and " if (archive / "index.html").is_file() else ""
    click.echo(f"Serving {shown}the subscription pages on http://{host}:{port}/ (public address "
               f"{config.base_url}; Ctrl+C to stop)")
    run(app, host, port)


cli.add_command(subscribers_group)
cli.add_command(send_command)
cli.add_command(deliveries_command)
cli.add_command(schedule_command)
cli.add_command(archive_group)
cli.add_command(unschedule_command)


def main() -> None:
    cli(prog_name="newsletter")


if __name__ == "__main__":
    sys.exit(main())
