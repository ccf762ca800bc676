"""The delivery promise under faults, against real SMTP servers on loopback
that misbehave (``tests/smtp_server.py``), on SQLite and PostgreSQL: every
copy each address received is counted and compared with the ledger.

- An answer lost after the final dot (a drop, a reply slower than the
  timeout) makes the recipient uncertain, never a plain retry; uncertain
  recipients get one more copy at the end, with the same Message-ID,
  recorded as resent; nobody gets a third.
- A refusal before the data (421 to MAIL) is retried: nothing was delivered.
- Someone who unsubscribes while the send is under way is not mailed, even
  if their row was already claimed in a batch.
- A worker whose lease was taken over can neither send nor write.
"""

from datetime import timedelta
from email import message_from_string, policy

import pytest
from sqlalchemy import select

from newsletter.core.config import load_config
from newsletter.dispatch import send
from newsletter.dispatch.dispatcher import Settings
from newsletter.dispatch.transports import SMTPSettings, SMTPTransport
from newsletter.render.build import build_issue
from newsletter.store import Store, now
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs
from newsletter.store.tables import recipients, subscribers, workers

from .conftest import BOTH, MINIMAL, SQLITE, write_issue
from .smtp_server import SMTPServer

FAST = Settings(connections=2, batch=50, retries=2, backoff=0.02, bounce_limit=1,
                lease=timedelta(seconds=30), connect_attempts=2)


@pytest.fixture
def mailing(project, database_url):
    write_issue(project, {"it.yaml": MINIMAL})
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "f" * 32,
                                   "NEWSLETTER_BASE_URL": "http://localhost"})
    build_issue(config, "2024-03", project / "out")
    store = Store(database_url, config.secret())
    yield config, store
    store.close()


def people(store, count: int) -> list[str]:
    addresses = [f"p{n}@example.org" for n in range(count)]
    for address in addresses:
        subs.add(store, address, address, f"Persona {address[:2]}", "it", subs.Consent("cli", "1"))
    return addresses


def deliver(config, store, server, settings=FAST, timeout: float = 30, **options):
    url = f"{server.url}?timeout={timeout}"
    transports = lambda: SMTPTransport(SMTPSettings.from_url(url))  # noqa: E731
    return send(config, store, "2024-03", config.root / "out", transports, settings=settings,
                langs=("it",), **options)[0]


def ledger_rows(store) -> dict[str, dict]:
    with store.transaction() as connection:
        rows = connection.execute(select(
            subscribers.c.email, recipients.c.state, recipients.c.unsure, recipients.c.resent_at,
            recipients.c.reply).join(subscribers, subscribers.c.id == recipients.c.subscriber_id))
        return {row.email: row._asdict() for row in rows}


def check_the_promise(server, store, addresses) -> None:
    """What each address received agrees with the ledger: at most two copies,
    and a second copy only where the ledger records one."""
    received = server.recorder.count_by_recipient()
    rows = ledger_rows(store)
    for address in addresses:
        copies, row = received.get(address, 0), rows[address]
        assert copies <= 2, (address, copies)
        if copies == 2:
            assert row["resent_at"] is not None, (address, row)
        if row["state"] == "sent":
            assert copies >= 1, (address, row)
        if row["state"] in ("queued", "cancelled", "failed", "deferred"):
            assert copies == 0 or row["unsure"], (address, row)


@BOTH
def test_answer_lost_after_the_final_dot_means_uncertain_then_one_more_copy(mailing):
    config, store = mailing
    a = people(store, 6)
    faults = {a[1]: ["keep-drop"],             # delivered, answer lost: 2 copies, recorded
              a[2]: ["drop"],                  # not delivered, answer lost: the 2nd copy arrives
              a[3]: ["keep-drop", "keep-drop"],  # twice unanswered: held after 2 copies
              a[4]: ["drop", "drop"]}          # twice lost: held, never a third attempt
    with SMTPServer(faults) as server:
        result = deliver(config, store, server)
    received = server.recorder.count_by_recipient()
    assert received == {a[0]: 1, a[1]: 2, a[2]: 1, a[3]: 2, a[5]: 1}
    rows = ledger_rows(store)
    assert {x: rows[x]["state"] for x in a} == {
        a[0]: "sent", a[1]: "sent", a[2]: "sent", a[3]: "uncertain", a[4]: "uncertain",
        a[5]: "sent"}
    assert [x for x in a if rows[x]["resent_at"]] == a[1:5], rows[a[4]]
    assert rows[a[1]]["reply"].startswith("second copy: 250")
    assert "held, never sent a third time" in rows[a[3]]["reply"]
    assert rows[a[4]]["unsure"] == 2
    assert result.counts["resent"] == 4 and result.summary.resent == 4
    assert result.counts["uncertain"] == 2 and result.delivery.state == "done"
    # The second copy is the same message: one conversation in the reader's mail client.
    ids = [m["Message-ID"] for m in server.recorder.messages() if m["To"].addresses[0].addr_spec == a[1]]
    assert len(ids) == 2 and ids[0] == ids[1]
    check_the_promise(server, store, a)


@BOTH
def test_a_reply_slower_than_the_timeout_is_uncertain_not_retried(mailing):
    config, store = mailing
    a = people(store, 4)
    with SMTPServer({a[1]: ["keep-sleep:2"]}) as server:
        result = deliver(config, store, server, timeout=0.5)
    assert server.recorder.count_by_recipient() == {a[0]: 1, a[1]: 2, a[2]: 1, a[3]: 1}
    row = ledger_rows(store)[a[1]]
    assert row["state"] == "sent" and row["resent_at"] is not None and row["unsure"] == 1
    assert result.counts["sent"] == 4 and result.counts["resent"] == 1
    check_the_promise(server, store, a)


@BOTH
def test_421_to_mail_is_retried_since_nothing_was_delivered(mailing):
    config, store = mailing
    a = people(store, 5)
    with SMTPServer(mail_faults=["421 4.7.0 Too busy, try later"] * 2) as server:
        result = deliver(config, store, server)
    assert server.recorder.count_by_recipient() == {x: 1 for x in a}
    assert result.counts["sent"] == 5 and result.counts["uncertain"] == 0
    assert result.counts["resent"] == 0


@SQLITE
def test_no_resend_uncertain_keeps_them_held(mailing):
    config, store = mailing
    a = people(store, 3)
    held = Settings(**{**FAST.__dict__, "resend_uncertain": False})
    with SMTPServer({a[1]: ["drop"]}) as server:
        result = deliver(config, store, server, settings=held)
    assert server.recorder.count_by_recipient() == {a[0]: 1, a[2]: 1}
    row = ledger_rows(store)[a[1]]
    assert row["state"] == "uncertain" and row["resent_at"] is None
    assert "held (--no-resend-uncertain)" in row["reply"]
    assert result.delivery.state == "done" and result.counts["resent"] == 0


@BOTH
def test_unsubscribed_a_moment_before_their_message_is_not_mailed(mailing):
    """Each message checks the subscriber at the moment it leaves, not when its
    batch was claimed: here the whole list is claimed at once, and while the
    first messages go, the later people unsubscribe."""
    config, store = mailing
    a = people(store, 8)
    quitters = {a[4], a[6]}

    with SMTPServer() as server:
        recorder = server.recorder
        keep = recorder._keep

        def keep_and_unsubscribe(envelope):
            keep(envelope)
            if len(recorder.received) == 2:  # the batch of 8 is already claimed
                for address in quitters:
                    subs.unsubscribe(store, subs.get(store, key=address).uid, "test")

        recorder._keep = keep_and_unsubscribe
        one_by_one = Settings(**{**FAST.__dict__, "connections": 1, "batch": 50})
        result = deliver(config, store, server, settings=one_by_one)
    received = server.recorder.count_by_recipient()
    assert set(received) == set(a) - quitters
    rows = ledger_rows(store)
    assert all(rows[x]["state"] == "cancelled" for x in quitters)
    assert rows[a[4]]["reply"] == "no longer subscribed when its turn came"
    assert result.counts["cancelled"] == 2 and result.summary.cancelled == 2


@BOTH
def test_a_worker_whose_lease_was_taken_over_can_neither_claim_nor_mark_nor_record(mailing):
    _config, store = mailing
    people(store, 6)
    delivery = ledger.create(store, "2024-03", "it", "Work in Progress – Marzo 2024")
    ledger.enqueue(store, delivery.id, ["it"])
    old = "elsewhere-1-aaaaaaaa"
    ledger.register_worker(store, old, delivery.id)
    claimed = ledger.claim(store, delivery.id, old, 6)
    writer = ledger.LedgerWriter(store, 3, old)
    assert writer.write([claimed[0].id], []) == []  # holding the lease: marked sending
    # The old worker falls silent (another host, a frozen VM): its lease lapses.
    with store.transaction() as connection:
        connection.execute(workers.update().where(workers.c.id == old).values(
            host="another-host", heartbeat_at=now() - timedelta(minutes=5)))
    assert ledger.recover(store, delivery.id, timedelta(seconds=60)) == (5, 1)
    # Taken over: whatever it tries now is refused, and nothing it writes lands.
    refused = writer.write([claimed[1].id], [ledger.Outcome(claimed[0].id, "sent", "250 ok", 1)])
    assert {(r.recipient_id, r.fenced) for r in refused} == {(claimed[0].id, True),
                                                            (claimed[1].id, True)}
    with pytest.raises(ledger.Fenced):
        ledger.claim(store, delivery.id, old, 6)
    assert not ledger.heartbeat(store, old)
    writer.close()
    rows = ledger_rows(store)
    assert sorted(r["state"] for r in rows.values()) == ["queued"] * 5 + ["uncertain"]


INTERNATIONAL = "ünï@exämple.org"


def add_international(store) -> None:
    subs.add(store, INTERNATIONAL, INTERNATIONAL.casefold(), 'Ünï "the" Tester', "it",
             subs.Consent("cli", "1"))


@BOTH
def test_a_non_ascii_address_without_smtputf8_fails_clearly_for_that_recipient_only(mailing):
    config, store = mailing
    a = people(store, 2)
    add_international(store)
    with SMTPServer(smtputf8=False) as server:
        result = deliver(config, store, server)
    assert server.recorder.count_by_recipient() == {a[0]: 1, a[1]: 1}
    row = ledger_rows(store)[INTERNATIONAL]
    assert row["state"] == "failed"
    assert "does not offer SMTPUTF8" in row["reply"] and "not sent" in row["reply"]
    assert subs.get(store, key=INTERNATIONAL.casefold()).bounces == 0  # our refusal, not a bounce
    assert result.delivery.state == "done" and result.counts["sent"] == 2


@SQLITE
def test_a_non_ascii_address_is_delivered_through_smtputf8(mailing):
    config, store = mailing
    add_international(store)
    with SMTPServer() as server:
        result = deliver(config, store, server)
    assert server.recorder.count_by_recipient() == {INTERNATIONAL: 1}
    [(_, raw)] = server.recorder.received
    copy = message_from_string(raw.decode("utf-8"), policy=policy.SMTPUTF8)  # RFC 6532 headers
    assert copy["To"].addresses[0].display_name == 'Ünï "the" Tester'
    assert copy["To"].addresses[0].addr_spec == INTERNATIONAL
    assert result.counts["sent"] == 1
