"""The scheduler daemon as real processes with short real times: two at
once send each subscriber the issue exactly once; killed mid-delivery and
restarted, it completes without duplicates; SIGTERM stops it cleanly."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from newsletter.core.config import load_config
from newsletter.scheduling.schedule import SendTime, schedule
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs

from .conftest import BOTH, MINIMAL, REPO, SQLITE, write_issue
from .promise import copies_agree_with_the_ledger
from .smtp_server import SMTPServer

pytestmark = pytest.mark.slow
PEOPLE = 120


@pytest.fixture
def office(project, database_url):
    write_issue(project, {"it.yaml": MINIMAL})
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text().replace("poll_seconds = 30", "poll_seconds = 0.3")
                    .replace("backoff_seconds = 2", "backoff_seconds = 0.05"))
    env = {**os.environ, "NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "t" * 32}
    config = load_config(project, env)
    store = Store(database_url, config.secret())
    for n in range(PEOPLE):
        subs.add(store, f"s{n:03}@example.org", f"s{n:03}@example.org", None, "it",
                 subs.Consent("cli", "1"))
    yield config, store, env
    store.close()


def start_scheduler(config, env, server) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(REPO / "scheduler.py")], cwd=config.root,
                            env={**env, "NEWSLETTER_SMTP_URL": server.url},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def in_seconds(seconds: float) -> SendTime:
    return SendTime(datetime.now(UTC) + timedelta(seconds=seconds))


def wait_until(condition, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return err


@BOTH
def test_two_schedulers_send_each_subscriber_exactly_once(office):
    config, store, env = office
    schedule(config, store, "2024-03", in_seconds(5), langs=("it",))
    with SMTPServer(delay=0.002) as server:
        first, second = start_scheduler(config, env, server), start_scheduler(config, env, server)
        wait_until(lambda: ledger.find(store, "2024-03", "it").state == "done")
        logs = stop(first) + stop(second)
    assert server.recorder.count_by_recipient() == {f"s{n:03}@example.org": 1 for n in range(PEOPLE)}
    assert logs.count("starting 2024-03 it (scheduled for ") == 1  # claimed by one of them
    assert (config.root / "out" / "2024-03" / "it" / "issue.pdf").is_file()  # rebuilt at send time


@BOTH
def test_killed_during_a_delivery_and_restarted(office):
    config, store, env = office
    schedule(config, store, "2024-03", in_seconds(1), langs=("it",))
    with SMTPServer(delay=0.01) as server:
        first = start_scheduler(config, env, server)
        wait_until(lambda: len(server.recorder.received) >= 20)
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = start_scheduler(config, env, server)
        wait_until(lambda: ledger.find(store, "2024-03", "it").state == "done")
        logs = stop(second)
    assert "resuming 2024-03 it" in logs
    addresses = [f"s{n:03}@example.org" for n in range(PEOPLE)]
    received = copies_agree_with_the_ledger(server, store, addresses)
    counts = ledger.counts(store, ledger.find(store, "2024-03", "it").id)
    assert counts["sent"] + counts["uncertain"] == PEOPLE
    assert sum(1 for n in received.values() if n == 2) <= counts["resent"] <= 4  # one per connection


@SQLITE
def test_sigterm_lets_messages_in_flight_finish(office):
    config, store, env = office
    schedule(config, store, "2024-03", in_seconds(1), langs=("it",))
    with SMTPServer(delay=0.01) as server:
        process = start_scheduler(config, env, server)
        wait_until(lambda: len(server.recorder.received) >= 10)
        logs = stop(process)
        assert process.returncode == 0
        assert "SIGTERM: stopping after the messages in flight" in logs
        assert "scheduler stopped" in logs
        delivery = ledger.find(store, "2024-03", "it")
        assert delivery.state == "paused"
        assert ledger.counts(store, delivery.id)["uncertain"] == 0
        restarted = start_scheduler(config, env, server)
        wait_until(lambda: ledger.find(store, "2024-03", "it").state == "done")
        stop(restarted)
    assert server.recorder.count_by_recipient() == {f"s{n:03}@example.org": 1 for n in range(PEOPLE)}
