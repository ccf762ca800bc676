"""The workspace's audit log: who did what, when, to which issue. Rows are
only ever added; the log is read newest first, filtered by person, action,
issue or time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import insert, select

from newsletter.store import Store, from_row, now, utc
from newsletter.store.tables import audit_log


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    actor: str
    action: str
    month: str | None
    detail: str

    @classmethod
    def from_row(cls, row) -> Entry:
        made = from_row(cls, row)
        return replace(made, at=utc(made.at))  # "at" is not named like the other times (_at)


def record(store: Store, actor: str, action: str, month: str | None = None,
           detail: str = "") -> Entry:
    """Add one line to the log."""
    with store.transaction() as connection:
        row = connection.execute(insert(audit_log).values(
            at=now(), actor=actor, action=action, month=month, detail=detail or "")
            .returning(*audit_log.c)).one()
    return Entry.from_row(row)


def listing(store: Store, *, actor: str | None = None, action: str | None = None,
            month: str | None = None, since: datetime | None = None,
            until: datetime | None = None, limit: int = 500) -> list[Entry]:
    """The entries that match every filter given, newest first."""
    query = select(audit_log)
    for column, value in ((audit_log.c.actor, actor), (audit_log.c.action, action),
                          (audit_log.c.month, month)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit_log.c.at >= since.astimezone(UTC))
    if until is not None:
        query = query.where(audit_log.c.at < until.astimezone(UTC))
    query = query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    with store.transaction() as connection:
        return [Entry.from_row(row) for row in connection.execute(query)]


def actions(store: Store) -> list[str]:
    """The actions the log holds, for a filter's choices."""
    with store.transaction() as connection:
        return list(connection.execute(select(audit_log.c.action).distinct()
                                       .order_by(audit_log.c.action)).scalars())
