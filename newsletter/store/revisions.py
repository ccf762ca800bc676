"""Every saved version of an issue's source files, whole. The workspace
shows who changed what (a diff between two revisions), the review knows
who wrote since the last approval, and an approved text can be found again
by its digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import insert, select

from newsletter.store import Store, from_row, now, utc
from newsletter.store.tables import revisions


@dataclass(frozen=True)
class Revision:
    id: int
    month: str
    file: str
    author: str
    at: datetime
    digest: str
    text: str

    @classmethod
    def from_row(cls, row) -> Revision:
        made = from_row(cls, row)
        return replace(made, at=utc(made.at))  # "at" is not named like the other times (_at)


def text_digest(text: str) -> str:
    """SHA-256 of the text in UTF-8, as stored with each revision."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(store: Store, month: str, file: str, author: str, text: str) -> Revision:
    """Keep ``text`` as the newest version of the file; a save that changes
    nothing adds nothing (the latest revision is returned)."""
    with store.transaction() as connection:
        latest = connection.execute(_newest(month, file).limit(1)).first()
        if latest is not None and latest.text == text:
            return Revision.from_row(latest)
        row = connection.execute(insert(revisions).values(
            month=month, file=file, author=author, at=now(), digest=text_digest(text), text=text)
            .returning(*revisions.c)).one()
    return Revision.from_row(row)


def listing(store: Store, month: str, file: str | None = None) -> list[Revision]:
    """The month's revisions (of one file, or of all), newest first."""
    query = select(revisions).where(revisions.c.month == month)
    if file is not None:
        query = query.where(revisions.c.file == file)
    with store.transaction() as connection:
        return [Revision.from_row(row)
                for row in connection.execute(query.order_by(revisions.c.id.desc()))]


def get(store: Store, revision_id: int) -> Revision | None:
    with store.transaction() as connection:
        row = connection.execute(select(revisions).where(revisions.c.id == revision_id)).first()
    return Revision.from_row(row) if row else None


def by_digest(store: Store, month: str, file: str, digest: str) -> Revision | None:
    """The latest revision of the file whose text has this digest."""
    with store.transaction() as connection:
        row = connection.execute(_newest(month, file).where(
            revisions.c.digest == digest).limit(1)).first()
    return Revision.from_row(row) if row else None


def authors_since(store: Store, month: str, since: datetime | None) -> set[str]:
    """Who saved a revision of the month after ``since`` (None: ever)."""
    query = select(revisions.c.author).where(revisions.c.month == month).distinct()
    if since is not None:
        query = query.where(revisions.c.at > since.astimezone(UTC))
    with store.transaction() as connection:
        return set(connection.execute(query).scalars())


def _newest(month: str, file: str):
    return select(revisions).where(revisions.c.month == month, revisions.c.file == file) \
        .order_by(revisions.c.id.desc())
