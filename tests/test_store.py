"""The subscriber store, on SQLite and PostgreSQL: consent, statuses, the
suppression list and erasure that sticks."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsletter.store import Store
from newsletter.store import subscribers as subs
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.tables import subscriber_events, subscribers, suppressions

from .conftest import BOTH, SECRET

pytestmark = BOTH
CLI = subs.Consent("cli", "2024-01")
FORM = subs.Consent("form", "2024-01", "203.0.113.7")
DAYS = timedelta(days=3)  # how long a confirmation link stays valid


def add(store, address, language="it", name=None):
    email, key = normalize(address)
    return subs.add(store, email, key, name, language, CLI)


def count(store, table, *where):
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar()


def test_migrations_are_idempotent(store, database_url):
    Store(database_url, SECRET).close()  # a second open migrates nothing and fails nothing
    assert count(store, subscribers) == 0


def test_add_records_consent_and_history(store):
    subscriber = add(store, "Anna.Rossi@Example.ORG", "en", "Anna Rossi")
    assert subscriber.email == "Anna.Rossi@example.org"
    assert subscriber.email_key == "anna.rossi@example.org"
    assert (subscriber.status, subscriber.language) == ("active", "en")
    assert (subscriber.consent_method, subscriber.privacy_version) == ("cli", "2024-01")
    assert subscriber.consent_at is not None and subscriber.consent_at.tzinfo is not None
    history = subs.events(store, subscriber.id)
    assert [event for _, event, _ in history] == ["subscribed"]


def test_addresses_are_unique_regardless_of_case(store):
    add(store, "anna@example.org")
    with pytest.raises(subs.SubscriberError, match="already subscribed"):
        add(store, "ANNA@EXAMPLE.ORG")


def test_internationalized_addresses_are_accepted(store):
    subscriber = add(store, "josé.garcía@exämple.org")
    assert subscriber.email == "josé.garcía@exämple.org"
    assert subs.get(store, key=subscriber.email_key) == subscriber


@pytest.mark.parametrize("bad", ["", "anna", "anna@", "anna@@example.org", "a b@example.org",
                                 "anna@example.org\r\nBcc: x@example.org"])
def test_malformed_addresses_are_refused(bad, store):
    with pytest.raises(InvalidAddress):
        normalize(bad)


def test_names_lose_line_breaks_but_keep_their_text(store):
    assert clean_name("Anna\r\nBcc: evil@example.org") == "Anna Bcc: evil@example.org"
    assert clean_name("<b>Anna</b>") == "<b>Anna</b>"  # escaped where shown, never interpreted
    assert clean_name("   ") is None


def test_double_opt_in(store):
    email, key = normalize("marco@example.org")
    asked = subs.request_subscription(store, email, key, "Marco", "it", FORM, valid_for=DAYS)
    pending = asked.subscriber
    assert pending.status == "pending" and pending.consent_ip == "203.0.113.7"
    assert asked.confirm_uid == pending.uid
    assert subs.confirm(store, pending.uid) is subs.Outcome.DONE
    assert subs.get(store, key=key).status == "active"
    assert subs.confirm(store, pending.uid) is subs.Outcome.ALREADY  # replayed link
    assert subs.confirm(store, "0" * 32) is subs.Outcome.UNKNOWN
    events = [event for _, event, _ in subs.events(store, pending.id)]
    assert events == ["subscribed", "confirmed"]


def test_subscribing_an_active_address_changes_nothing(store):
    active = add(store, "anna@example.org")
    email, key = normalize("anna@example.org")
    asked = subs.request_subscription(store, email, key, None, "fr", FORM, valid_for=DAYS)
    assert asked.confirm_uid is None  # nothing to confirm: the address gets its links
    assert subs.get(store, key=key) == active


def test_unsubscribe_is_immediate_and_suppresses(store):
    subscriber = add(store, "anna@example.org")
    assert subs.unsubscribe(store, subscriber.uid, "one-click") is subs.Outcome.DONE
    assert subs.get(store, uid=subscriber.uid).status == "unsubscribed"
    assert list(subs.listing(store, "active")) == []
    assert subs.unsubscribe(store, subscriber.uid, "one-click") is subs.Outcome.ALREADY
    with pytest.raises(subs.SubscriberError, match="suppression list"):
        add(store, "ANNA@example.org")


def test_unsubscribed_person_may_subscribe_again_through_the_form(store):
    subscriber = add(store, "anna@example.org")
    subs.unsubscribe(store, subscriber.uid, "page")
    email, key = normalize("anna@example.org")
    asked = subs.request_subscription(store, email, key, None, "fr", FORM, valid_for=DAYS)
    assert subs.get(store, key=key).status == "unsubscribed"  # until the link is followed
    assert subs.confirm(store, asked.confirm_uid) is subs.Outcome.DONE
    assert (subs.get(store, key=key).status, subs.get(store, key=key).language) == ("active", "fr")


def test_erasure_deletes_personal_data_and_sticks(store):
    subscriber = add(store, "anna@example.org", name="Anna Rossi")
    _, key = normalize("anna@example.org")
    assert subs.erase(store, key) is subs.Outcome.DONE
    assert subs.get(store, key=key) is None
    assert count(store, subscriber_events, subscriber_events.c.subscriber_id == subscriber.id) == 0
    with store.transaction() as connection:
        kept = connection.execute(select(suppressions)).all()
    assert [(row.address_hash, row.reason) for row in kept] == [(store.address_hash(key), "erased")]
    assert "anna" not in kept[0].address_hash
    with pytest.raises(subs.SubscriberError, match=r"suppression list \(erased\)"):
        add(store, "Anna@Example.org")
    assert subs.unsubscribe(store, subscriber.uid, "old link") is subs.Outcome.UNKNOWN
    assert subs.erase(store, key) is subs.Outcome.ALREADY


def test_erasing_an_unknown_address_suppresses_it(store):
    _, key = normalize("never@example.org")
    assert subs.erase(store, key) is subs.Outcome.UNKNOWN
    with pytest.raises(subs.SubscriberError, match="suppression list"):
        add(store, "never@example.org")


def test_concurrent_subscribe_of_the_same_address(store):
    email, key = normalize("rush@example.org")
    results, errors = [], []

    def attempt():
        try:
            results.append(subs.request_subscription(store, email, key, None, "it", FORM,
                                                     valid_for=DAYS))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(store, subscribers) == 1


def test_language_change_is_recorded(store):
    subscriber = add(store, "anna@example.org")
    assert subs.set_language(store, subscriber.uid, "fr") is subs.Outcome.DONE
    assert subs.get(store, uid=subscriber.uid).language == "fr"
    assert subs.events(store, subscriber.id)[-1][1:] == ("language-changed", "it → fr")


def test_listing_filters_and_streams_in_batches(store):
    for n in range(7):
        add(store, f"p{n}@example.org", "en" if n % 2 else "it")
    everyone = list(subs.listing(store, batch=3))
    assert len(everyone) == 7
    assert [s.email for s in subs.listing(store, "active", "en", batch=2)] == \
        ["p1@example.org", "p3@example.org", "p5@example.org"]
    counts = subs.stats(store)
    assert counts[("active", "it")] == 4 and counts[("active", "en")] == 3


def test_erasure_removes_the_address_from_stored_smtp_replies(store, tmp_path):
    from newsletter.store import deliveries as ledger
    from newsletter.store.tables import recipients

    anna = add(store, "Anna.Rossi@example.org")
    delivery = ledger.create(store, "2024-03", "it", "Work in Progress – Marzo 2024")
    ledger.enqueue(store, delivery.id, ["it"])
    with store.transaction() as connection:
        connection.execute(recipients.update().values(
            state="failed", reply="550 5.1.1 <anna.rossi@EXAMPLE.org>: Recipient address rejected"))
    assert subs.erase(store, anna.email_key) is subs.Outcome.DONE
    with store.transaction() as connection:
        replies = connection.execute(select(recipients.c.reply, recipients.c.subscriber_id)).all()
    stand_in = f"<erased:{store.address_hash(anna.email_key)[:12]}>"
    assert replies == [(f"550 5.1.1 <{stand_in}>: Recipient address rejected", None)]
    assert ledger.counts(store, delivery.id)["failed"] == 1  # the count stays
    if store.dialect == "sqlite":  # gone from the disk: the file and its write-ahead log
        database = store.engine.url.database
        for path in (database, f"{database}-wal"):
            try:
                data = Path(path).read_bytes().lower()
            except FileNotFoundError:
                continue
            assert b"anna.rossi@example.org" not in data, path
