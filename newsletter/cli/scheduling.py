"""``newsletter schedule`` and ``newsletter unschedule``."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content import check_issue
from newsletter.core.errors import IssueInvalid, NewsletterError
from newsletter.core.i18n import _, ngettext
from newsletter.scheduling.schedule import parse_time, schedule, scheduled, unschedule


@click.command("schedule")
@click.argument("month", metavar="YYYY-MM|list")
@click.option("--at", "at", metavar='"YYYY-MM-DD HH:MM"',
              help="When to send, in the office's time zone (default: send_at in the issue).")
@click.option("--tz", "zone", help="Another time zone for --at, e.g. Europe/Paris.")
@click.option("--now", "allow_past", is_flag=True,
              help="Accept a time already past: the scheduler sends at its next look.")
@options.langs("Schedule only this edition (repeatable).")
@options.fallback
@pass_config
def schedule_command(project: Project, month: str, at: str | None, zone: str | None,
                     allow_past: bool, langs: tuple[str, ...], fallback: bool) -> None:
    """Schedule an issue (checked now, rebuilt at send time); `schedule list` shows them.

    The scheduler daemon (python scheduler.py) sends it at that time.
    """
    config = project.config
    if month == "list":
        _list(project)
        return
    try:
        tz = ZoneInfo(zone) if zone else config.zone
    except (ZoneInfoNotFoundError, ValueError):
        raise NewsletterError(_("--tz {zone!r}: unknown time zone (e.g. Europe/Rome)").format(
            zone=zone)) from None
    when = parse_time(at, tz) if at else None
    unfinished = check_issue(config, month, strict=True).errors  # `new`'s placeholders too
    if unfinished:
        raise IssueInvalid(unfinished)
    planned, when = schedule(config, project.store, month, when, langs=langs or None,
                             fallback=fallback, allow_past=allow_past)
    if when.note:
        click.echo(_("note: {note}").format(note=when.note))
    local = f"{when.moment.astimezone(config.zone):%Y-%m-%d %H:%M %Z}"
    for delivery in planned:
        audience = delivery.languages
        line = _("scheduled {month} {lang} for {time}") if audience == (delivery.language,) \
            else _("scheduled {month} {lang} (to {audience} subscribers) for {time}")
        click.echo(line.format(month=month, lang=delivery.language, audience=", ".join(audience),
                               time=local))


def _list(project: Project) -> None:
    found = scheduled(project.store)
    if not found:
        click.echo(_("nothing scheduled"))
        return
    zone = project.config.zone
    for delivery in found:
        click.echo(f"{delivery.month} {delivery.language}  "
                   f"{delivery.send_at.astimezone(zone):%Y-%m-%d %H:%M %Z}  {delivery.subject}")


@click.command("unschedule")
@options.month
@options.langs("Only this edition (repeatable).")
@pass_config
def unschedule_command(project: Project, month: str, langs: tuple[str, ...]) -> None:
    """Cancel an issue's schedule before it starts: nothing will be sent."""
    removed = unschedule(project.store, month, langs or None)
    if not removed:
        raise NewsletterError(_("{month} has no schedule waiting (see `newsletter schedule list`)")
                              .format(month=month))
    click.echo(ngettext("unscheduled {month}: {count} edition; nothing will be sent",
                        "unscheduled {month}: {count} editions; nothing will be sent",
                        removed).format(month=month, count=removed))
