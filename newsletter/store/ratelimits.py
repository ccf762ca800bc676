"""Rate limits shared by every web worker through the database: recent
attempts per bucket, a keyed hash of what is counted (a client's IP
address, or an address mail goes to), never the thing itself."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import delete, func, insert, select

from newsletter.store import Store, now
from newsletter.store.tables import rate_limits

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
KEPT = DAY  # the longest window counted: older attempts are forgotten


def bucket(store: Store, client: str) -> str:
    """The key a client's attempts are counted under (HMAC of its address)."""
    return hmac.new(store.secret, client.encode(), hashlib.sha256).hexdigest()


def mail_bucket(store: Store, purpose: str, email_key: str) -> str:
    """The key the mails of one purpose ("confirm", …) to one address are
    counted under: an HMAC of the folded address, apart from the client
    buckets and from the erasure hash of the same address."""
    return bucket(store, f"mail:{purpose}:{email_key}")


def over_limit(store: Store, key: str, limit: int, window: timedelta = HOUR) -> bool:
    """Record an attempt; True (and nothing recorded) when the bucket already
    has ``limit`` attempts within ``window`` (at most ``KEPT``)."""
    at = now()
    with store.transaction() as connection:
        connection.execute(delete(rate_limits).where(rate_limits.c.at < at - KEPT))
        recent = connection.execute(select(func.count()).select_from(rate_limits).where(
            rate_limits.c.bucket == key, rate_limits.c.at >= at - window)).scalar()
        if recent >= limit:
            return True
        connection.execute(insert(rate_limits).values(bucket=key, at=at))
    return False


def recent(store: Store, key: str, window: timedelta = HOUR) -> int:
    """How many attempts the bucket has within ``window``, recording none."""
    with store.transaction() as connection:
        return connection.execute(select(func.count()).select_from(rate_limits).where(
            rate_limits.c.bucket == key, rate_limits.c.at >= now() - window)).scalar()


def note(store: Store, key: str) -> None:
    """Record an attempt (a failed login) without looking at the limit."""
    with store.transaction() as connection:
        connection.execute(insert(rate_limits).values(bucket=key, at=now()))
