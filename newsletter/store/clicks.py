"""Aggregate click counts (``[metrics] clicks``): per edition, item and
link, a number and nothing else — no address, no time, no IP, no cookie;
nobody's reading can be followed from them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from newsletter.store import Store
from newsletter.store.tables import click_counts


@dataclass(frozen=True)
class Clicks:
    language: str
    item: str
    link: int
    count: int


def count(store: Store, month: str, language: str, item: str, link: int) -> None:
    """One more click on a link of an edition."""
    with store.transaction() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(click_counts).values(
            month=month, language=language, item=item, link=link, count=1)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["month", "language", "item", "link"],
            set_={"count": click_counts.c.count + 1}))


def counts(store: Store, month: str) -> list[Clicks]:
    """The month's counts, by language, item and link."""
    with store.transaction() as connection:
        rows = connection.execute(
            select(click_counts.c.language, click_counts.c.item, click_counts.c.link,
                   click_counts.c.count).where(click_counts.c.month == month)
            .order_by(click_counts.c.language, click_counts.c.item, click_counts.c.link))
        return [Clicks(*row) for row in rows]
