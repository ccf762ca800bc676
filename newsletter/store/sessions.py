"""The workspace's sessions, kept by the server.

The cookie carries a random token; the store keeps its SHA-256, whose
person, and when it was last used. A session ends when its person signs
out, after a while without a request, when the password changes or the
account is disabled (``users`` ends them all), whatever copies of the
cookie survive in a browser.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from newsletter.store import Store, now, utc
from newsletter.store.tables import editor_sessions, users
from newsletter.store.users import User

TOUCH_EVERY = timedelta(seconds=30)  # the last-seen time is written at most this often


def begin(store: Store, user: User) -> str:
    """A new session for ``user``; the token goes into the cookie."""
    token, at = secrets.token_urlsafe(32), now()
    with store.transaction() as connection:
        connection.execute(delete(editor_sessions).where(
            editor_sessions.c.user_id == user.id, editor_sessions.c.seen_at < at - timedelta(days=7)))
        connection.execute(insert(editor_sessions).values(
            id=_digest(token), user_id=user.id, created_at=at, seen_at=at))
    return token


def person(store: Store, token: str, idle: timedelta) -> User | None:
    """Whose session ``token`` is, if it is still open and was used within ``idle``."""
    at = now()
    with store.transaction() as connection:
        row = connection.execute(
            select(editor_sessions.c.seen_at, *users.c)
            .join(users, users.c.id == editor_sessions.c.user_id)
            .where(editor_sessions.c.id == _digest(token))).first()
        if row is None:
            return None
        if utc(row.seen_at) < at - idle or row.disabled or not row.password_hash:
            connection.execute(delete(editor_sessions).where(
                editor_sessions.c.id == _digest(token)))
            return None
        if utc(row.seen_at) < at - TOUCH_EVERY:
            connection.execute(update(editor_sessions).where(
                editor_sessions.c.id == _digest(token)).values(seen_at=at))
    return User(**{column.name: row._mapping[column.name] for column in users.c})


def end(store: Store, token: str) -> None:
    with store.transaction() as connection:
        connection.execute(delete(editor_sessions).where(editor_sessions.c.id == _digest(token)))


def end_all(store: Store, user_id: int) -> int:
    """End every session of a person (a new password, a disabled account)."""
    with store.transaction() as connection:
        return connection.execute(delete(editor_sessions).where(
            editor_sessions.c.user_id == user_id)).rowcount


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
