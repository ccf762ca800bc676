"""Real processes: ``newsletter send`` killed with SIGKILL at a random
moment then resumed; stopped with SIGTERM; two ``send --resume`` at once.
Nobody is lost; nobody receives the edition twice, except messages that
were in flight at the kill, which are reported uncertain and not re-sent."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from newsletter.core.config import load_config
from newsletter.render.build import build_issue
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs
from newsletter.store.tables import recipients, subscribers

from .conftest import BOTH, MINIMAL, SQLITE, write_issue
from .smtp_server import SMTPServer

NEWSLETTER = str(Path(sys.executable).with_name("newsletter"))
pytestmark = pytest.mark.slow


@pytest.fixture
def setup(project, database_url):
    write_issue(project, {"it.yaml": MINIMAL})
    (project / "newsletter.toml").write_text((project / "newsletter.toml").read_text().replace(
        "backoff_seconds = 2", "backoff_seconds = 0.05"))
    env = {**os.environ, "NEWSLETTER_DATABASE_URL": database_url,
           "NEWSLETTER_SECRET_KEY": "p" * 32}
    config = load_config(project, env)
    build_issue(config, "2024-03", project / "out")
    store = Store(database_url, config.secret())
    addresses = [f"r{n:03}@example.org" for n in range(240)]
    for address in addresses:
        subs.add(store, address, address, None, "it", subs.Consent("cli", "1"))
    yield project, env, store, addresses
    store.close()


def start_send(project, env, server, *extra):
    return subprocess.Popen([NEWSLETTER, "send", "2024-03", "--lang", "it", "--quiet", *extra],
                            cwd=project, env={**env, "NEWSLETTER_SMTP_URL": server.url},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(server, count: int, process, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while len(server.recorder.received) < count:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the sender made no progress"
        time.sleep(0.005)


def ledger_states(store) -> dict[str, str]:
    with store.transaction() as connection:
        rows = connection.execute(select(subscribers.c.email, recipients.c.state).join(
            subscribers, subscribers.c.id == recipients.c.subscriber_id)).all()
    return dict(rows)


@BOTH
def test_sigkill_at_a_random_moment_then_resume(setup):
    project, env, store, addresses = setup
    with SMTPServer(delay=0.004) as server:
        process = start_send(project, env, server)
        wait_for(server, random.randint(5, 200), process)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_at = len(server.recorder.received)
        resume = start_send(project, env, server, "--resume")
        out, err = resume.communicate(timeout=120)
        assert resume.returncode == 0, err
    received = server.recorder.count_by_recipient()
    states = ledger_states(store)
    assert set(states) == set(addresses)  # everyone has a ledger row
    assert max(received.values()) == 1, "somebody received the edition twice"
    for address in addresses:
        if states[address] == "sent":
            assert received[address] == 1, address
        else:
            assert states[address] == "uncertain", (address, states[address])
    uncertain = [a for a in addresses if states[a] == "uncertain"]
    assert len(uncertain) <= 4  # at most one in flight per connection (newsletter.toml: 4)
    lost = [a for a in addresses if received[a] == 0 and states[a] != "uncertain"]
    assert lost == []
    assert "done" in out and f"{len(uncertain)} uncertain" in out
    assert killed_at < len(addresses)


@SQLITE
def test_sigterm_finishes_messages_in_flight_and_stops(setup):
    project, env, store, addresses = setup
    with SMTPServer(delay=0.004) as server:
        process = start_send(project, env, server)
        wait_for(server, 30, process)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 1
        assert "SIGTERM: finishing the messages in flight" in err
        assert "interrupted; finish with `newsletter send 2024-03 --resume`" in err
        delivery = ledger.find(store, "2024-03", "it")
        assert delivery.state == "paused"
        counts = ledger.counts(store, delivery.id)
        assert counts["uncertain"] == 0 and counts["queued"] > 0
        resume = start_send(project, env, server, "--resume")
        resume.communicate(timeout=120)
    assert server.recorder.count_by_recipient() == {a: 1 for a in addresses}
    assert ledger.find(store, "2024-03", "it").state == "done"


@BOTH
def test_two_resumes_at_once_never_send_twice(setup):
    project, env, store, addresses = setup
    delivery = ledger.create(store, "2024-03", "it", "Work in Progress – Marzo 2024")
    ledger.enqueue(store, delivery.id, ["it"])
    with SMTPServer(delay=0.002) as server:
        first = start_send(project, env, server, "--resume")
        second = start_send(project, env, server, "--resume")
        for process in (first, second):
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
    assert server.recorder.count_by_recipient() == {a: 1 for a in addresses}
    assert ledger.find(store, "2024-03", "it").state == "done"
