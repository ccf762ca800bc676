"""Real bounces: the sample issue sent through a private Postfix on loopback
to local addresses that do not exist; Postfix's own DSNs come back to each
message's VERP return path, which its transport map pipes to `newsletter
bounces process` as the README's "Postfix in production" says, and the
subscribers are bounced and no longer mailed."""

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.store import deliveries as ledger
from newsletter.store import feedback
from newsletter.store import subscribers as subs

from . import postfix_instance
from .conftest import MINIMAL, SAMPLE, SECRET, make_project, write_issue

pytestmark = [pytest.mark.slow,
              # the pipe runs as another user: a database it can write without file permissions
              pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]

# RFC 2606's .example: never in DNS, and accepted as a subscriber's address (.test is not)
LOCAL_DOMAIN = "wip.example"
BOUNCES = "bounces@bounces.example"
PEOPLE = [f"nobody-{n}@{LOCAL_DOMAIN}" for n in (1, 2, 3)]  # no such local users
WAIT = 60  # seconds


@pytest.fixture
def folder():
    """A folder the pipe's user can read (pytest's own are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="wip-bounces-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def project(folder):
    project = folder / "project"
    project.mkdir()
    make_project(project)
    toml = project / "newsletter.toml"
    text = toml.read_text(encoding="utf-8")
    shipped = ('# address = "bounces@comune.torino.it"', "threshold = 5")
    assert all(line in text for line in shipped)
    # one hard bounce is enough to be bounced: Postfix's DSNs come in one day
    toml.write_text(text.replace(shipped[0], f'address = "{BOUNCES}"')
                    .replace(shipped[1], "threshold = 1"), encoding="utf-8")
    return project


@pytest.fixture
def postfix(folder, project, database_url):
    reason = postfix_instance.unavailable()
    if reason:
        pytest.skip(reason)
    try:
        newsletter = postfix_instance.newsletter_command()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    environment = {"NEWSLETTER_DATABASE_URL": database_url,
                   "NEWSLETTER_SECRET_KEY": SECRET.decode()}
    with postfix_instance.running(
            folder / "postfix", local_domain=LOCAL_DOMAIN, bounce_address=BOUNCES,
            pipe_command=[*newsletter, "--project", str(project), "bounces", "process", "--quiet"],
            environment=environment) as instance:
        yield instance


@pytest.fixture
def run(project, database_url, postfix):
    env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": SECRET.decode(),
           "NEWSLETTER_SMTP_URL": postfix.smtp_url}

    def invoke(*args):
        result = CliRunner(env=env).invoke(cli, ["--project", str(project), *args],
                                           catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output
    return invoke


PIPED = f"status=sent (delivered via {postfix_instance.SERVICE} service"


def wait_until_piped(store, postfix, ids) -> None:
    """Until Postfix says the pipe took each DSN and the store has them all."""
    deadline = time.monotonic() + WAIT
    while postfix.log().count(PIPED) < len(ids) or \
            not all(feedback.score(store, i)[2] == "bounced" for i in ids):
        assert time.monotonic() < deadline, f"no DSN processed in {WAIT} s:\n{postfix.log()}"
        postfix.flush()  # a pipe that exited 75 (database unreachable) is retried
        time.sleep(0.5)


def test_postfix_dsns_reach_bounces_process_through_the_pipe(project, run, store, postfix):
    for address in PEOPLE:
        run("subscribers", "add", address)
    ids = {s.email: s.id for s in subs.listing(store)}
    run("build", SAMPLE, "--lang", "it")
    assert run("send", SAMPLE, "--lang", "it", "--fallback").startswith(
        f"{SAMPLE} it: done; 3 sent, 0 failed")
    (delivery,) = ledger.listing(store, SAMPLE)
    wait_until_piped(store, postfix, ids.values())
    log = postfix.log()
    for address, subscriber_id in ids.items():
        user = address.split("@")[0]
        assert f"to=<{address}>, relay=local, " in log  # Postfix's own words
        assert f'dsn=5.1.1, status=bounced (unknown user: "{user}")' in log
        score, _, status = feedback.score(store, subscriber_id)
        assert (score, status) == (1, "bounced")
        # the DSN's status and diagnostic, in the subscriber's history
        assert [(event, detail) for _, event, detail in subs.events(store, subscriber_id)][1:] == [
            ("bounce-hard", f'5.1.1: unknown user: "{user}"; delivery {delivery.id}; '
                            "score 1 of 1"),
            ("bounced", "bounce score 1 reached the threshold 1; last: 5.1.1")]
    assert log.count(PIPED) == len(PEOPLE)

    # bounced, they are no longer mailed: the next issue goes to nobody
    write_issue(project, {"it.yaml": MINIMAL})
    run("build", "2024-03")
    assert run("send", "2024-03").startswith("2024-03 it: done; 0 sent, 0 failed")
    assert postfix.log().count("client=localhost[127.0.0.1]") == len(PEOPLE)
