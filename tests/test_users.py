"""The people of the editorial workspace (groundwork of the workspace issue):
Argon2id passwords set through a one-time token, roles, disabling, and a
lock after repeated failed logins that answers like an unknown address."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from newsletter.store import now
from newsletter.store import users as people
from newsletter.store.tables import users

from .conftest import BOTH, SQLITE

GOOD = "una frase lunga e facile"


@BOTH
def test_a_new_person_sets_a_password_once_through_the_token(store):
    user, token = people.add(store, "Anna.Rossi@Comune.Torino.it", " Anna  Rossi ", "editor")
    assert (user.name, user.role, user.state) == ("Anna Rossi", "editor", "invited")
    assert people.verify(store, "anna.rossi@comune.torino.it", GOOD) is None
    people.set_password(store, token, GOOD)
    with store.transaction() as connection:
        stored = connection.execute(select(users.c.password_hash, users.c.setup_token_hash)).one()
    assert stored.password_hash.startswith("$argon2id$") and stored.setup_token_hash is None
    assert people.verify(store, "ANNA.ROSSI@comune.torino.it", GOOD).email == user.email
    with pytest.raises(people.UserError, match="this link is not valid"):
        people.set_password(store, token, GOOD)  # spent


@BOTH
def test_a_token_older_than_a_day_is_refused(store):
    _, token = people.add(store, "b@example.org", "B", "approver")
    with store.transaction() as connection:
        connection.execute(update(users).values(setup_expires_at=now() - timedelta(minutes=1)))
    with pytest.raises(people.UserError, match="ask an administrator for a new one"):
        people.set_password(store, token, GOOD)


@SQLITE
def test_short_passwords_and_duplicate_accounts_are_refused(store):
    _, token = people.add(store, "c@example.org", "C", "admin")
    with pytest.raises(people.UserError, match="at least 12 characters"):
        people.set_password(store, token, "short")
    with pytest.raises(people.UserError, match="already has an account"):
        people.add(store, "C@example.org", "C again", "editor")
    with pytest.raises(ValueError):
        people.add(store, "d@example.org", "D", "superuser")


@SQLITE
def test_failed_logins_lock_the_account_and_the_answer_stays_the_same(store):
    people.set_password_directly(store, people.add(store, "e@example.org", "E", "editor")[0].email,
                                 GOOD)
    for _ in range(people.MAX_FAILED_LOGINS):
        assert people.verify(store, "e@example.org", "wrong password!") is None
    assert people.verify(store, "e@example.org", GOOD) is None  # locked: the right one fails too
    assert people.verify(store, "nobody@example.org", GOOD) is None  # same answer
    with store.transaction() as connection:
        connection.execute(update(users).values(locked_until=now() - timedelta(seconds=1)))
    assert people.verify(store, "e@example.org", GOOD) is not None


@SQLITE
def test_disabled_people_cannot_log_in_and_roles_change(store):
    people.set_password_directly(store, people.add(store, "f@example.org", "F", "editor")[0].email,
                                 GOOD)
    assert people.set_role(store, "f@example.org", "approver").role == "approver"
    assert people.disable(store, "f@example.org").state == "disabled"
    assert people.verify(store, "f@example.org", GOOD) is None
    assert [u.email for u in people.listing(store)] == ["f@example.org"]
