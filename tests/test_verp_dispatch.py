"""VERP in a real delivery: with ``[bounces] address`` each recipient's message
leaves with a return path of its own (SMTP MAIL FROM) that reads back to the
delivery and the subscriber; without it, the sender address as before. And
the ``[bounces]`` and ``[metrics]`` sections, validated at load."""

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.core.errors import ConfigError
from newsletter.core.verp import Verp
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs

from .conftest import MINIMAL, SQLITE, write_issue
from .smtp_server import Recorder, SMTPServer

SECRET = "c" * 32
SENDER = "international.affairs@comune.torino.it"
BOUNCES = "bounces@comune.torino.it"
PEOPLE = ("anna@example.org", "bruno@example.org", "carla@example.org")


class EnvelopeRecorder(Recorder):
    """Keeps each accepted message's envelope: MAIL FROM and RCPT TO."""

    def __init__(self):
        super().__init__()
        self.envelopes: list[tuple[str, list[str]]] = []

    def _keep(self, envelope) -> None:
        super()._keep(envelope)
        with self.lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))


@pytest.fixture
def server():
    smtp = SMTPServer()
    smtp.recorder = smtp.controller.handler = EnvelopeRecorder()  # before the server starts
    with smtp:
        yield smtp


@pytest.fixture
def run(project, database_url, server):
    write_issue(project, {"it.yaml": MINIMAL})
    env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": SECRET,
           "NEWSLETTER_SMTP_URL": server.url}

    def invoke(*args):
        result = CliRunner(env=env).invoke(cli, ["--project", str(project), *args],
                                           catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result
    return invoke


def set_bounce_address(project) -> None:
    """Uncomment the shipped ``[bounces] address``."""
    path = project / "newsletter.toml"
    text = path.read_text(encoding="utf-8")
    assert f'# address = "{BOUNCES}"' in text
    path.write_text(text.replace(f'# address = "{BOUNCES}"', f'address = "{BOUNCES}"'),
                    encoding="utf-8")


def send_to_everyone(run):
    for address in PEOPLE:
        run("subscribers", "add", address)
    run("build", "2024-03")
    run("send", "2024-03")


def ids(database_url) -> tuple[int, dict[str, int]]:
    """The delivery's id, and each subscriber's."""
    store = Store(database_url, SECRET.encode())
    try:
        (delivery,) = ledger.listing(store, "2024-03")
        return delivery.id, {s.email: s.id for s in subs.listing(store)}
    finally:
        store.close()


@SQLITE
def test_each_recipient_has_a_return_path_of_its_own(project, run, server, database_url):
    set_bounce_address(project)
    send_to_everyone(run)
    envelopes = server.recorder.envelopes
    assert sorted(rcpt for _, (rcpt,) in envelopes) == list(PEOPLE)
    delivery_id, subscriber = ids(database_url)
    verp = Verp(SECRET.encode(), BOUNCES)
    for mail_from, (rcpt,) in envelopes:
        assert mail_from.startswith("bounces+") and mail_from.endswith("@comune.torino.it")
        assert verp.read(mail_from) == (delivery_id, subscriber[rcpt])
    assert len({mail_from for mail_from, _ in envelopes}) == len(PEOPLE)
    # the From header is still the office's
    assert {m["From"].addresses[0].addr_spec for m in server.recorder.messages()} == {SENDER}


@SQLITE
def test_without_a_bounce_address_the_return_path_is_the_sender(run, server):
    send_to_everyone(run)
    assert [mail_from for mail_from, _ in server.recorder.envelopes] == [SENDER] * len(PEOPLE)


@SQLITE
def test_a_test_copy_keeps_the_sender_address(project, run, server):
    set_bounce_address(project)
    run("build", "2024-03")
    run("send", "2024-03", "--test", "editor@example.org")
    assert server.recorder.envelopes == [(SENDER, ["editor@example.org"])]


# -- the [bounces] and [metrics] sections ----------------------------------------------

def test_defaults(project):
    config = load_config(project, {})
    assert config.bounces.address is None
    assert (config.bounces.threshold, config.bounces.score_days) == (5, 7)
    assert config.metrics.clicks is False


def test_the_shipped_keys_are_read(project):
    set_bounce_address(project)
    path = project / "newsletter.toml"
    path.write_text(path.read_text(encoding="utf-8")
                    .replace("threshold = 5", "threshold = 3")
                    .replace("clicks = false", "clicks = true"), encoding="utf-8")
    config = load_config(project, {})
    assert config.bounces.address == BOUNCES and config.bounces.threshold == 3
    assert config.metrics.clicks is True


SHIPPED_ADDRESS = f'# address = "{BOUNCES}"'


@pytest.mark.parametrize(("shipped", "wrong", "message"), [
    (SHIPPED_ADDRESS, f'adress = "{BOUNCES}"', "bounces.adress: unknown key (known keys in "
                                               "[bounces]: address, threshold, score_days)"),
    (SHIPPED_ADDRESS, 'address = "bounces+wip@comune.torino.it"',
     "bounces.address: 'bounces+wip@comune.torino.it' already has a '+' in its local part"),
    (SHIPPED_ADDRESS, 'address = "bounces at comune"',
     "bounces.address: 'bounces at comune' is not an e-mail address"),
    ("threshold = 5", "threshold = 0",
     "bounces.threshold: input should be greater than or equal to 1"),
    ("score_days = 7", 'score_days = "7"', "bounces.score_days: input should be a valid integer"),
])
def test_a_wrong_bounces_key_is_refused_at_load_with_its_line(project, shipped, wrong, message):
    path = project / "newsletter.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    (at,) = [n for n, line in enumerate(lines) if line.startswith(shipped)]
    lines[at] = wrong
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(project, {})
    assert str(refused.value).startswith(f"{path}:{at + 1}: {message}")


def test_a_wrong_metrics_key_is_refused_at_load(project):
    path = project / "newsletter.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("clicks = false", 'clicks = "yes"'),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"metrics\.clicks: input should be a valid boolean"):
        load_config(project, {})
