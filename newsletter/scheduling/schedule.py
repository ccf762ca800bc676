"""Scheduling an issue: when each edition is to be sent.

A schedule is a delivery in the "scheduled" state with its send time
(stored in UTC); the scheduler daemon starts it when the time comes. Times
are given in the office's zone (Europe/Rome) and read correctly across the
changes of the clocks:

- a time that does not exist (02:30 on the last Sunday of March, when the
  clocks jump from 02:00 to 03:00) is moved forward by the jump: 03:30;
- a time that happens twice (02:30 on the last Sunday of October) is the
  first one, still in summer time (CEST, UTC+2).

In both cases the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from newsletter.content import check_issue
from newsletter.core.config import Config
from newsletter.core.errors import IssueInvalid, NewsletterError
from newsletter.core.i18n import _, ngettext
from newsletter.dispatch import plan
from newsletter.render.context import subject
from newsletter.store import Store, now, schedules
from newsletter.store import deliveries as ledger
from newsletter.store.states import RESCHEDULABLE, DeliveryState

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class ScheduleError(NewsletterError):
    pass


@dataclass(frozen=True)
class SendTime:
    moment: datetime  # aware, in the office's zone
    note: str | None = None  # what was adjusted, for people

    @property
    def utc(self) -> datetime:
        return self.moment.astimezone(UTC)


def parse_time(text: str, zone: ZoneInfo) -> SendTime:
    """"YYYY-MM-DD HH:MM" in ``zone``, with the clock changes handled."""
    for pattern in FORMATS:
        try:
            naive = datetime.strptime(text.strip(), pattern)
            break
        except ValueError:
            continue
    else:
        raise ScheduleError(_("{value!r} is not a time: write it as \"YYYY-MM-DD HH:MM\", "
                              "e.g. \"2024-01-05 09:00\"").format(value=text))
    return local_time(naive, zone)


def local_time(naive: datetime, zone: ZoneInfo) -> SendTime:
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    back = first.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != naive:  # the wall time does not exist that day
        gap = second.utcoffset() - first.utcoffset()  # the jump: one hour in Rome
        moved = back  # read with the offset before the jump: the same instant, 03:30 CEST
        return SendTime(moved, ngettext(
            "{time} does not exist on {day} in {zone} (the clocks jump forward by {count} "
            "hour): scheduled at {moved} instead",
            "{time} does not exist on {day} in {zone} (the clocks jump forward by {count} "
            "hours): scheduled at {moved} instead", _whole_hours(gap)).format(
            time=f"{naive:%H:%M}", day=f"{naive:%Y-%m-%d}", zone=zone.key,
            count=_whole_hours(gap), moved=f"{moved:%H:%M %Z}"))
    if first.utcoffset() != second.utcoffset():
        return SendTime(first, _(
            "{time} happens twice on {day} in {zone} (the clocks go back): scheduled at the "
            "first, {first}").format(time=f"{naive:%H:%M}", day=f"{naive:%Y-%m-%d}",
                                     zone=zone.key, first=f"{first:%H:%M %Z}"))
    return SendTime(first)


def _whole_hours(delta: timedelta) -> int:
    """The clocks' jump in hours (one in every zone the office could be in)."""
    return max(1, round(abs(delta.total_seconds()) / 3600))


def schedule(config: Config, store: Store, month: str, when: SendTime | None, *,
             langs: tuple[str, ...] | None = None, fallback: bool = False,
             allow_past: bool = False) -> tuple[list[ledger.Delivery], SendTime]:
    """Schedule (or move) the delivery of every edition the issue can send.

    The issue is checked now; it is built again from its source at send time.
    """
    checked = check_issue(config, month)
    if checked.errors:
        raise IssueInvalid(checked.errors)
    issue = checked.issue
    if when is None:
        if issue.send_at is None:
            raise ScheduleError(_("no time given: use --at \"YYYY-MM-DD HH:MM\" or set send_at "
                                  "in issues/{month}/{file}").format(
                month=month, file=f"{config.primary_language}.yaml"))
        when = SendTime(issue.send_at.astimezone(config.zone))
    if when.utc < now() and not allow_past:
        raise ScheduleError(_("{moment} is in the past: choose a later time, or add --now to "
                              "send as soon as the scheduler runs").format(
            moment=f"{when.moment:%Y-%m-%d %H:%M %Z}"))
    planned = plan(config, store, issue, langs, fallback)
    scheduled = []
    for item in planned:
        existing = ledger.find(store, month, item.edition.lang)
        if existing and not _reschedulable(store, existing):
            raise ScheduleError(_("the {lang} edition of {month} is already {state}: it cannot "
                                  "be scheduled again").format(
                lang=item.edition.lang, month=month, state=existing.state))
        if existing:
            scheduled.append(schedules.reschedule(store, existing.id, when.utc, item.audience,
                                                  subject(item.edition)))
        else:
            scheduled.append(ledger.create(store, month, item.edition.lang, subject(item.edition),
                                           state=DeliveryState.SCHEDULED, send_at=when.utc,
                                           audience=item.audience))
    return scheduled, when


def _reschedulable(store: Store, delivery: ledger.Delivery) -> bool:
    """Waiting, missed, or stopped before anyone was queued (its issue did not build)."""
    if delivery.state in RESCHEDULABLE:
        return True
    return delivery.state == DeliveryState.PAUSED and not sum(ledger.counts(store, delivery.id).values())


def scheduled(store: Store) -> list[ledger.Delivery]:
    """Every delivery waiting for its time, soonest first."""
    return schedules.waiting(store)


def unschedule(store: Store, month: str, langs: tuple[str, ...] | None = None) -> int:
    """Remove the month's schedules that have not started; returns how many."""
    return schedules.unschedule(store, month, langs)
