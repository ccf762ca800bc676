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
from newsletter.cli import issues
from newsletter.cli.archive import archive_group
from newsletter.cli.bounces import bounces_group
from newsletter.cli.delivery import deliveries_command, send_command
from newsletter.cli.project import Project
from newsletter.cli.report import report_delivery_command
from newsletter.cli.scheduling import schedule_command, unschedule_command
from newsletter.cli.subscribers import subscribers_group
from newsletter.cli.translate import translate_command
from newsletter.cli.users import users_group
from newsletter.cli.yearly import report_command
from newsletter.core.errors import IssueInvalid, NewsletterError, RenderFailed
from newsletter.core.i18n import _, ngettext


class _Group(click.Group):
    """Turns the library's errors into messages for people, never tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (IssueInvalid, RenderFailed) as exc:
            for problem in exc.problems:
                click.echo(_("error: {problem}").format(problem=problem), err=True)
            click.echo(ngettext("{count} error: nothing was written.",
                                "{count} errors: nothing was written.",
                                len(exc.problems)).format(count=len(exc.problems)), err=True)
            ctx.exit(1)
        except NewsletterError as exc:
            click.echo(_("error: {problem}").format(problem=exc), err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:  # a bug: one line for the person, the details in a file
            report = Path(tempfile.gettempdir()) / f"newsletter-error-{os.getpid()}.txt"
            report.write_text(traceback.format_exc(), encoding="utf-8")
            click.echo(_("error: unexpected {kind}: {error}. This is a bug; the details are in "
                         "{report} (please send them to the IT staff)").format(
                kind=type(exc).__name__, error=exc, report=report), err=True)
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




for command in (issues.new, translate_command, issues.check, issues.build, issues.preview, issues.serve,
                subscribers_group, send_command, deliveries_command, schedule_command,
                unschedule_command, archive_group, users_group, report_delivery_command, bounces_group,
                report_command):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="newsletter")


if __name__ == "__main__":
    sys.exit(main())
