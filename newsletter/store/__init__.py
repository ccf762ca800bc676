"""The store: subscribers and (later) deliveries, on SQLite by default or
PostgreSQL. It owns its schema (Alembic migrations, applied on open) and
offers one transaction helper; queries are parameterized SQLAlchemy Core."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from newsletter.core.errors import NewsletterError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Serializes concurrent migrations on PostgreSQL (any constant will do).
MIGRATION_LOCK = 7_240_001


# PostgreSQL ends a session that sits in an open transaction longer than
# this: a process frozen mid-transaction (a suspended VM, SIGSTOP) would
# otherwise hold its row locks for ever, and the sender that takes its
# lease over would wait on them. Senders pass their lease.
IDLE_TRANSACTION_SECONDS = 60.0


class StoreUnavailable(NewsletterError):
    """The database cannot be reached or opened."""


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def from_row(cls, row):
    """A dataclass from a table row (columns by field name); SQLite's naive
    datetimes (fields ending in _at) are made UTC."""
    values = row._mapping
    return cls(**{name: utc(values[name]) if name.endswith("_at") else values[name]
                  for name in cls.__dataclass_fields__})


class Store:
    """A configured database: open it once, pass it where it is needed."""

    def __init__(self, url: str, secret: bytes, *, migrate: bool = True,
                 idle_transaction_seconds: float = IDLE_TRANSACTION_SECONDS):
        self.url, self.secret = url, secret
        self.engine = _engine(url, idle_transaction_seconds)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on any error."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as exc:
            raise StoreUnavailable(f"database error ({_safe(self.url)}): {exc.orig}") from exc

    def migrate(self) -> None:
        """Bring the schema to the latest revision (idempotent)."""
        alembic = AlembicConfig()
        alembic.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": MIGRATION_LOCK})
                alembic.attributes["connection"] = connection
                command.upgrade(alembic, "head")
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot open the database {_safe(self.url)}: {exc.orig}") from exc

    def flush_to_disk(self) -> None:
        """SQLite: move the write-ahead log into the database and empty it, so
        that erased data does not linger in the -wal file. PostgreSQL keeps
        its WAL to itself (and recycles it); nothing to do there."""
        if self.dialect == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def address_hash(self, email_key: str) -> str:
        """The keyed hash that stands for an address once it is erased."""
        return hmac.new(self.secret, email_key.encode("utf-8"), hashlib.sha256).hexdigest()

    def close(self) -> None:
        self.engine.dispose()


def _engine(url: str, idle_transaction_seconds: float = IDLE_TRANSACTION_SECONDS) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"NEWSLETTER_DATABASE_URL {url!r} is not a database URL "
                               "(e.g. postgresql+psycopg://user@host/db)") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, pool_pre_ping=True)
    milliseconds = max(1000, int(idle_transaction_seconds * 1000))

    def session_limits(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET idle_in_transaction_session_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()

    event.listen(engine, "connect", session_limits)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers (the web app) work while a sender writes; foreign keys
    # are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted content is overwritten with zeros where that costs no extra I/O:
    # an erased address does not linger in the file's free space.
    cursor.execute("PRAGMA secure_delete=FAST")
    cursor.close()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"
