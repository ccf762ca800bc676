"""``newsletter report-delivery``: how an issue's delivery went, per language."""

from __future__ import annotations

import dataclasses
import json

import click
from babel.numbers import format_percent

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.content.dates import DateError, parse_month
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _, current_language
from newsletter.store import clicks
from newsletter.store.report import LanguageReport, delivery_report


@click.command("report-delivery")
@options.month
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON for scripts: each edition's counts (unsubscribed: within 7 days of "
                   "the start), bounce_rate and complaint_rate (of sent; null if nothing was sent).")
@pass_config
def report_delivery_command(project: Project, month: str, as_json: bool) -> None:
    """Show how an issue's delivery went, per language: sent, failed, deferred, uncertain,
    resent, hard and soft bounces, complaints and unsubscribes within 7 days, as numbers
    and as a share of the messages sent, and the click counts ([metrics] clicks). Counts
    only: nobody is named."""
    try:
        month = parse_month(month).strftime("%Y-%m")
    except DateError as exc:
        raise NewsletterError(str(exc)) from None
    reports = delivery_report(project.store, month)
    counted = clicks.counts(project.store, month)
    if as_json:
        click.echo(json.dumps({"month": month, "editions": [_as_dict(r) for r in reports],
                               "clicks": [c.__dict__ for c in counted]},
                              indent=2, ensure_ascii=False))
        return
    if not reports:
        click.echo(_("{month} has no delivery: nothing of that issue was sent (see "
                     "`newsletter deliveries` for the deliveries there are)").format(month=month))
        return
    for index, report in enumerate(reports):
        if index:
            click.echo()
        _table(project, month, report)
    if counted:
        click.echo()
        click.echo(_("clicks, all readers together ([metrics] clicks): edition, item, link, "
                     "clicks"))
        for c in counted:
            click.echo(f"  {c.language}  {c.item}  #{c.link + 1}  {c.count}")


def _table(project: Project, month: str, report: LanguageReport) -> None:
    if report.started_at is None:
        heading = _("{month} {lang}: {state}, not started")
        started = ""
    else:
        heading = _("{month} {lang}: {state}, started {time}")
        started = f"{report.started_at.astimezone(project.config.zone):%Y-%m-%d %H:%M %Z}"
    click.echo(heading.format(month=month, lang=report.language, state=report.state, time=started))
    click.echo(f"  {report.subject}")
    rows = [(_("sent"), report.sent), (_("failed"), report.failed),
            (_("deferred"), report.deferred), (_("uncertain"), report.uncertain),
            (_("resent"), report.resent), (_("hard bounces"), report.hard_bounces),
            (_("soft bounces"), report.soft_bounces), (_("complaints"), report.complaints),
            (_("unsubscribed within 7 days"), report.unsubscribed)]
    label_width = max(len(label) for label, _count in rows)
    count_width = max(len(str(count)) for _label, count in rows)
    for row, (label, count) in enumerate(rows):
        share = "" if row == 0 else _share(report, count)
        click.echo(f"  {label:<{label_width}}  {count:>{count_width}}  {share:>7}".rstrip())


def _share(report: LanguageReport, count: int) -> str:
    """``count`` as a share of the messages sent, in the messages' language."""
    rate = report.of_sent(count)
    if rate is None:
        return "–"
    return format_percent(rate, "#,##0.0%", locale=current_language())


def _as_dict(report: LanguageReport) -> dict:
    started = report.started_at.isoformat() if report.started_at else None
    return dataclasses.asdict(report) | {"started_at": started, "bounce_rate": report.bounce_rate,
                                         "complaint_rate": report.complaint_rate}
