"""Delivery feedback in the store, on SQLite and PostgreSQL: bounces scored
as Mailman 3 scores them, complaints that unsubscribe at once, and the
messages kept for a person to review."""

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from newsletter.store import deliveries, feedback
from newsletter.store import subscribers as subs
from newsletter.store.addresses import normalize
from newsletter.store.tables import feedback as feedback_rows
from newsletter.store.tables import feedback_review, recipients

from .conftest import BOTH

pytestmark = BOTH
CLI = subs.Consent("cli", "2024-01")
MONDAY = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
USER_UNKNOWN = "smtp; 550 5.1.1 <{email}>: Recipient address rejected: User unknown"


def add(store, address, language="it"):
    email, key = normalize(address)
    return subs.add(store, email, key, None, language, CLI)


def delivery(store, month="2024-03", language="it"):
    created = deliveries.create(store, month, language, f"Work in Progress {month}")
    deliveries.enqueue(store, created.id, [language])
    return created


def bounce(store, subscriber, delivery_id=None, *, hard=True, at=MONDAY, message_id=None,
           status="5.1.1", threshold=5, score_days=7):
    return feedback.record_bounce(
        store, subscriber_id=subscriber.id, delivery_id=delivery_id, hard=hard, status=status,
        diagnostic=USER_UNKNOWN.format(email=subscriber.email), threshold=threshold,
        score_days=score_days, message_id=message_id or f"<{at.isoformat()}-{hard}@mx.example>",
        at=at)


def queued_for_a_new_delivery(store):
    april = deliveries.create(store, "2024-04", "it", "April")
    deliveries.enqueue(store, april.id, ["it"])
    with store.transaction() as connection:
        return connection.execute(select(recipients.c.subscriber_id).where(
            recipients.c.delivery_id == april.id)).scalars().all()


def rows(store, table=feedback_rows):
    with store.transaction() as connection:
        return connection.execute(select(table).order_by(table.c.id)).all()


def history(store, subscriber):
    return [(event, detail) for _at, event, detail in subs.events(store, subscriber.id)
            if event != "subscribed"]


def test_hard_bounces_count_once_a_day_and_bounce_at_the_threshold(store):
    anna, bruno = add(store, "anna@example.org"), add(store, "bruno@example.org")
    march = delivery(store)
    first = bounce(store, anna, march.id)
    assert (first.counted, first.score, first.now_bounced) == (True, 1, False)
    again = bounce(store, anna, march.id, at=MONDAY + timedelta(hours=5))  # the same day (UTC)
    assert (again.counted, again.score, again.duplicate) == (False, 1, False)
    for day in range(1, 4):
        assert bounce(store, anna, march.id, at=MONDAY + timedelta(days=day)).score == day + 1
    assert feedback.score(store, anna.id) == (4, date(2024, 3, 7), "active")
    fifth = bounce(store, anna, march.id, at=MONDAY + timedelta(days=4))
    assert (fifth.counted, fifth.score, fifth.now_bounced) == (True, 5, True)
    assert feedback.score(store, anna.id) == (5, date(2024, 3, 8), "bounced")

    events = history(store, anna)
    assert [event for event, _detail in events] == ["bounce-hard"] * 6 + ["bounced"]
    assert events[0][1].startswith("5.1.1: smtp; 550 5.1.1 <anna@example.org>: Recipient")
    assert events[0][1].endswith(f"; delivery {march.id}; score 1 of 5")
    assert events[1][1].endswith("not counted: a bounce was already counted on 2024-03-04")
    assert events[-1] == ("bounced", "bounce score 5 reached the threshold 5; last: 5.1.1")
    assert [(r.kind, r.counted) for r in rows(store)] == [("hard", 1), ("hard", 0)] + [("hard", 1)] * 4
    # The stored row keeps the diagnostic, not the address (it outlives an erasure).
    assert rows(store)[0].diagnostic == USER_UNKNOWN.format(email="recipient")

    assert queued_for_a_new_delivery(store) == [bruno.id]
    later = bounce(store, anna, march.id, at=MONDAY + timedelta(days=5))
    assert (later.counted, later.now_bounced) == (False, False)  # bounced already: stays so
    assert history(store, anna)[-1][1].endswith("not counted: bounced")


def test_a_soft_bounce_changes_nothing_but_its_row(store):
    anna = add(store, "anna@example.org")
    march = delivery(store)
    for day in range(6):
        outcome = bounce(store, anna, march.id, hard=False, status="4.2.2",
                         at=MONDAY + timedelta(days=day))
        assert (outcome.counted, outcome.score, outcome.now_bounced) == (False, 0, False)
    assert feedback.score(store, anna.id) == (0, None, "active")
    assert [(r.kind, r.status, r.counted) for r in rows(store)] == [("soft", "4.2.2", 0)] * 6
    assert {event for event, _detail in history(store, anna)} == {"bounce-soft"}
    assert history(store, anna)[0][1].endswith("; temporary, not counted")


def test_a_stale_score_starts_again(store):
    anna = add(store, "anna@example.org")
    for day in range(3):
        bounce(store, anna, at=MONDAY + timedelta(days=day))
    assert feedback.score(store, anna.id)[0] == 3
    # Seven days after the last one counted still adds to it; eight restart it.
    assert bounce(store, anna, at=MONDAY + timedelta(days=2 + 7)).score == 4
    restarted = bounce(store, anna, at=MONDAY + timedelta(days=9 + 8))
    assert (restarted.counted, restarted.score) == (True, 1)
    assert feedback.score(store, anna.id) == (1, date(2024, 3, 21), "active")


def test_the_same_message_twice_is_counted_once(store):
    anna = add(store, "anna@example.org")
    march = delivery(store)
    first = bounce(store, anna, march.id, message_id="<dsn-1@mx.example>")
    tomorrow = MONDAY + timedelta(days=1)
    second = bounce(store, anna, march.id, message_id="<dsn-1@mx.example>", at=tomorrow)
    assert (first.duplicate, second.duplicate, second.counted, second.score) == (False, True, False, 1)
    assert len(rows(store)) == 1 and len(history(store, anna)) == 1
    complaint = feedback.record_complaint(store, subscriber_id=anna.id, delivery_id=march.id,
                                          feedback_type="abuse", message_id="<arf-1@example>")
    assert feedback.record_complaint(store, subscriber_id=anna.id, delivery_id=march.id,
                                     feedback_type="abuse", message_id="<arf-1@example>") \
        == feedback.Outcome(duplicate=True, score=1)
    assert complaint.now_complained and len(rows(store)) == 2


def test_two_processes_on_the_same_mailbox_count_a_day_once(store):
    """Two bounce processors reading the same mailbox at the same moment: the
    same DSN recorded once, and two DSNs of one day counted once."""
    anna = add(store, "anna@example.org")
    outcomes, start = [], threading.Barrier(4)

    def process(message_id):
        start.wait()
        outcomes.append(bounce(store, anna, message_id=message_id))

    threads = [threading.Thread(target=process, args=(f"<dsn-{n % 2}@mx.example>",))
               for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.duplicate for o in outcomes) == [False, False, True, True]
    assert sum(o.counted for o in outcomes) == 1
    assert feedback.score(store, anna.id)[0] == 1
    assert sorted(r.counted for r in rows(store)) == [0, 1]


def test_a_complaint_unsubscribes_at_once_and_stops_a_running_delivery(store):
    anna, bruno = add(store, "anna@example.org"), add(store, "bruno@example.org")
    march = delivery(store)  # both queued
    outcome = feedback.record_complaint(store, subscriber_id=anna.id, delivery_id=march.id,
                                        feedback_type="abuse", message_id="<arf@example>")
    assert outcome.now_complained and not outcome.counted
    assert feedback.score(store, anna.id)[2] == "complained"
    assert subs.get(store, key="anna@example.org").unsubscribed_at is not None
    assert history(store, anna) == [("complaint", f"feedback type abuse; delivery {march.id}")]
    assert [(r.kind, r.diagnostic, r.delivery_id) for r in rows(store)] == [
        ("complaint", "abuse", march.id)]

    worker = deliveries.new_worker_id()
    deliveries.register_worker(store, worker, march.id)
    assert [c.email for c in deliveries.claim(store, march.id, worker, 10)] == ["bruno@example.org"]
    assert deliveries.counts(store, march.id)["cancelled"] == 1  # Anna, at her turn
    assert queued_for_a_new_delivery(store) == [bruno.id]
    assert subs.unsubscribe(store, anna.uid, "link") == subs.Outcome.ALREADY
    assert feedback.score(store, bruno.id)[2] == "active"


def test_feedback_about_someone_unknown_is_kept_without_a_person(store):
    march = delivery(store)
    outcome = feedback.record_bounce(
        store, subscriber_id=None, delivery_id=march.id, hard=True, status="5.1.1",
        diagnostic="550 unknown", message_id="<x@mx>", threshold=5, score_days=7)
    assert (outcome.counted, outcome.feedback_id is not None) == (False, True)
    gone = feedback.record_bounce(
        store, subscriber_id=None, delivery_id=march.id + 99, hard=False, status="",
        diagnostic="", message_id=None, threshold=5, score_days=7)
    assert gone.feedback_id is not None
    assert [(r.subscriber_id, r.delivery_id) for r in rows(store)] == [(None, march.id), (None, None)]


def test_messages_kept_for_review_are_listed_and_purged_after_thirty_days(store):
    raw = b"From: mailer-daemon@example.org\r\nSubject: ???\r\n\r\nsomething odd\r\n"
    first = feedback.keep_for_review(store, "maildir:/var/mail/bounces/cur/1", "no DSN found",
                                     raw, "<odd-1@example.org>")
    assert feedback.keep_for_review(store, "maildir:/var/mail/bounces/cur/1", "no DSN found",
                                    raw, "<odd-1@example.org>") == first  # read twice, kept once
    second = feedback.keep_for_review(store, "stdin", "no recipient", b"odd", None)
    assert feedback.keep_for_review(store, "stdin", "no recipient", b"odd", None) == second
    listed = feedback.review_list(store)
    assert [(k.id, k.source, k.reason, k.size, k.message) for k in listed] == [
        (second, "stdin", "no recipient", 3, None),
        (first, "maildir:/var/mail/bounces/cur/1", "no DSN found", len(raw), None)]
    assert listed[0].received_at.tzinfo is not None
    item = feedback.review_item(store, first)
    assert (item.message, item.message_id) == (raw, "<odd-1@example.org>")
    assert feedback.review_item(store, 9999) is None

    with store.transaction() as connection:
        connection.execute(update(feedback_review).where(feedback_review.c.id == first).values(
            received_at=datetime.now(UTC) - timedelta(days=31)))
    assert feedback.purge_review(store) == 1
    assert [k.id for k in feedback.review_list(store)] == [second]
    assert feedback.purge_review(store, older_than_days=0) == 1


def test_a_pending_subscriber_bounces_too(store):
    email, key = normalize("p@example.org")
    pending = subs.add(store, email, key, None, "it", CLI, status="pending")
    assert bounce(store, pending, threshold=1).now_bounced
    assert feedback.score(store, pending.id)[2] == "bounced"


def test_erasure_removes_the_kept_bounces_that_name_the_address(store):
    fb = feedback
    subs.add(store, "Gone@Example.org", "gone@example.org", None, "it", subs.Consent("cli", "1"))
    fb.keep_for_review(store, "stdin", "not a bounce we know",
                       b"To: bounces@x\n\nCould not deliver to GONE@example.org\n", "<a@x>")
    fb.keep_for_review(store, "stdin", "not a bounce we know",
                       b"To: bounces@x\n\nsomething else\n", "<b@x>")
    subs.erase(store, "gone@example.org")
    assert [kept.message_id for kept in fb.review_list(store)] == ["<b@x>"]
