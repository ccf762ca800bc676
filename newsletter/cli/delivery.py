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
        click.echo(f"test copy of {month} ({lang}) sent to {test_address}: {reply}")
        return
    results = _run(project, month, langs or None, resume, fallback, out, transport,
                   settings_from(config, connections, rate, False if hold_uncertain else None),
                   quiet)
    stopped = [r for r in results if r.summary.paused or r.summary.interrupted]
    for result in results:
        click.echo(_summary_line(result))
    if any(r.summary.fenced for r in results):
        raise NewsletterError(
            "stopped: this sender fell silent longer than the lease ([dispatch] lease_seconds) "
            "and another one took the delivery over; nothing more was sent from here. "
            f"See `newsletter deliveries {month}`")
    if stopped:
        reason = stopped[0].summary.paused or "interrupted"
        raise NewsletterError(f"{reason}; finish with `newsletter send {month} --resume`")


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
            click.echo(f"\n{signal.Signals(signum).name}: finishing the messages in flight…",
                       err=True)
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
    line = (f"{result.delivery.month} {result.delivery.language}: {result.delivery.state}; "
            f"{c['sent']} sent, {c['failed']} failed, {c['deferred']} deferred, "
            f"{c['uncertain']} uncertain, {c['resent']} resent, {c['cancelled']} cancelled, "
            f"{c['queued']} queued "
            f"({s.sent} sent now in {s.seconds:.1f} s, {rate:.0f}/s)")
    if s.uncertain_found:
        line += (f"\n  {s.uncertain_found} message(s) were in flight when the previous run "
                 "stopped: marked uncertain")
    if s.resent:
        line += (f"\n  {s.resent} second cop{'y' if s.resent == 1 else 'ies'} sent to recipients "
                 "whose first message got no answer (same Message-ID)")
    if c["uncertain"]:
        line += (f"\n  {c['uncertain']} uncertain: held, not sent again (they may have received "
                 "it; see `newsletter deliveries`)")
    return line


@click.command("deliveries")
@click.argument("month", metavar="[YYYY-MM]", required=False)
@pass_config
def deliveries_command(project: Project, month: str | None) -> None:
    """Show each delivery's state and counts (queued, sent, failed, deferred, uncertain,
    resent: recipients sent a second copy because their first got no answer)."""
    found = ledger.listing(project.store, month)
    if not found:
        click.echo("no deliveries yet" + (f" for {month}" if month else ""))
        return
    click.echo(f"{'issue':<8} {'lang':<4} {'state':<9} {'queued':>7} {'sent':>7} {'failed':>7} "
               f"{'deferred':>8} {'uncertain':>9} {'resent':>6} {'cancelled':>9}  note")
    for delivery in found:
        c = ledger.counts(project.store, delivery.id)
        click.echo(f"{delivery.month:<8} {delivery.language:<4} {delivery.state:<9} "
                   f"{c['queued']:>7} {c['sent']:>7} {c['failed']:>7} {c['deferred']:>8} "
                   f"{c['uncertain']:>9} {c['resent']:>6} {c['cancelled']:>9}  "
                   f"{delivery.note or ''}")
