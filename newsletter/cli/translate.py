"""``newsletter translate``: a translation's file, ready to translate."""

from __future__ import annotations

import click

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content.translation import write_translation


@click.command("translate")
@options.month
@click.option("--lang", required=True, type=options.LANGUAGE,
              help="The translation to write: issues/YYYY-MM/<lang>.yaml.")
@click.option("--force", is_flag=True, help="Overwrite an existing file, translations and all.")
@click.option("--update", is_flag=True,
              help="Keep every translation of an existing file and add the parts it lacks "
                   "(its comments are rewritten).")
@pass_config
def translate_command(project: Project, month: str, lang: str, force: bool, update: bool) -> None:
    """Write the file of a translation: every id of the Italian edition, each text
    to translate reading DA TRADURRE with the Italian text in a comment above it."""
    config = project.config
    if force and update:
        raise click.UsageError("choose --force (start again) or --update (keep what is "
                               "translated), not both")
    written = write_translation(config, month, lang, force=force, update=update)
    shown = written.path.relative_to(config.root) if written.path.is_relative_to(config.root) \
        else written.path
    added, kept = len(written.added), len(written.kept)
    click.echo(f"wrote {shown}: {added} part(s) to translate, {kept} kept")
    if written.dropped:
        primary, ids = config.primary_language, ", ".join(written.dropped)
        click.echo(f"left out, no longer in the {primary} edition: {ids}")
    click.echo(f"translate each DA TRADURRE, then run `newsletter check {month}`")
