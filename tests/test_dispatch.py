"""Delivery against a real SMTP server on loopback (aiosmtpd): exactly one
message per recipient, in their language, with a working personal
unsubscribe link; 4xx, 5xx, a server that is down. Answers lost after the
final dot, timeouts and takeovers: test_delivery_faults.py."""

import re
from datetime import timedelta

import pytest

from newsletter.core.config import load_config
from newsletter.dispatch import NotReady, send, send_test
from newsletter.dispatch.dispatcher import Settings
from newsletter.dispatch.transports import SMTPSettings, SMTPTransport
from newsletter.render.build import build_issue
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs
from newsletter.store.deliveries import DeliveryError
from newsletter.web import create_app

from .conftest import BOTH, MINIMAL, SQLITE, partial_english, write_issue
from .smtp_server import SMTPServer

ENGLISH = """\
curated_by: edited by the Mayor's Cabinet – International Relations
top_news:
  - id: prima
    title: First news
    body: The text of the first news.
"""
FAST = Settings(connections=3, batch=7, retries=2, backoff=0.02, bounce_limit=1,
                lease=timedelta(seconds=30), connect_attempts=2)


@pytest.fixture
def mailing(project, database_url):
    write_issue(project, {"it.yaml": MINIMAL, "en.yaml": ENGLISH})
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "d" * 32,
                                   "NEWSLETTER_BASE_URL": "http://localhost"})
    build_issue(config, "2024-03", project / "out")
    store = Store(database_url, config.secret())
    yield config, store
    store.close()


def people(store, count: int, language: str = "it", prefix: str = "p") -> list[str]:
    addresses = [f"{prefix}{n}@example.org" for n in range(count)]
    for address in addresses:
        subs.add(store, address, address, f"Persona {address[:3]}", language, subs.Consent("cli", "1"))
    return addresses


def deliver(config, store, server, month="2024-03", settings=FAST, **options):
    transports = lambda: SMTPTransport(SMTPSettings.from_url(server.url))  # noqa: E731
    return send(config, store, month, config.root / "out", transports, settings=settings, **options)


@BOTH
def test_everyone_gets_exactly_one_message_in_their_language(mailing):
    config, store = mailing
    italians, english = people(store, 12, "it", "it"), people(store, 5, "en", "en")
    with SMTPServer() as server:
        results = deliver(config, store, server)
    assert [(r.delivery.language, r.delivery.state, r.counts["sent"]) for r in results] == \
        [("it", "done", 12), ("en", "done", 5)]
    counts = server.recorder.count_by_recipient()
    assert counts == {address: 1 for address in italians + english}
    for message in server.recorder.messages():
        to = message["To"].addresses[0].addr_spec
        language = "en" if to.startswith("en") else "it"
        assert message["Content-Language"] == language
        text = message.get_body(("plain",)).get_content()
        assert ("First news" if language == "en" else "Prima notizia") in text


@SQLITE
def test_headers_and_personal_unsubscribe_link_that_works(mailing):
    config, store = mailing
    people(store, 3)
    with SMTPServer() as server:
        deliver(config, store, server, langs=("it",))
    message = server.recorder.messages()[0]
    assert message.defects == []
    for header in ("From", "Reply-To", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                   "Content-Language", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert message[header], header
    assert message["Subject"] == "Work in Progress – Marzo 2024"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "Work in Progress <work-in-progress.comune.torino.it>"
    https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert https.startswith("http://localhost/unsubscribe/") and mailto.startswith("mailto:")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert f'href="{https}"' in html and https in text
    assert "http://localhost/unsubscribe\"" not in html  # no generic link left

    recipient = message["To"].addresses[0].addr_spec
    client = create_app(config, store, None).test_client()
    answer = client.post(https.removeprefix("http://localhost"),
                         data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert subs.get(store, key=recipient).status == "unsubscribed"

    write_issue(config.root, {"it.yaml": MINIMAL.replace("2024-03", "2024-04")}, month="2024-04")
    build_issue(config, "2024-04", config.root / "out")
    with SMTPServer() as server:
        results = deliver(config, store, server, month="2024-04", langs=("it",))
    assert results[0].counts["sent"] == 2
    assert recipient not in server.recorder.count_by_recipient()


@BOTH
def test_temporary_and_permanent_failures(mailing):
    config, store = mailing
    addresses = people(store, 6)
    faults = {addresses[0]: ["451 4.3.0 Try again later"],
              addresses[1]: ["421 4.7.0 Too busy, closing"],
              addresses[2]: ["550 5.1.1 No such user"],
              addresses[3]: ["451 4.3.0 Later"] * 10}
    with SMTPServer(faults) as server:
        result = deliver(config, store, server, langs=("it",))[0]
    received = server.recorder.count_by_recipient()
    assert received == {addresses[0]: 1, addresses[1]: 1, addresses[4]: 1, addresses[5]: 1}
    assert result.counts == {"queued": 0, "sent": 4, "failed": 1, "deferred": 1, "uncertain": 0,
                             "cancelled": 0, "resent": 0}
    assert result.delivery.state == "running"  # a deferred recipient is still to be tried
    assert subs.get(store, key=addresses[2]).status == "bounced"  # bounce_limit=1
    assert subs.get(store, key=addresses[2]).bounces == 1

    with SMTPServer() as server:  # the server is fine again: --resume retries the deferred one
        result = deliver(config, store, server, langs=("it",), resume=True)[0]
    assert server.recorder.count_by_recipient() == {addresses[3]: 1}
    assert result.delivery.state == "done"
    assert result.counts["sent"] == 5 and result.counts["failed"] == 1


@SQLITE
def test_unreachable_server_pauses_the_delivery(mailing):
    config, store = mailing
    addresses = people(store, 5)
    with SMTPServer() as server:
        pass  # started and stopped: its port is closed now
    results = deliver(config, store, server, langs=("it",))
    summary = results[0].summary
    assert summary.paused.startswith("paused: cannot reach the SMTP server 127.0.0.1:")
    delivery = ledger.get(store, results[0].delivery.id)
    assert delivery.state == "paused" and "cannot reach" in delivery.note
    assert results[0].counts["queued"] == 5 and results[0].counts["uncertain"] == 0
    with SMTPServer() as server:  # a server is up again (on another port)
        results = deliver(config, store, server, langs=("it",), resume=True)
    assert results[0].delivery.state == "done"
    assert server.recorder.count_by_recipient() == {a: 1 for a in addresses}


@SQLITE
def test_an_edition_is_delivered_once(mailing):
    config, store = mailing
    people(store, 2)
    with SMTPServer() as server:
        deliver(config, store, server, langs=("it",))
        with pytest.raises(DeliveryError, match=r"already has a delivery \(done\): an edition is "
                                                r"delivered once"):
            deliver(config, store, server, langs=("it",))
        assert deliver(config, store, server, langs=("it",), resume=True) == []
    assert len(server.recorder.received) == 2


@SQLITE
def test_editions_that_are_not_built_or_stale_are_refused(mailing):
    config, store = mailing
    people(store, 1)
    (config.root / "out" / "2024-03" / "it" / "issue.pdf").unlink()
    with SMTPServer() as server, pytest.raises(NotReady, match=r"not built .*lacks issue.pdf.*"
                                                              r"newsletter build 2024-03"):
        deliver(config, store, server, langs=("it",))
    build_issue(config, "2024-03", config.root / "out")
    source = config.root / "issues" / "2024-03" / "it.yaml"
    source.write_text(source.read_text().replace("Prima notizia", "Notizia cambiata"))
    with SMTPServer() as server, pytest.raises(NotReady, match="older than its source"):
        deliver(config, store, server, langs=("it",))
    assert ledger.listing(store) == []


@SQLITE
def test_incomplete_translation_is_refused_unless_fallback(project, database_url):
    partial_english(project)
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "d" * 32})
    build_issue(config, "2023-12", project / "out")
    store = Store(database_url, config.secret())
    people(store, 2, "it", "it")
    english = people(store, 1, "en", "en")
    with SMTPServer() as server:
        with pytest.raises(NotReady, match=r"no complete edition for en \(14 parts untranslated, "
                                           r"1 active subscriber\)"):
            deliver(config, store, server, month="2023-12")
        deliver(config, store, server, month="2023-12", fallback=True)
    assert server.recorder.count_by_recipient()[english[0]] == 1
    assert [m["Content-Language"] for m in server.recorder.messages()] == ["it"] * 3
    store.close()


@SQLITE
def test_test_copy_touches_no_ledger(mailing):
    config, store = mailing
    with SMTPServer() as server:
        reply = send_test(config, "2024-03", "en", "editor@example.org", config.root / "out",
                          SMTPTransport(SMTPSettings.from_url(server.url)))
    assert reply.startswith("250")
    message = server.recorder.messages()[0]
    assert message["Subject"] == "[TEST] Work in Progress – March 2024"
    assert ledger.listing(store) == []


@SQLITE
def test_recipients_unsubscribed_after_queueing_are_cancelled(mailing):
    config, store = mailing
    addresses = people(store, 3)
    delivery = ledger.create(store, "2024-03", "it", "s")
    ledger.enqueue(store, delivery.id, ["it"])
    subs.remove(store, addresses[0])
    subs.erase(store, addresses[1])
    with SMTPServer() as server:
        result = deliver(config, store, server, langs=("it",), resume=True)[0]
    assert server.recorder.count_by_recipient() == {addresses[2]: 1}
    assert result.counts["cancelled"] == 2 and result.delivery.state == "done"


@SQLITE
def test_rate_limit(mailing):
    config, store = mailing
    people(store, 6)
    slow = Settings(connections=3, rate=20, backoff=0.02)
    with SMTPServer() as server:
        result = deliver(config, store, server, langs=("it",), settings=slow)[0]
    assert result.summary.seconds >= 5 / 20 * 0.9  # six messages: five intervals of 50 ms


@SQLITE
def test_freshness_is_a_digest_comparison_not_a_second_rendering(mailing, monkeypatch):
    """A build records what it was made from; prepare compares digests. A
    change to a template or to the edition's own source makes the build
    stale; a change to another edition's translation does not."""
    from newsletter import dispatch
    from newsletter.content import load_issue
    from newsletter.render import output

    config, _store = mailing
    out = config.root / "out"
    issue = load_issue(config, "2024-03")
    built = output.BuiltEdition.at(out, "2024-03", "it")
    assert built.digest() == output.edition_digest(config, issue, "it")

    def no_rendering(*args, **kwargs):
        raise AssertionError("prepare rendered the edition again")

    monkeypatch.setattr("newsletter.render.build.render_edition", no_rendering)
    monkeypatch.setattr("newsletter.render.email.render_email", no_rendering)
    dispatch.prepare(config, issue, issue.editions["it"], out)  # fresh: accepted

    (config.root / "issues" / "2024-03" / "fr.yaml").write_text("title: Autre\n")
    assert output.edition_digest(config, issue, "it") == built.digest()
    footer = config.templates_dir / "email" / "inline.css"
    footer.write_text(footer.read_text() + "\n/* changed */\n")
    assert output.edition_digest(config, issue, "it") != built.digest()
    with pytest.raises(NotReady, match="older than its source"):
        dispatch.prepare(config, issue, issue.editions["it"], out)
