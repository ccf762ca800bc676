"""``newsletter send`` and ``newsletter deliveries`` through CliRunner, with
the embedded default: messages written to the outbox folder."""

from email import message_from_bytes, policy

import pytest
from click.testing import CliRunner

from newsletter.cli import cli

from .conftest import MINIMAL, SQLITE, write_issue

pytestmark = SQLITE


@pytest.fixture
def run(project, database_url):
    write_issue(project, {"it.yaml": MINIMAL})
    env = {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "c" * 32,
           "NEWSLETTER_SMTP_URL": ""}

    def invoke(*args):
        return CliRunner(env=env).invoke(cli, ["--project", str(project), *args],
                                         catch_exceptions=False)
    return invoke


def outbox(project):
    return sorted((project / "outbox").glob("*.eml"))


def test_send_to_the_outbox_and_report(run, project):
    run("subscribers", "add", "anna@example.org")
    run("subscribers", "add", "bob@example.org", "--lang", "en")
    refused = run("send", "2024-03", "--fallback")
    assert refused.exit_code == 1
    assert "is not built" in refused.output and "newsletter build 2024-03" in refused.output
    run("build", "2024-03")
    missing = run("send", "2024-03")
    assert missing.exit_code == 1
    assert "no complete edition for en (no edition, 1 active subscriber)" in missing.output
    sent = run("send", "2024-03", "--fallback")
    assert sent.exit_code == 0, sent.output
    assert sent.output.startswith("2024-03 it: done; 2 sent, 0 failed, 0 deferred, 0 uncertain")
    assert len(outbox(project)) == 2
    message = message_from_bytes(outbox(project)[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Work in Progress – Marzo 2024"

    again = run("send", "2024-03", "--fallback")
    assert again.exit_code == 1 and "an edition is delivered once" in again.output
    table = run("deliveries").output.splitlines()
    assert table[0].split()[:8] == ["issue", "lang", "state", "queued", "sent", "failed",
                                    "deferred", "uncertain"]
    assert table[1].split()[:5] == ["2024-03", "it", "done", "0", "2"]


def test_test_copy(run, project):
    run("build", "2024-03")
    result = run("send", "2024-03", "--test", "editor@example.org")
    assert result.exit_code == 0
    assert result.output.startswith("test copy of 2024-03 (it) sent to editor@example.org: 250")
    message = message_from_bytes(outbox(project)[0].read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("[TEST] ")
    assert run("deliveries", "2024-03").output == "no deliveries yet for 2024-03\n"


def test_resume_without_delivery(run):
    result = run("send", "2024-03", "--resume")
    assert result.exit_code == 1
    assert "nothing to resume: 2024-03 has no delivery yet" in result.output


def test_unknown_month(run):
    result = run("send", "2031-01")
    assert result.exit_code == 1
    assert "no issue '2031-01' in issues/; known issues: 2023-12, 2024-03" in result.output
