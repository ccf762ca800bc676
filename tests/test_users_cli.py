"""``newsletter users …`` through CliRunner and as a subprocess, on SQLite
and PostgreSQL: the links it prints work, the states it lists are the
store's, and every refusal is one line and exit 1."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.store import audit, now
from newsletter.store import users as people

from .conftest import BOTH

pytestmark = BOTH

GOOD = "una frase lunga e facile"
BASE = "https://wip.example.org"


@pytest.fixture
def env(database_url):
    return {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "s" * 32,
            "NEWSLETTER_BASE_URL": BASE + "/"}


@pytest.fixture
def run(project, env):
    def invoke(*args, input=None):
        return CliRunner(env=env).invoke(cli, ["--project", str(project), "users", *args],
                                         input=input, catch_exceptions=False)
    return invoke


def token_of(output: str) -> str:
    """The token of the one link the output shows."""
    links = [line for line in output.splitlines() if line.startswith(f"{BASE}/editor/welcome/")]
    assert len(links) == 1, output
    return links[0].rsplit("/", 1)[1]


def test_add_prints_a_link_whose_token_sets_the_password(run, store):
    result = run("add", "Anna.Rossi@Comune.Torino.it", "--name", "Anna Rossi", "--role", "editor")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == ("Added Anna Rossi <Anna.Rossi@comune.torino.it> as editor. Send them this "
                        "link to choose their password:")
    assert lines[2] == "The link is valid for 24 hours and is shown only now."
    people.set_password(store, token_of(result.output), GOOD)
    assert people.verify(store, "anna.rossi@comune.torino.it", GOOD) is not None


def test_password_stdin_makes_an_account_ready_to_log_in(run, store):
    result = run("add", "bob@example.org", "--name", "Bob", "--role", "approver",
                 "--password-stdin", input=GOOD + "\n")
    assert result.output == ("Added Bob <bob@example.org> as approver: the account is ready, "
                             "they can log in now.\n")
    assert people.verify(store, "bob@example.org", GOOD).role == "approver"


def test_list_shows_each_state(run, store):
    run("add", "invited@example.org", "--name", "Invited", "--role", "editor")
    for email in ("active@example.org", "gone@example.org", "locked@example.org"):
        run("add", email, "--name", "Someone", "--role", "editor", "--password-stdin", input=GOOD)
    run("disable", "gone@example.org")
    for _ in range(people.MAX_FAILED_LOGINS):
        people.verify(store, "locked@example.org", "not the password")
    result = run("list")
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["email", "name", "role", "state", "created"]
    today = now().date().isoformat()
    assert rows[1:] == [["active@example.org", "Someone", "editor", "active", today],
                        ["gone@example.org", "Someone", "editor", "disabled", today],
                        ["invited@example.org", "Invited", "editor", "invited", today],
                        ["locked@example.org", "Someone", "editor", "locked", today]]
    assert result.stderr == "4 accounts\n"
    listed = json.loads(run("list", "--json").stdout)
    assert [(p["email"], p["state"]) for p in listed] == [
        ("active@example.org", "active"), ("gone@example.org", "disabled"),
        ("invited@example.org", "invited"), ("locked@example.org", "locked")]
    locked_until = listed[3]["locked_until"]
    assert locked_until > (now() + timedelta(minutes=1)).isoformat()


def test_an_empty_list_says_how_to_add_someone(run):
    assert run("list").output == ("No one has an account yet: add one with "
                                  "`newsletter users add`.\n")
    assert json.loads(run("list", "--json").output) == []


def test_disable_stops_logging_in(run, store):
    run("add", "c@example.org", "--name", "C", "--role", "editor", "--password-stdin", input=GOOD)
    assert run("disable", "C@example.org").output == \
        "c@example.org is disabled: they can no longer log in.\n"
    assert people.verify(store, "c@example.org", GOOD) is None


def test_role_changes(run, store):
    run("add", "d@example.org", "--name", "D", "--role", "editor")
    assert run("role", "d@example.org", "admin").output == "d@example.org is now admin.\n"
    assert [p.role for p in people.listing(store)] == ["admin"]


def test_reset_gives_a_new_link_and_the_old_one_stops_working(run, store):
    first = token_of(run("add", "e@example.org", "--name", "E", "--role", "editor").output)
    result = run("reset", "E@example.org")
    assert result.output.startswith("A new link for e@example.org to choose a password:\n")
    with pytest.raises(people.UserError, match="this link is not valid"):
        people.set_password(store, first, GOOD)
    people.set_password(store, token_of(result.output), GOOD)
    assert people.verify(store, "e@example.org", GOOD) is not None


@pytest.mark.parametrize(("args", "message"), [
    (("add", "f@example.org", "--name", "F again", "--role", "editor"),
     "error: f@example.org already has an account"),
    (("add", "anna@", "--name", "Anna", "--role", "editor"),
     "error: 'anna@' is not an e-mail address: "),
    (("add", "g@example.org", "--name", "G", "--role", "superuser"),
     "error: 'superuser' is not a role: use editor, approver or admin"),
    (("add", "g@example.org", "--name", "G", "--role", "editor", "--password-stdin"),
     "error: the password is too short: use at least 12 characters"),
    (("role", "f@example.org", "boss"), "error: 'boss' is not a role"),
    (("disable", "nobody@example.org"), "error: nobody@example.org has no account"),
    (("reset", "nobody@example.org"), "error: nobody@example.org has no account"),
])
def test_refusals_are_one_line_and_exit_1(run, store, args, message):
    run("add", "f@example.org", "--name", "F", "--role", "editor")
    result = run(*args, input="short\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert [p.email for p in people.listing(store)] == ["f@example.org"]  # nothing half-made


def test_a_disabled_account_gets_no_new_link(run):
    run("add", "h@example.org", "--name", "H", "--role", "editor")
    run("disable", "h@example.org")
    result = run("reset", "h@example.org")
    assert result.exit_code == 1
    assert result.output == "error: h@example.org is disabled: a new link would not let them " \
                            "log in\n"


def test_every_change_is_in_the_audit_log(run, store):
    run("add", "j@example.org", "--name", "J", "--role", "editor")
    run("reset", "j@example.org")
    run("role", "j@example.org", "approver")
    run("add", "k@example.org", "--name", "K", "--role", "admin", "--password-stdin", input=GOOD)
    run("disable", "j@example.org")
    run("role", "nobody@example.org", "admin")  # refused: not logged
    logged = [(e.actor, e.action, e.detail) for e in reversed(audit.listing(store))]
    assert logged == [("cli", "person added", "j@example.org as editor"),
                      ("cli", "password link renewed", "j@example.org"),
                      ("cli", "role changed", "j@example.org to approver"),
                      ("cli", "person added", "k@example.org as admin"),
                      ("cli", "password set", "k@example.org"),
                      ("cli", "person disabled", "j@example.org")]


def test_as_a_subprocess(project, env, store):
    newsletter = Path(sys.executable).with_name("newsletter")
    result = subprocess.run(
        [str(newsletter), "users", "add", "ines@example.org", "--name", "Ines",
         "--role", "admin", "--password-stdin"],
        cwd=project, input=GOOD + "\n", capture_output=True, text=True,
        env={**os.environ, **env}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("Added Ines <ines@example.org> as admin: the account is ready, "
                             "they can log in now.\n")
    assert people.verify(store, "ines@example.org", GOOD).role == "admin"
