"""``newsletter translate``: a translation's file, ready to translate."""

from __future__ import annotations

import click

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content.translation import write_translation
from newsletter.core.i18n import _, ngettext


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
        raise click.UsageError(_("choose --force (start again) or --update (keep what is "
                                 "translated), not both"))
    written = write_translation(config, month, lang, force=force, update=update)
    shown = written.path.relative_to(config.root) if written.path.is_relative_to(config.root) \
        else written.path
    added = len(written.added)
    click.echo(ngettext("wrote {file}: {count} part to translate, {kept} kept",
                        "wrote {file}: {count} parts to translate, {kept} kept", added).format(
        file=shown, count=added, kept=len(written.kept)))
    if written.dropped:
        click.echo(_("left out, no longer in the {primary} edition: {ids}").format(
            primary=config.primary_language, ids=", ".join(written.dropped)))
    click.echo(_("translate each DA TRADURRE, then run `newsletter check {month}`").format(
        month=month))
