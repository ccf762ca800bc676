"""Real processes: ``newsletter send`` killed with SIGKILL at random moments
then resumed; stopped with SIGTERM; two ``send --resume`` at once; a slow
sender joined by a second; a frozen sender taken over. Nobody is lost;
nobody receives more than two copies, and every second copy is in the
ledger (messages in flight at a kill or a takeover are uncertain and sent
once more at the end)."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter.core.config import load_config
from newsletter.render.build import build_issue
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs

from .conftest import BOTH, MINIMAL, SQLITE, write_issue
from .promise import copies_agree_with_the_ledger
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


@BOTH
def test_sigkill_at_random_moments_twenty_times_then_resume(setup):
    project, env, store, addresses = setup
    rng = random.Random(20261123)
    with SMTPServer(delay=0.01) as server:
        for kill in range(20):
            process = start_send(project, env, server, *(["--resume"] if kill else []))
            # Kill while first copies are still going out (a kill during the second
            # copies at the very end could leave someone with two unanswered tries).
            target = min(len(server.recorder.received) + rng.randint(1, 12), len(addresses) - 40)
            wait_for(server, target, process)
            time.sleep(rng.random() * 0.01)
            process.send_signal(signal.SIGKILL)
            process.wait()
        resume = start_send(project, env, server, "--resume")
        out, err = resume.communicate(timeout=120)
        assert resume.returncode == 0, err
    received = copies_agree_with_the_ledger(server, store, addresses)
    delivery = ledger.find(store, "2024-03", "it")
    counts = ledger.counts(store, delivery.id)
    assert delivery.state == "done" and "done" in out
    assert counts["sent"] + counts["uncertain"] == len(addresses)
    assert sum(1 for n in received.values() if n == 2) <= counts["resent"]


@SQLITE
def test_a_slow_sender_keeps_its_lease_and_a_second_resume_sends_no_duplicate(setup):
    """--rate 2 means minutes for one batch: the lease is renewed on time all
    the same, so a second `send --resume` after the lease time takes nothing
    from the first."""
    project, env, store, addresses = setup
    short_lease(project)
    with SMTPServer() as server:
        slow = start_send(project, env, server, "--rate", "2")
        wait_for(server, 1, slow)
        time.sleep(7)  # longer than the lease (5 s)
        second = start_send(project, env, server, "--resume")
        _out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        time.sleep(2)
        slow.send_signal(signal.SIGTERM)
        slow.communicate(timeout=60)
        resume = start_send(project, env, server, "--resume")
        resume.communicate(timeout=120)
    assert server.recorder.count_by_recipient() == {a: 1 for a in addresses}
    assert ledger.counts(store, ledger.find(store, "2024-03", "it").id)["resent"] == 0


@BOTH
def test_a_frozen_sender_is_taken_over_and_fenced_off(setup):
    """A sender frozen longer than its lease (SIGSTOP: a suspended VM, a hung
    process) is taken over; woken up, it sends nothing more and says why."""
    project, env, store, addresses = setup
    short_lease(project)
    with SMTPServer(delay=0.05) as server:
        frozen = start_send(project, env, server, "--connections", "2")
        wait_for(server, 10, frozen)
        frozen.send_signal(signal.SIGSTOP)
        time.sleep(6)  # longer than the lease (5 s)
        before = len(server.recorder.received)
        successor = start_send(project, env, server, "--resume")
        out, err = successor.communicate(timeout=120)
        assert successor.returncode == 0, err
        assert "done" in out
        after = len(server.recorder.received)
        frozen.send_signal(signal.SIGCONT)
        _out, err = frozen.communicate(timeout=60)
        assert frozen.returncode == 1
        assert "another one took the delivery over; nothing more was sent from here" in err
    # Woken up, the old sender finished at most the transactions it had on
    # the wire (one per connection); it started no other.
    assert len(server.recorder.received) - after <= 2
    assert before < len(addresses)
    copies_agree_with_the_ledger(server, store, addresses)


def short_lease(project) -> None:
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text().replace("lease_seconds = 60", "lease_seconds = 5"))


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
