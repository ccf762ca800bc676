"""Rate limits shared by every web worker through the database: recent
attempts per bucket (a keyed hash of the client, never its address)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import delete, func, insert, select

from newsletter.store import Store, now
from newsletter.store.tables import rate_limits


def bucket(store: Store, client: str) -> str:
    """The key a client's attempts are counted under (HMAC of its address)."""
    return hmac.new(store.secret, client.encode(), hashlib.sha256).hexdigest()


def over_limit(store: Store, key: str, per_hour: int) -> bool:
    """Record an attempt; True (and nothing recorded) when the bucket already
    has ``per_hour`` attempts in the last hour."""
    at = now()
    with store.transaction() as connection:
        connection.execute(delete(rate_limits).where(rate_limits.c.at < at - timedelta(hours=1)))
        recent = connection.execute(select(func.count()).select_from(rate_limits).where(
            rate_limits.c.bucket == key)).scalar()
        if recent >= per_hour:
            return True
        connection.execute(insert(rate_limits).values(bucket=key, at=at))
    return False
