"""``newsletter bounces process`` and ``newsletter bounces review``: what
comes back after a delivery."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.core.errors import ConfigError, NewsletterError
from newsletter.core.i18n import _, ngettext
from newsletter.dispatch.feedback.mailboxes import from_imap, from_maildir, from_stream
from newsletter.dispatch.feedback.process import Summary, process
from newsletter.store import StoreUnavailable
from newsletter.store import feedback as ledger_feedback

# sysexits.h: "temporary failure; the user is invited to retry". A Postfix
# pipe transport defers the message and delivers it again later (pipe(8)).
EX_TEMPFAIL = 75


@click.group("bounces")
def bounces_group() -> None:
    """Read what comes back after a delivery: bounces, complaints, auto-replies."""


@bounces_group.command("process")
@click.option("--maildir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Read the new and unseen messages of this Maildir (the bounce mailbox).")
@click.option("--imap", is_flag=True,
              help="Read the unseen messages of the IMAP mailbox NEWSLETTER_BOUNCE_IMAP_URL "
                   "(imaps://user:password@host:993/INBOX).")
@options.quiet("No progress bar and no summary line (for a pipe transport); errors only.")
@pass_config
@click.pass_context
def process_command(ctx: click.Context, project: Project, maildir: Path | None, imap: bool,
                    quiet: bool) -> None:
    """Classify bounces, complaints and auto-replies and record them: one message on
    standard input (for a Postfix pipe transport or a .forward), or a mailbox.

    A hard bounce adds to the subscriber's bounce score (at most once a day); at
    [bounces] threshold they are marked bounced and no longer mailed. A soft bounce
    changes nothing. A complaint (ARF) unsubscribes at once. A message that cannot be
    classified is kept for review (`newsletter bounces review`) and left in its
    mailbox; the others are removed from it. Exits 75 (EX_TEMPFAIL: Postfix retries
    later) when the configuration or the database cannot be read.
    """
    if maildir and imap:
        raise click.UsageError(_("give --maildir or --imap, not both"))
    try:
        config, store = project.config, project.store
        messages = from_imap(_imap_url(project)) if imap else \
            from_maildir(maildir) if maildir else from_stream(sys.stdin.buffer)
        summary = _process(config, store, messages, quiet or not (maildir or imap))
    except (StoreUnavailable, ConfigError) as exc:
        click.echo(_("error: {problem}").format(problem=exc), err=True)
        ctx.exit(EX_TEMPFAIL)
    if not quiet:
        click.echo(_summary_line(summary))


def _imap_url(project: Project) -> str:
    # NEWSLETTER_BOUNCE_IMAP_URL, read by the configuration (the only reader of the environment)
    url = project.config.bounce_imap_url
    if not url:
        raise NewsletterError(_("--imap needs NEWSLETTER_BOUNCE_IMAP_URL, e.g. "
                                "imaps://bounces:password@mail.example.org:993/INBOX"))
    return url


def _process(config, store, messages, quiet: bool) -> Summary:
    with tqdm(desc=_("messages"), unit=" msg", disable=quiet or not sys.stderr.isatty(),
              file=sys.stderr) as bar:
        return process(config, store, messages, progress=lambda _found: bar.update())


def _summary_line(s: Summary) -> str:
    line = _("{messages} read; hard bounces: {hard}, soft bounces: {soft}, complaints: "
             "{complaints}, auto-replies: {autoreplies}, unknown: {unknown}, forged: {forged}, "
             "for nobody known: {unmatched}, already processed: {duplicates}; subscribers now "
             "bounced: {now_bounced}, unsubscribed: {unsubscribed}").format(
        messages=ngettext("{count} message", "{count} messages", s.messages).format(
            count=s.messages), hard=s.hard, soft=s.soft, complaints=s.complaints,
        autoreplies=s.autoreplies, unknown=s.unknown, forged=s.forged, unmatched=s.unmatched,
        duplicates=s.duplicates, now_bounced=s.now_bounced, unsubscribed=s.unsubscribed)
    if s.kept:
        line += " " + _("({count} kept for review: see `newsletter bounces review`)").format(
            count=s.kept)
    return line


@bounces_group.command("review")
@click.option("--show", "show_id", type=int, metavar="ID", help="Print kept message ID as received.")
@click.option("--purge", is_flag=True, help="Delete the messages kept longer than --older-than.")
@click.option("--older-than", "days", type=click.IntRange(min=0), default=30, show_default=True,
              help="With --purge: the age in days of the messages deleted.")
@pass_config
def review_command(project: Project, show_id: int | None, purge: bool, days: int) -> None:
    """List the messages that came back and could not be classified (kept, not guessed at),
    print one, or delete the old ones."""
    store = project.store
    if show_id is not None:
        kept = ledger_feedback.review_item(store, show_id)
        if kept is None:
            raise NewsletterError(_("no message {id} in the review list; see `newsletter bounces "
                                    "review`").format(id=show_id))
        click.echo(kept.message.decode("utf-8", "replace"), nl=False)
        return
    if purge:
        count = ledger_feedback.purge_review(store, days)
        click.echo(ngettext("{count} message kept longer than {days} days deleted",
                            "{count} messages kept longer than {days} days deleted",
                            count).format(count=count, days=days))
        return
    _listing(project, ledger_feedback.review_list(store))


def _listing(project: Project, kept: list[ledger_feedback.Kept]) -> None:
    if not kept:
        click.echo(_("no messages kept for review"))
        return
    zone = project.config.zone
    for item in kept:
        click.echo(f"{item.id:>6}  {item.received_at.astimezone(zone):%Y-%m-%d %H:%M}  "
                   f"{item.size:>7} B  {item.source}  {item.reason}"
                   + (f"  {item.message_id}" if item.message_id else ""))
    click.echo(_("`newsletter bounces review --show ID` prints one"))
