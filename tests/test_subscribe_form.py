"""The subscribe and unsubscribe-request forms tell nobody anything about an
address: the answer takes the same time whatever the address's state (mail
leaves from a queue), a POST changes nothing about an address already on
the list until the link mailed to it is followed, an address gets at most
three such mails a day, and an internationalized address (SMTPUTF8) works
from the form to the confirmation."""

from __future__ import annotations

import re
import time
from email import message_from_bytes, message_from_string, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from newsletter.core.config import load_config
from newsletter.dispatch.transports import MemoryTransport, make_transport
from newsletter.store import mailqueue
from newsletter.store import subscribers as subs
from newsletter.store.tables import rate_limits, subscribers
from newsletter.web import create_app, outgoing
from newsletter.web.outgoing import deliver_queued

from .conftest import BOTH, SQLITE
from .smtp_server import Recorder, SMTPServer, free_port

CLI = subs.Consent("cli", "2023-01")


@pytest.fixture
def config(project):
    return load_config(project, {"NEWSLETTER_SECRET_KEY": "k" * 32,
                                 "NEWSLETTER_BASE_URL": "http://localhost"})


def app_with(config, store, transports, **options):
    return create_app(config, store, transports, **options)


@pytest.fixture
def memory(config, store):
    """The application with its mail in memory, sent only when a test drains the queue."""
    transport = MemoryTransport()
    app = app_with(config, store, lambda: transport, mail_thread=False)
    return app, app.test_client(), transport


def csrf(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def post_form(client, path: str, ip: str = "127.0.0.1", **fields):
    """GET the form, then POST it from ``ip`` (each test's clients stay under
    the per-client limit); the POST's answer and how long it took."""
    token = csrf(client.get(path, environ_base={"REMOTE_ADDR": ip}))
    data = {"csrf": token, "name": "", "language": "it", "privacy": "yes", "website": "", **fields}
    started = time.perf_counter()
    page = client.post(path, data=data, environ_base={"REMOTE_ADDR": ip})
    return page, time.perf_counter() - started


def subscribe(client, email, ip="127.0.0.1", **fields):
    return post_form(client, "/subscribe", ip, email=email, **fields)[0]


def visible(page) -> str:
    """The page as a person sees it (without the CSRF token, which differs every time)."""
    return re.sub(r'value="[^"]+"', "", page.get_data(as_text=True))


def mails_to(transport, address) -> list:
    return [message_from_bytes(raw, policy=policy.default)
            for raw, _, recipients in transport.sent if recipients == [address]]


def link_in(message, kind: str) -> str:
    return re.search(rf"http://localhost(/{kind}/\S+)", message.get_content()).group(1)


def add(store, address, name=None, language="it", status=None):
    subscriber = subs.add(store, address, address, name, language, CLI)
    if status:
        with store.transaction() as connection:
            connection.execute(update(subscribers).where(subscribers.c.id == subscriber.id)
                               .values(status=status, bounces=3 if status == "bounced" else 0))
    return subs.get(store, key=address)


def confirm(client, path):
    shown = client.get(path)
    return shown, client.post(path, data={"csrf": csrf(shown)})


# -- 1. the answer's timing says nothing -------------------------------------------------


@SQLITE
def test_the_answer_takes_the_same_time_for_a_known_and_a_new_address(config, store, tmp_path):
    """With a relay that takes 300 ms per message, the old form answered a
    new address in 370 ms (it mailed inline) and a known one in 4 ms."""
    add(store, "known@example.org")
    with SMTPServer(delay=0.3) as server:
        app = app_with(config, store, lambda: make_transport(server.url, tmp_path / "outbox"))
        client = app.test_client()
        post_form(client, "/subscribe", "192.0.2.1", email="x@example.org", website="robot")  # warm up
        known = post_form(client, "/subscribe", "192.0.2.2", email="known@example.org")
        new = post_form(client, "/subscribe", "192.0.2.3", email="new@example.org")
        asked_known = post_form(client, "/unsubscribe", "192.0.2.4", email="known@example.org")
        asked_unknown = post_form(client, "/unsubscribe", "192.0.2.5", email="nobody@example.org")

        assert visible(known[0]) == visible(new[0])
        assert visible(asked_known[0]) == visible(asked_unknown[0])
        for (_, fast), (_, other) in ((new, known), (asked_known, asked_unknown)):
            assert fast < 0.25 and other < 0.25, (fast, other)
            assert fast < other + 0.15, (fast, other)

        # The mail thread sends it all after the answers.
        deadline = time.monotonic() + 10
        while len(server.recorder.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(server.recorder.count_by_recipient().elements()) == [
            "known@example.org", "known@example.org", "new@example.org"]
        while mailqueue.waiting(store) and time.monotonic() < deadline:
            time.sleep(0.05)  # the last one is taken off the queue once the relay answered
    assert mailqueue.waiting(store) == 0


# -- 2. nothing changes before the link is followed ---------------------------------------


@BOTH
@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_a_post_for_a_suppressed_address_changes_nothing_until_confirmed(memory, store, status):
    app, client, transport = memory
    before = add(store, "anna@example.org", name="Anna", status=status)
    page = subscribe(client, "anna@example.org", name="Mallory", language="fr")
    assert page.status_code == 200
    assert subs.get(store, key="anna@example.org") == before  # not a field changed

    deliver_queued(app)
    [mail] = mails_to(transport, "anna@example.org")
    assert mail["Content-Language"] == "fr" and mail["To"] == "Anna <anna@example.org>"
    shown, done = confirm(client, link_in(mail, "confirm"))
    html = shown.get_data(as_text=True)
    assert "Vous recevrez le bulletin en français." in html and "Nom\u202f: Mallory" in html
    assert "Abonnement confirmé" in done.get_data(as_text=True)

    after = subs.get(store, key="anna@example.org")
    assert (after.status, after.name, after.language, after.bounces) == ("active", "Mallory", "fr", 0)
    assert (after.consent_method, after.consent_ip, after.privacy_version) == \
        ("form", "127.0.0.1", "2024-01")
    assert after.confirmed_at > before.confirmed_at and after.unsubscribed_at is None
    assert subs.events(store, after.id)[-1][1:] == \
        ("confirmed", f"form, privacy notice 2024-01, was {status}")


@BOTH
def test_a_post_for_a_pending_address_changes_nothing_until_confirmed(memory, store):
    app, client, transport = memory
    subscribe(client, "anna@example.org", name="Anna", language="it")
    before = subs.get(store, key="anna@example.org")
    subscribe(client, "anna@example.org", "192.0.2.9", name="Someone else", language="en")
    assert subs.get(store, key="anna@example.org") == before

    deliver_queued(app)
    first, second = mails_to(transport, "anna@example.org")
    assert (first["Content-Language"], second["Content-Language"]) == ("it", "en")
    confirm(client, link_in(second, "confirm"))
    after = subs.get(store, key="anna@example.org")
    assert (after.status, after.name, after.language) == ("active", "Someone else", "en")
    replay = client.get(link_in(first, "confirm"))  # the other link changes nothing now
    assert "was already confirmed" in replay.get_data(as_text=True)  # in her language now
    assert subs.get(store, key="anna@example.org").language == "en"


@BOTH
def test_a_post_for_an_active_address_mails_its_links_and_changes_nothing(memory, store):
    app, client, transport = memory
    before = add(store, "anna@example.org", name="Anna", language="it")
    subscribe(client, "anna@example.org", name="Mallory", language="en")
    assert subs.get(store, key="anna@example.org") == before
    deliver_queued(app)
    [mail] = mails_to(transport, "anna@example.org")
    assert mail["Subject"] == "Your subscription to Work in Progress"
    assert link_in(mail, "unsubscribe") and link_in(mail, "preferences")
    assert "/confirm/" not in mail.get_content()
    assert subs.get(store, key="anna@example.org") == before


# -- the limit of mails per address -------------------------------------------------------


@BOTH
def test_repeated_posts_for_a_pending_address_send_at_most_three_confirmations(memory, store):
    app, client, transport = memory
    answers = {visible(subscribe(client, "anna@example.org", f"192.0.2.{n}")) for n in range(6)}
    assert len(answers) == 1  # the same answer, limited or not
    for n in range(5):
        post_form(client, "/unsubscribe", f"198.51.100.{n}", email="anna@example.org")
    deliver_queued(app)
    subjects = [mail["Subject"] for mail in mails_to(transport, "anna@example.org")]
    assert subjects.count("Conferma la tua iscrizione a Work in Progress") == 3
    assert subjects.count("La tua iscrizione a Work in Progress") == 3
    with store.transaction() as connection:  # counted under keyed hashes, never the address
        buckets = set(connection.execute(select(rate_limits.c.bucket)).scalars())
    assert not any("anna" in bucket for bucket in buckets)
    assert store.address_hash("anna@example.org") not in buckets


# -- 3. an address with letters outside ASCII ---------------------------------------------


@BOTH
def test_a_non_ascii_address_is_confirmed_through_an_smtputf8_relay(config, store, tmp_path):
    """Before: HTTP 500 (the confirmation could not be composed) and a pending
    row that nothing could confirm."""
    with SMTPServer() as server:  # aiosmtpd with SMTPUTF8 (RFC 6531)
        app = app_with(config, store, lambda: make_transport(server.url, tmp_path / "outbox"),
                       mail_thread=False)
        client = app.test_client()
        page = subscribe(client, "ünï@exämple.org", name="Ünï Çà")
        assert page.status_code == 200 and "Controlla la tua casella" in page.get_data(as_text=True)
        assert deliver_queued(app) == 1
        [(recipients, raw)] = server.recorder.received
    assert recipients == ["ünï@exämple.org"]
    mail = message_from_string(raw.decode("utf-8"), policy=policy.default)  # UTF-8 headers (RFC 6532)
    assert mail["To"].addresses[0].addr_spec == "ünï@exämple.org"
    assert mail["To"].addresses[0].display_name == "Ünï Çà"
    _, done = confirm(app.test_client(), link_in(mail, "confirm"))
    assert done.status_code == 200
    assert subs.get(store, key="ünï@exämple.org").status == "active"


@SQLITE
def test_a_relay_without_smtputf8_leaves_the_mail_held_with_its_reason(config, store, tmp_path):
    recorder = Recorder()
    port = free_port()
    relay = Controller(recorder, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    relay.start()
    try:
        app = app_with(config, store, lambda: make_transport(f"smtp://127.0.0.1:{port}",
                                                            tmp_path / "outbox"), mail_thread=False)
        page = subscribe(app.test_client(), "ünï@exämple.org")
        assert page.status_code == 200
        assert deliver_queued(app) == 0
    finally:
        relay.stop()
    [held] = mailqueue.held(store)  # given up at once (a permanent refusal), kept for the operator
    assert held.attempts == 1 and held.last_error
    assert recorder.received == []


# -- the queue ---------------------------------------------------------------------------


@SQLITE
def test_a_failing_message_is_retried_a_limited_number_of_times_then_held(config, store, tmp_path,
                                                                          monkeypatch, caplog):
    monkeypatch.setattr(outgoing, "BACKOFF", (outgoing.timedelta(0),))  # every retry due at once
    with SMTPServer(faults={"anna@example.org": ["451 4.3.0 Try again later"] * 9}) as server:
        app = app_with(config, store, lambda: make_transport(server.url, tmp_path / "outbox"),
                       mail_thread=False)
        page = subscribe(app.test_client(), "anna@example.org")
        assert page.status_code == 200
        assert deliver_queued(app) == 0
    [held] = mailqueue.held(store)
    assert held.attempts == outgoing.MAX_ATTEMPTS and held.last_error.startswith("451 4.3.0")
    assert mailqueue.waiting(store) == 0
    assert f"given up after {outgoing.MAX_ATTEMPTS} attempt(s)" in caplog.text


@SQLITE
def test_erasure_removes_the_address_from_the_queue(memory, store):
    app, client, transport = memory
    subscribe(client, "Anna@Example.org")
    assert mailqueue.waiting(store) == 1
    subs.erase(store, "anna@example.org")
    assert mailqueue.waiting(store) == 0
    deliver_queued(app)
    assert transport.sent == []
