"""The people of the editorial workspace: their role, their password
(Argon2id), the one-time link that sets it, and the lock after repeated
failed logins.

A new person gets a one-time token (valid 24 hours) to choose a password;
only the token's SHA-256 is stored. ``verify`` answers the same way for an
unknown address, a wrong password, a disabled or a locked account, and
spends the same Argon2 work on each, so the answer says nothing about who
has an account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _
from newsletter.store import Store, from_row, now, utc
from newsletter.store.addresses import InvalidAddress, normalize
from newsletter.store.tables import editor_sessions, users

SETUP_VALID_FOR = timedelta(hours=24)
MAX_FAILED_LOGINS = 5
LOCKED_FOR = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12

_HASHER = PasswordHasher()  # Argon2id with the library's current parameters (RFC 9106)
_DUMMY_HASH = _HASHER.hash("an account that does not exist")


class Role(StrEnum):
    EDITOR = "editor"  # write, translate, preview, test send, submit for review
    APPROVER = "approver"  # also approve, schedule, cancel
    ADMIN = "admin"  # also people and subscribers


class UserError(NewsletterError):
    """A person cannot be added or changed as asked, explained."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    email_key: str
    name: str
    role: str
    password_hash: str | None
    disabled: int
    failed_logins: int
    locked_until: datetime | None
    setup_token_hash: str | None
    setup_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime

    from_row = classmethod(from_row)

    @property
    def state(self) -> str:
        if self.disabled:
            return "disabled"
        return "active" if self.password_hash else "invited"


def add(store: Store, email: str, name: str, role: str) -> tuple[User, str]:
    """A new person and the one-time token that lets them set a password."""
    address, key = _address(email)
    token, at = secrets.token_urlsafe(32), now()
    try:
        with store.transaction() as connection:
            row = connection.execute(insert(users).values(
                email=address, email_key=key, name=_name(name), role=Role(role), created_at=at,
                updated_at=at, setup_token_hash=_digest(token),
                setup_expires_at=at + SETUP_VALID_FOR).returning(*users.c)).one()
    except IntegrityError:
        raise UserError(_("{email} already has an account").format(email=address)) from None
    return User.from_row(row), token


def reset(store: Store, email: str) -> str:
    """A new one-time token for an existing person (a forgotten password)."""
    user = _existing(store, email)
    token, at = secrets.token_urlsafe(32), now()
    with store.transaction() as connection:
        connection.execute(update(users).where(users.c.id == user.id).values(
            setup_token_hash=_digest(token), setup_expires_at=at + SETUP_VALID_FOR,
            updated_at=at))
    return token


def set_password(store: Store, token: str, password: str) -> User:
    """Set the password of the person the one-time token names; the token is then spent."""
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    at = now()
    with store.transaction() as connection:
        row = connection.execute(select(users).where(
            users.c.setup_token_hash == _digest(token))).first()
        if row is None or row.setup_expires_at is None or utc(row.setup_expires_at) < at:
            raise UserError(_("this link is not valid (any more): ask an administrator for a "
                              "new one"))
        connection.execute(update(users).where(users.c.id == row.id).values(
            password_hash=_HASHER.hash(password), setup_token_hash=None, setup_expires_at=None,
            failed_logins=0, locked_until=None, updated_at=at))
        # A new password ends every session opened with the old one.
        connection.execute(delete(editor_sessions).where(editor_sessions.c.user_id == row.id))
    return get(store, row.email_key)


def set_password_directly(store: Store, email: str, password: str) -> User:
    """For scripts (``users add --password-stdin``): no link involved."""
    user = _existing(store, email)
    return set_password(store, reset(store, user.email), password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("the password is too short: use at least {count} characters (a sentence "
                 "is easy to remember)").format(count=MIN_PASSWORD_LENGTH)
    if password.strip() != password:
        return _("the password starts or ends with a space")
    return None


def verify(store: Store, email: str, password: str) -> User | None:
    """The person if the password is theirs and the account may log in, else
    None; repeated failures lock the account for a while."""
    try:
        _, key = normalize(email)
    except InvalidAddress:
        key = ""
    user = get(store, key) if key else None
    at = now()
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        matches = _HASHER.verify(stored, password) and user is not None and \
            stored is not _DUMMY_HASH
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        matches = False
    if user is None:
        return None
    locked = user.locked_until is not None and utc(user.locked_until) > at
    if matches and not locked and not user.disabled:
        with store.transaction() as connection:
            values: dict = {"failed_logins": 0, "locked_until": None}
            if _HASHER.check_needs_rehash(stored):
                values["password_hash"] = _HASHER.hash(password)
            connection.execute(update(users).where(users.c.id == user.id).values(**values))
        return user
    if not locked:
        failures = user.failed_logins + 1
        with store.transaction() as connection:
            connection.execute(update(users).where(users.c.id == user.id).values(
                failed_logins=0 if failures >= MAX_FAILED_LOGINS else failures,
                locked_until=at + LOCKED_FOR if failures >= MAX_FAILED_LOGINS else None))
    return None


def get(store: Store, email_key: str) -> User | None:
    with store.transaction() as connection:
        row = connection.execute(select(users).where(users.c.email_key == email_key)).first()
    return User.from_row(row) if row else None


def listing(store: Store) -> list[User]:
    with store.transaction() as connection:
        return [User.from_row(row) for row in connection.execute(
            select(users).order_by(users.c.email_key))]


def has_accounts(store: Store) -> bool:
    """Whether anybody (not disabled) has an account: the workspace is in use."""
    with store.transaction() as connection:
        return connection.execute(select(users.c.id).where(users.c.disabled == 0)
                                  .limit(1)).first() is not None


def disable(store: Store, email: str) -> User:
    user = _existing(store, email)
    with store.transaction() as connection:
        connection.execute(update(users).where(users.c.id == user.id).values(
            disabled=1, setup_token_hash=None, setup_expires_at=None, updated_at=now()))
        connection.execute(delete(editor_sessions).where(editor_sessions.c.user_id == user.id))
    return get(store, user.email_key)


def set_role(store: Store, email: str, role: str) -> User:
    user = _existing(store, email)
    with store.transaction() as connection:
        connection.execute(update(users).where(users.c.id == user.id).values(
            role=Role(role), updated_at=now()))
    return get(store, user.email_key)


def _existing(store: Store, email: str) -> User:
    address, key = _address(email)
    user = get(store, key)
    if user is None:
        raise UserError(_("{email} has no account").format(email=address))
    return user


def _address(email: str) -> tuple[str, str]:
    try:
        return normalize(email)
    except InvalidAddress as exc:
        raise UserError(_("{email!r} is not an e-mail address: {reason}").format(
            email=email, reason=exc)) from None


def _name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise UserError(_("the person's name is missing"))
    return clean[:200]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
