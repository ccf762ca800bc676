"""``newsletter send`` and ``newsletter deliveries``."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click
from tqdm import tqdm

from newsletter.cli import options
from newsletter.cli.project import Project, pass_config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _, ngettext
from newsletter.dispatch import Result, send, send_test
from newsletter.dispatch.dispatcher import settings_from
from newsletter.dispatch.transports import make_transport
from newsletter.store import deliveries as ledger


@click.command("send")
@options.month
@options.langs("Send only this edition (repeatable).")
@click.option("--test", "test_address", metavar="ADDRESS",
              help="Send one copy marked [TEST] to ADDRESS; no subscriber, no ledger.")
@click.option("--resume", is_flag=True, help="Finish an interrupted or paused delivery.")
@options.fallback
@options.out("Where the issue was built (default: out/).")
@click.option("--connections", type=click.IntRange(1, 64), help="Concurrent SMTP connections.")
@click.option("--rate", type=click.FloatRange(min=0.1), help="At most this many messages per second.")
@click.option("--no-resend-uncertain", "hold_uncertain", is_flag=True,
              help="Hold recipients whose message got no answer instead of sending them one "
                   "more copy at the end.")
@options.quiet()
@pass_config
def send_command(project: Project, month: str, langs: tuple[str, ...], test_address: str | None,
                 resume: bool, fallback: bool, out: Path | None, connections: int | None,
                 rate: float | None, hold_uncertain: bool, quiet: bool) -> None:
    """Deliver an issue to every active subscriber, each in their language.

    Each edition is delivered once: a second `send` is refused, `--resume`
    finishes an interrupted delivery. The issue must be built first.
    """
    config = project.config
    out = out or config.out_dir

    def transport():
        return make_transport(config.smtp_url, config.outbox_dir)

    if test_address:
        lang = langs[0] if langs else config.primary_language
        reply = send_test(config, month, lang, test_address, out, transport())
        click.echo(_("test copy of {month} ({lang}) sent to {address}: {reply}").format(
            month=month, lang=lang, address=test_address, reply=reply))
        return
    results = _run(project, month, langs or None, resume, fallback, out, transport,
                   settings_from(config, connections, rate, False if hold_uncertain else None),
                   quiet)
    stopped = [r for r in results if r.summary.paused or r.summary.interrupted]
    for result in results:
        click.echo(_summary_line(result))
    if any(r.summary.fenced for r in results):
        raise NewsletterError(_(
            "stopped: this sender fell silent longer than the lease ([dispatch] lease_seconds) "
            "and another one took the delivery over; nothing more was sent from here. "
            "See `newsletter deliveries {month}`").format(month=month))
    if stopped:
        reason = stopped[0].summary.paused
        raise NewsletterError(
            _("{reason}; finish with `newsletter send {month} --resume`").format(
                reason=reason, month=month) if reason
            else _("interrupted; finish with `newsletter send {month} --resume`").format(
                month=month))


def _run(project, month, langs, resume, fallback, out, transport, settings, quiet):
    bar = None
    show = not quiet and sys.stderr.isatty()

    def on_start(delivery, queued):
        nonlocal bar
        if bar is not None:
            bar.close()
        bar = tqdm(total=queued, desc=f"{month} {delivery.language}", unit=" msg",
                   disable=not show, file=sys.stderr)

    def progress(event: str) -> None:
        if bar is not None and event in ("sent", "failed", "deferred"):
            bar.update()
        elif bar is not None and not event.isidentifier():
            bar.write(event)

    def stop_on_signal(dispatcher):
        def handler(signum, _frame):
            click.echo("\n" + _("{signal}: finishing the messages in flight…").format(
                signal=signal.Signals(signum).name), err=True)
            dispatcher.stop.set()
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    try:
        return send(project.config, project.store, month, out, transport, langs=langs,
                    resume=resume, fallback=fallback, settings=settings, progress=progress,
                    on_start=on_start, dispatcher_ready=stop_on_signal)
    finally:
        if bar is not None:
            bar.close()


def _summary_line(result: Result) -> str:
    c, s = result.counts, result.summary
    rate = s.sent / s.seconds if s.seconds else 0
    lines = [_("{month} {lang}: {state}; {sent} sent, {failed} failed, {deferred} deferred, "
               "{uncertain} uncertain, {resent} resent, {cancelled} cancelled, {queued} queued "
               "({now} sent now in {seconds} s, {rate}/s)").format(
        month=result.delivery.month, lang=result.delivery.language, state=result.delivery.state,
        sent=c["sent"], failed=c["failed"], deferred=c["deferred"], uncertain=c["uncertain"],
        resent=c["resent"], cancelled=c["cancelled"], queued=c["queued"], now=s.sent,
        seconds=f"{s.seconds:.1f}", rate=f"{rate:.0f}")]
    if s.uncertain_found:
        lines.append(ngettext("{count} message was in flight when the previous run stopped: "
                              "marked uncertain",
                              "{count} messages were in flight when the previous run stopped: "
                              "marked uncertain", s.uncertain_found).format(count=s.uncertain_found))
    if s.resent:
        lines.append(ngettext("{count} second copy sent to a recipient whose first message got "
                              "no answer (same Message-ID)",
                              "{count} second copies sent to recipients whose first message got "
                              "no answer (same Message-ID)", s.resent).format(count=s.resent))
    if c["uncertain"]:
        lines.append(ngettext("{count} uncertain: held, not sent again (they may have received "
                              "it; see `newsletter deliveries`)",
                              "{count} uncertain: held, not sent again (they may have received "
                              "it; see `newsletter deliveries`)", c["uncertain"]).format(
            count=c["uncertain"]))
    return "\n  ".join(lines)


@click.command("deliveries")
@click.argument("month", metavar="[YYYY-MM]", required=False)
@pass_config
def deliveries_command(project: Project, month: str | None) -> None:
    """Show each delivery's state and counts (queued, sent, failed, deferred, uncertain,
    resent: recipients sent a second copy because their first got no answer)."""
    found = ledger.listing(project.store, month)
    if not found:
        click.echo(_("no deliveries yet for {month}").format(month=month) if month
                   else _("no deliveries yet"))
        return
    columns = [(_("issue"), "<", 8), (_("lang"), "<", 4), (_("state"), "<", 9),
               (_("queued"), ">", 7), (_("sent"), ">", 7), (_("failed"), ">", 7),
               (_("deferred"), ">", 8), (_("uncertain"), ">", 9), (_("resent"), ">", 6),
               (_("cancelled"), ">", 9)]
    widths = [(align, max(width, len(label))) for label, align, width in columns]
    click.echo(" ".join(f"{label:{align}{width}}" for (label, *_rest), (align, width)
                        in zip(columns, widths, strict=True)) + "  " + _("note"))
    for delivery in found:
        c = ledger.counts(project.store, delivery.id)
        values = (delivery.month, delivery.language, delivery.state, c["queued"], c["sent"],
                  c["failed"], c["deferred"], c["uncertain"], c["resent"], c["cancelled"])
        click.echo(" ".join(f"{value:{align}{width}}" for value, (align, width)
                            in zip(values, widths, strict=True)) + f"  {delivery.note or ''}")
