"""The delivery promise, checked from outside: what each address received
(counted by the SMTP server) against what the ledger says."""

from sqlalchemy import select

from newsletter.store.tables import recipients, subscribers


def copies_agree_with_the_ledger(server, store, addresses) -> dict[str, int]:
    """Everybody received the issue, nobody more than twice, and every second
    copy is recorded in the ledger; returns the copies per address."""
    received = server.recorder.count_by_recipient()
    with store.transaction() as connection:
        rows = {row.email: row for row in connection.execute(select(
            subscribers.c.email, recipients.c.state, recipients.c.resent_at).join(
            subscribers, subscribers.c.id == recipients.c.subscriber_id))}
    assert set(rows) == set(addresses)  # everyone has a ledger row
    assert [a for a in addresses if received[a] == 0] == [], "somebody got nothing"
    assert max(received.values()) <= 2, "somebody received three copies"
    unrecorded = [a for a in addresses if received[a] == 2 and rows[a].resent_at is None]
    assert unrecorded == [], "a second copy the ledger does not know about"
    return received
