"""The scheduler daemon (``python scheduler.py``): sends each issue at its
time, exactly once.

The store, not this process's memory, says what is due and what was done;
APScheduler only wakes the process up every few seconds to look. At each
look it:

1. marks as *missed* the schedules more than the grace (24 h) late, and says so;
2. starts the due ones: claims each (scheduled → building, a conditional
   update: several schedulers, on one SQLite file or on PostgreSQL on
   several hosts, never start the same delivery twice), rebuilds the issue
   from its source as it is now, checks that this is what was approved
   (when approval is required), queues the recipients and delivers;
3. resumes deliveries that a dead process left unfinished, paused ones
   after a pause, and deferred recipients whose retry time has come;
4. on the reminder day, emails the editors if next month's issue is not
   scheduled.

SIGTERM (or Ctrl+C) lets the messages in flight finish, then exits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from newsletter.content import load_issue
from newsletter.content.dates import issue_month_title
from newsletter.core.config import Config, find_root, load_config
from newsletter.core.errors import NewsletterError
from newsletter.dispatch import dispatcher_for, mail, prepare
from newsletter.dispatch.approval import NotApproved, check_approved
from newsletter.dispatch.dispatcher import Dispatcher, settings_from
from newsletter.dispatch.dispatcher import Settings as DispatchSettings
from newsletter.dispatch.message import Raw
from newsletter.dispatch.transports import TransportError, make_transport, send_now
from newsletter.render.build import build_issue
from newsletter.store import Store, now, schedules
from newsletter.store import deliveries as ledger
from newsletter.store.states import DeliveryState, PauseCause

LOG = logging.getLogger("newsletter.scheduler")


@dataclass(frozen=True)
class SchedulerSettings:
    poll: float = 30.0  # seconds between two looks at the store
    grace: timedelta = timedelta(hours=24)  # later than this, a schedule is missed
    build_lease: timedelta = timedelta(minutes=10)  # a claim whose build never ended
    retry_paused: timedelta = timedelta(minutes=5)
    editors: tuple[str, ...] = ()
    reminder_day: int = 20
    reminder_hour: int = 9

    @classmethod
    def from_config(cls, config: Config) -> SchedulerSettings:
        section = config.scheduler  # validated when the configuration was loaded
        return cls(
            poll=section.poll_seconds,
            grace=timedelta(hours=section.grace_hours),
            retry_paused=timedelta(minutes=section.retry_paused_minutes),
            editors=tuple(section.editors),
            reminder_day=section.reminder_day,
            reminder_hour=section.reminder_hour,
        )


@dataclass
class Scheduler:
    config: Config
    store: Store
    settings: SchedulerSettings
    dispatch: DispatchSettings
    out: Path
    stopping: threading.Event = field(default_factory=threading.Event)
    _active: set[Dispatcher] = field(default_factory=set)
    _paused_tries: dict[int, float] = field(default_factory=dict)

    def transport(self):
        return make_transport(self.config.smtp_url, self.config.outbox_dir)

    def tick(self) -> None:
        """One look at the store; every error is logged, never fatal."""
        for step in (self.mark_missed, self.release_stale_claims, self.start_due,
                     self.resume_unfinished, self.remind):
            if self.stopping.is_set():
                return
            try:
                step()
            except Exception:
                LOG.exception("%s failed", step.__name__)

    def stop(self) -> None:
        self.stopping.set()
        for dispatcher in list(self._active):
            dispatcher.stop.set()

    # -- the steps --------------------------------------------------------------------

    def mark_missed(self) -> None:
        late = schedules.mark_missed(
            self.store, now() - self.settings.grace,
            f"not sent: more than {self._grace_text()} late when the scheduler looked; send it "
            "by hand or schedule it again")
        for row in late:
            LOG.warning("MISSED %s %s: it was due at %s, more than %s ago; not sent",
                        row.month, row.language, self._local(row.send_at), self._grace_text())

    def release_stale_claims(self) -> None:
        """A scheduler that died while rebuilding leaves "building": schedule it again."""
        schedules.release_stale_builds(self.store, now() - self.settings.build_lease)

    def start_due(self) -> None:
        for delivery_id in schedules.due(self.store):
            if self.stopping.is_set() or not ledger.claim_delivery(
                    self.store, delivery_id, DeliveryState.SCHEDULED, DeliveryState.BUILDING):
                continue  # another scheduler took it
            delivery = ledger.get(self.store, delivery_id)
            LOG.info("starting %s %s (scheduled for %s)", delivery.month, delivery.language,
                     self._local(delivery.send_at))
            try:
                message = self._rebuild(delivery)
            except NewsletterError as exc:
                reason = f"not sent at its time: {exc}; then schedule it again" \
                    if isinstance(exc, NotApproved) \
                    else f"the issue could not be built at send time: {exc}"
                ledger.set_state(self.store, delivery_id, DeliveryState.PAUSED, reason,
                                 cause=PauseCause.BUILD)
                LOG.error("NOT SENT %s %s: %s", delivery.month, delivery.language, reason)
                continue
            queued = ledger.start(self.store, delivery_id)
            if queued is None:
                continue
            LOG.info("%s %s: %d recipients queued", delivery.month, delivery.language, queued)
            self._deliver(delivery, message)

    def resume_unfinished(self) -> None:
        for delivery in schedules.unfinished(self.store):
            if self.stopping.is_set() or not self._should_resume(delivery):
                continue
            ledger.retry_deferred(self.store, delivery.id, due_only=True)
            try:
                issue = load_issue(self.config, delivery.month)
                message = prepare(self.config, issue, issue.editions[delivery.language], self.out,
                                  fresh=False)
            except (NewsletterError, KeyError) as exc:
                LOG.error("cannot resume %s %s: %s", delivery.month, delivery.language, exc)
                continue
            LOG.info("resuming %s %s (%s)", delivery.month, delivery.language,
                     delivery.note or delivery.state)
            self._deliver(delivery, message)

    def _should_resume(self, delivery: ledger.Delivery) -> bool:
        if delivery.paused_by == PauseCause.BUILD:
            return False  # nobody was queued: an editor must fix the source and schedule again
        if ledger.live_workers(self.store, delivery.id, self.dispatch.lease):
            return False  # someone is on it
        resend = self.dispatch.resend_uncertain
        if not ledger.pending_now(self.store, delivery.id, resend_uncertain=resend):
            ledger.finish_if_complete(self.store, delivery.id, resend_uncertain=resend)
            return False
        if delivery.state == DeliveryState.PAUSED:
            last = self._paused_tries.get(delivery.id, 0.0)
            if time.monotonic() - last < self.settings.retry_paused.total_seconds():
                return False
            self._paused_tries[delivery.id] = time.monotonic()
        return True

    def remind(self) -> None:
        settings = self.settings
        today = now().astimezone(self.config.zone)
        if not settings.editors or today.day < settings.reminder_day \
                or today.hour < settings.reminder_hour:
            return
        upcoming = (today.date().replace(day=1) + timedelta(days=32)).replace(day=1)
        month = f"{upcoming:%Y-%m}"
        if ledger.listing(self.store, month):
            return  # scheduled (or already sent)
        if not schedules.claim_reminder(self.store, month):
            return  # this month's reminder went out already
        try:
            self._send_reminder(month, upcoming)
        except (TransportError, OSError) as exc:
            LOG.error("could not send the reminder for %s: %s", month, exc)
            schedules.release_reminder(self.store, month)  # try again at the next look

    # -- helpers ------------------------------------------------------------------------

    def _rebuild(self, delivery: ledger.Delivery):
        issue = build_issue(self.config, delivery.month, self.out, (delivery.language,)).issue
        check_approved(self.config, self.store, issue, delivery.language)
        return prepare(self.config, issue, issue.editions[delivery.language], self.out)

    def _deliver(self, delivery: ledger.Delivery, message) -> None:
        dispatcher = dispatcher_for(self.config, self.store, message, self.transport,
                                    self.dispatch, None)
        self._active.add(dispatcher)
        try:
            summary = dispatcher.run(delivery.id)
        finally:
            self._active.discard(dispatcher)
        counts = ledger.counts(self.store, delivery.id)
        state = ledger.get(self.store, delivery.id).state
        LOG.info("%s %s: %s; %d sent now (%d sent, %d failed, %d deferred, %d uncertain, "
                 "%d resent in all)%s",
                 delivery.month, delivery.language, state, summary.sent, counts["sent"],
                 counts["failed"], counts["deferred"], counts["uncertain"], counts["resent"],
                 f"; {summary.paused}" if summary.paused else "")

    def _send_reminder(self, month: str, first_day: date) -> None:
        title = issue_month_title(first_day, "it")
        body = (f"Il numero di {title} di {self.config.title} ({month}) non è ancora "
                "programmato.\n\nPer prepararlo:\n\n"
                f"    newsletter new {month}\n    newsletter check {month}\n"
                f"    newsletter schedule {month} --at \"{month}-01 09:00\"\n")
        for editor in self.settings.editors:
            reminder = mail.message(self.config, editor, None, "it",
                                    f"Promemoria: {self.config.title} di {title} non è "
                                    "ancora programmato", body)
            send_now(self.transport(), Raw(reminder.as_bytes()), self.config.sender_address,
                     [editor])
        LOG.info("reminded %s that %s is not scheduled", ", ".join(self.settings.editors), month)

    def _local(self, moment) -> str:
        return f"{moment.astimezone(self.config.zone):%Y-%m-%d %H:%M %Z}" if moment else "?"

    def _grace_text(self) -> str:
        hours = self.settings.grace.total_seconds() / 3600
        return f"{hours:g} hours"


def main() -> None:
    """Run until SIGTERM or Ctrl+C."""
    from apscheduler.schedulers.background import BackgroundScheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        config = load_config(find_root(Path.cwd()), os.environ)  # every section validated here
        settings = SchedulerSettings.from_config(config)
        store = Store(config.database_url, config.secret(),
                      idle_transaction_seconds=config.dispatch.lease_seconds)
        scheduler = Scheduler(config, store, settings, settings_from(config, None, None),
                              config.out_dir)
    except NewsletterError as exc:
        raise SystemExit(f"scheduler: {exc}") from None
    done = threading.Event()

    def on_signal(signum, _frame):
        LOG.info("%s: stopping after the messages in flight", signal.Signals(signum).name)
        scheduler.stop()
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    background = BackgroundScheduler(timezone=config.zone)
    background.add_job(scheduler.tick, "interval", seconds=settings.poll, max_instances=1,
                       coalesce=True, next_run_time=now())
    LOG.info("scheduler started (pid %d, %s, looking every %gs)", os.getpid(),
             store.dialect, settings.poll)
    background.start()
    done.wait()
    background.shutdown(wait=True)
    store.close()
    LOG.info("scheduler stopped")
