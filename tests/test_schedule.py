"""Scheduling: times across the clock changes, checks before a schedule is
accepted, list and unschedule; the scheduler's steps, one look at a time."""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.core.errors import IssueInvalid
from newsletter.dispatch.dispatcher import Settings
from newsletter.render.build import build_issue
from newsletter.scheduling.daemon import Scheduler, SchedulerSettings
from newsletter.scheduling.schedule import (
    ScheduleError,
    SendTime,
    parse_time,
    schedule,
    scheduled,
    unschedule,
)
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs

from .conftest import BOTH, MINIMAL, SQLITE, write_issue
from .smtp_server import SMTPServer

ROME = ZoneInfo("Europe/Rome")


def test_an_ordinary_time():
    when = parse_time("2024-01-05 09:00", ROME)
    assert when.utc == datetime(2024, 1, 5, 8, 0, tzinfo=UTC) and when.note is None


def test_a_time_that_does_not_exist_moves_forward_by_the_jump():
    when = parse_time("2025-03-30 02:30", ROME)  # clocks: 02:00 → 03:00
    assert when.utc == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert f"{when.moment:%H:%M %Z}" == "03:30 CEST"
    assert when.note == ("02:30 does not exist on 2025-03-30 in Europe/Rome (the clocks jump "
                         "forward by 1 hour): scheduled at 03:30 CEST instead")


def test_a_time_that_happens_twice_is_the_first():
    when = parse_time("2025-10-26 02:30", ROME)  # clocks: 03:00 → 02:00
    assert when.utc == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert "happens twice" in when.note and "02:30 CEST" in when.note


def test_a_malformed_time():
    with pytest.raises(ScheduleError, match=r"'domani' is not a time: write it as "):
        parse_time("domani", ROME)


@pytest.fixture
def office(project, database_url):
    write_issue(project, {"it.yaml": MINIMAL})
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "s" * 32,
                                   "NEWSLETTER_BASE_URL": "http://localhost"})
    store = Store(database_url, config.secret())
    for n in range(4):
        subs.add(store, f"p{n}@example.org", f"p{n}@example.org", None, "it",
                 subs.Consent("cli", "1"))
    yield config, store
    store.close()


def soon(seconds: float = 0) -> SendTime:
    return SendTime((datetime.now(UTC) + timedelta(seconds=seconds)).astimezone(ROME))


@BOTH
def test_schedule_list_reschedule_unschedule(office):
    config, store = office
    planned, _ = schedule(config, store, "2024-03", soon(3600), langs=("it",))
    assert [(d.month, d.language, d.state) for d in planned] == [("2024-03", "it", "scheduled")]
    later = soon(7200)
    schedule(config, store, "2024-03", later, langs=("it",))  # moved, not doubled
    assert [d.send_at for d in scheduled(store)] == [later.utc]
    assert unschedule(store, "2024-03") == 1
    assert scheduled(store) == []


@SQLITE
def test_refusals(office):
    config, store = office
    with pytest.raises(ScheduleError, match="is in the past: choose a later time, or add --now"):
        schedule(config, store, "2024-03", soon(-60), langs=("it",))
    with pytest.raises(ScheduleError, match=r"no time given: use --at .* or set send_at"):
        schedule(config, store, "2024-03", None, langs=("it",))
    source = config.root / "issues" / "2024-03" / "it.yaml"
    source.write_text(source.read_text().replace("2024-03-04", "2024-02-31"))
    with pytest.raises(IssueInvalid, match="February 2024 has 29 days"):
        schedule(config, store, "2024-03", soon(3600), langs=("it",))
    assert scheduled(store) == []


@SQLITE
def test_send_at_in_the_source_is_the_editors_request(office):
    config, store = office
    source = config.root / "issues" / "2024-03" / "it.yaml"
    source.write_text(source.read_text() + 'send_at: "2031-03-01 09:00"\n')
    _, when = schedule(config, store, "2024-03", None, langs=("it",))
    assert when.utc == datetime(2031, 3, 1, 8, 0, tzinfo=UTC)


@SQLITE
def test_cli(office, database_url):
    config, _ = office
    env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "s" * 32}

    def run(*args):
        return CliRunner(env=env).invoke(cli, ["--project", str(config.root), *args],
                                         catch_exceptions=False)

    result = run("schedule", "2024-03", "--at", "2031-03-30 02:30", "--lang", "it")
    assert result.output == ("note: 02:30 does not exist on 2031-03-30 in Europe/Rome (the clocks "
                             "jump forward by 1 hour): scheduled at 03:30 CEST instead\n"
                             "scheduled 2024-03 it for 2031-03-30 03:30 CEST\n")
    listed = run("schedule", "list").output
    assert listed == "2024-03 it  2031-03-30 03:30 CEST  Work in Progress – Marzo 2024\n"
    paris = run("schedule", "2024-03", "--at", "2031-01-10 09:00", "--tz", "Europe/London",
                "--lang", "it")
    assert paris.output == "scheduled 2024-03 it for 2031-01-10 10:00 CET\n"
    assert run("unschedule", "2024-03").output == "unscheduled 2024-03: 1 edition; nothing will be sent\n"
    again = run("unschedule", "2024-03")
    assert again.exit_code == 1 and "has no schedule waiting" in again.output
    past = run("schedule", "2024-03", "--at", "2020-01-01 10:00")
    assert past.exit_code == 1 and "is in the past" in past.output


# -- the scheduler's steps -------------------------------------------------------------


def make_scheduler(config, store, server, **settings) -> Scheduler:
    smtp = config.__class__(**{**config.__dict__, "smtp_url": server.url})
    return Scheduler(smtp, store, SchedulerSettings(poll=0.1, **settings),
                     Settings(connections=2, backoff=0.02, retries=1), config.root / "out")


@BOTH
def test_a_due_schedule_is_rebuilt_from_its_source_and_sent_once(office):
    config, store = office
    schedule(config, store, "2024-03", soon(3600), langs=("it",))
    delivery = ledger.find(store, "2024-03", "it")
    with store.transaction() as connection:
        from newsletter.store.tables import deliveries
        connection.execute(deliveries.update().values(send_at=datetime.now(UTC)))
    source = config.root / "issues" / "2024-03" / "it.yaml"
    source.write_text(source.read_text().replace("Testo della prima notizia.",
                                                 "Testo corretto all'ultimo momento."))
    with SMTPServer() as server:
        scheduler = make_scheduler(config, store, server)
        scheduler.tick()
        scheduler.tick()  # a second look sends nothing more
    assert server.recorder.count_by_recipient() == {f"p{n}@example.org": 1 for n in range(4)}
    text = server.recorder.messages()[0].get_body(("plain",)).get_content()
    assert "Testo corretto all'ultimo momento." in text
    assert ledger.get(store, delivery.id).state == "done"


@SQLITE
def test_missed_and_late_schedules(office, caplog):
    config, store = office
    write_issue(config.root, {"it.yaml": MINIMAL.replace("2024-03", "2024-04")}, month="2024-04")
    schedule(config, store, "2024-03", soon(-25 * 3600), langs=("it",), allow_past=True)
    schedule(config, store, "2024-04", soon(-2 * 3600), langs=("it",), allow_past=True)
    with SMTPServer() as server, caplog.at_level(logging.INFO, "newsletter.scheduler"):
        make_scheduler(config, store, server).tick()
    missed = ledger.find(store, "2024-03", "it")
    assert missed.state == "missed" and "more than 24 hours late" in missed.note
    assert "MISSED 2024-03 it" in caplog.text
    assert ledger.find(store, "2024-04", "it").state == "done"
    assert len(server.recorder.received) == 4  # only the late-but-within-grace one


@SQLITE
def test_unscheduled_before_its_time_sends_nothing(office):
    config, store = office
    schedule(config, store, "2024-03", soon(1), langs=("it",))
    unschedule(store, "2024-03")
    with SMTPServer() as server:
        make_scheduler(config, store, server).tick()
    assert server.recorder.received == []


@SQLITE
def test_an_issue_broken_at_send_time_is_not_sent(office, caplog):
    config, store = office
    schedule(config, store, "2024-03", soon(-1), langs=("it",), allow_past=True)
    source = config.root / "issues" / "2024-03" / "it.yaml"
    source.write_text(source.read_text().replace("    title: Prima notizia\n", ""))
    with SMTPServer() as server, caplog.at_level(logging.ERROR, "newsletter.scheduler"):
        make_scheduler(config, store, server).tick()
    delivery = ledger.find(store, "2024-03", "it")
    assert delivery.state == "paused" and "could not be built" in delivery.note
    assert "NOT SENT 2024-03 it" in caplog.text and server.recorder.received == []
    source.write_text(MINIMAL)  # the editor fixes it and schedules again
    schedule(config, store, "2024-03", soon(-1), langs=("it",), allow_past=True)
    with SMTPServer() as server:
        make_scheduler(config, store, server).tick()
    assert len(server.recorder.received) == 4


@SQLITE
def test_an_unfinished_delivery_is_resumed(office):
    config, store = office
    build_issue(config, "2024-03", config.root / "out")
    delivery = ledger.create(store, "2024-03", "it", "s")
    ledger.enqueue(store, delivery.id, ["it"])
    ledger.set_state(store, delivery.id, "running")  # as a process that died would leave it
    with SMTPServer() as server:
        make_scheduler(config, store, server).tick()
    assert len(server.recorder.received) == 4
    assert ledger.get(store, delivery.id).state == "done"


@SQLITE
def test_editors_are_reminded_once(office, monkeypatch):
    config, store = office
    import newsletter.scheduling.daemon as module

    monkeypatch.setattr(module, "now", lambda: datetime(2031, 5, 21, 10, 0, tzinfo=UTC))
    with SMTPServer() as server:
        scheduler = make_scheduler(config, store, server, editors=("redazione@example.org",))
        scheduler.tick()
        scheduler.tick()
    assert len(server.recorder.received) == 1
    reminder = server.recorder.messages()[0]
    assert reminder["To"] == "redazione@example.org"
    assert reminder["Subject"] == "Promemoria: Work in Progress di Giugno 2031 non è ancora programmato"
    assert "newsletter schedule 2031-06" in reminder.get_content()
