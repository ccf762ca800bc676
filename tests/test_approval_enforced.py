"""What is sent is what was approved (issue 12): `newsletter send` and the
scheduler refuse an edition whose sources are not the ones approved, once
approval is required ([workflow] require_approval, or unset and the
workspace has accounts)."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.content import load_issue
from newsletter.core.config import load_config
from newsletter.core.errors import ConfigError
from newsletter.dispatch.dispatcher import Settings
from newsletter.render.output import edition_digest
from newsletter.scheduling.daemon import Scheduler, SchedulerSettings
from newsletter.scheduling.schedule import SendTime, schedule
from newsletter.store import Store, workflow
from newsletter.store import deliveries as ledger
from newsletter.store import users as people

from .conftest import SAMPLE, SQLITE
from .smtp_server import SMTPServer

EDITOR, APPROVER = "anna@example.org", "bruno@example.org"
ENV = {"NEWSLETTER_SECRET_KEY": "c" * 32, "NEWSLETTER_SMTP_URL": ""}


def configure(project, section: str, **keys: str) -> None:
    """Set keys (TOML values) of a section of the project's newsletter.toml."""
    path = project / "newsletter.toml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.split("=", 1)[0].strip() not in keys]
    settings = [f"{key} = {value}" for key, value in keys.items()]
    header = f"[{section}]"
    if header in lines:
        at = lines.index(header) + 1
        lines[at:at] = settings
    else:
        lines += ["", header, *settings]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def require_approval(project, value: str = "true") -> None:
    configure(project, "workflow", require_approval=value)


def edit_source(project) -> None:
    path = project / "issues" / SAMPLE / "it.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    title: Luci d'Artista\n", "    title: Luci d'Artista 2023\n"), encoding="utf-8")


@pytest.fixture
def office(project, database_url):
    env = {**ENV, "NEWSLETTER_DATABASE_URL": database_url}
    store = Store(database_url, b"test")

    def run(*args):
        return CliRunner(env=env).invoke(cli, ["--project", str(project), *args],
                                         catch_exceptions=False)

    def approve() -> None:
        """An editor submits the issue, an approver approves it as it is now."""
        config = load_config(project, env)
        issue = load_issue(config, SAMPLE)
        workflow.submit(store, SAMPLE, EDITOR)
        workflow.approve(store, SAMPLE, APPROVER, {"it": edition_digest(config, issue, "it")})

    run("subscribers", "add", "lettrice@example.org")
    yield run, store, approve
    store.close()


def outbox(project):
    return sorted((project / "outbox").glob("*.eml"))


@SQLITE
def test_when_required_only_the_approved_sources_are_sent(project, office):
    run, store, approve = office
    require_approval(project)
    assert run("build", SAMPLE, "--lang", "it").exit_code == 0
    refused = run("send", SAMPLE, "--lang", "it")
    assert refused.exit_code == 1
    assert "2023-12 is not approved (it is a draft): submit it for review" in refused.output
    assert run("deliveries", SAMPLE).output == "no deliveries yet for 2023-12\n"

    approve()
    edit_source(project)  # straight in the file, after the approval
    assert run("build", SAMPLE, "--lang", "it").exit_code == 0
    changed = run("send", SAMPLE, "--lang", "it")
    assert changed.exit_code == 1
    assert ("the it edition of 2023-12 changed after bruno@example.org approved it "
            "on 20") in changed.output
    assert "an approver must approve it again before it is sent" in changed.output

    workflow.changed(store, SAMPLE, EDITOR)  # the same change, saved in the workspace
    voided = run("send", SAMPLE, "--lang", "it")
    assert voided.exit_code == 1
    assert "2023-12 was approved, but anna@example.org changed it on 20" in voided.output
    assert outbox(project) == []

    approve()
    sent = run("send", SAMPLE, "--lang", "it")
    assert sent.exit_code == 0, sent.output
    assert sent.output.startswith("2023-12 it: done; 1 sent")
    assert len(outbox(project)) == 1


@SQLITE
def test_unset_and_without_accounts_an_issue_is_sent_as_before(project, office):
    run, _, _ = office
    run("build", SAMPLE, "--lang", "it")
    sent = run("send", SAMPLE, "--lang", "it")
    assert sent.exit_code == 0, sent.output
    assert len(outbox(project)) == 1


@SQLITE
def test_unset_approval_is_required_once_the_workspace_has_accounts(project, office):
    run, store, _ = office
    run("build", SAMPLE, "--lang", "it")
    people.add(store, EDITOR, "Anna", "editor")
    refused = run("send", SAMPLE, "--lang", "it")
    assert refused.exit_code == 1 and "2023-12 is not approved" in refused.output
    people.disable(store, EDITOR)  # nobody left who could approve it
    assert run("send", SAMPLE, "--lang", "it").exit_code == 0


@SQLITE
def test_explicitly_not_required_even_with_accounts(project, office):
    run, store, _ = office
    require_approval(project, "false")
    run("build", SAMPLE, "--lang", "it")
    people.add(store, EDITOR, "Anna", "editor")
    assert run("send", SAMPLE, "--lang", "it").exit_code == 0


@SQLITE
def test_a_scheduled_issue_changed_after_its_approval_is_paused(project, office, database_url,
                                                                caplog):
    _, store, approve = office
    env = {**ENV, "NEWSLETTER_DATABASE_URL": database_url}
    require_approval(project)
    approve()
    config = load_config(project, env)
    schedule(config, store, SAMPLE, SendTime(datetime.now(UTC) - timedelta(seconds=1)),
             langs=("it",), allow_past=True)
    edit_source(project)
    with SMTPServer() as server, caplog.at_level(logging.ERROR, "newsletter.scheduler"):
        scheduler(config, store, server).tick()
    delivery = ledger.find(store, SAMPLE, "it")
    assert delivery.state == "paused"
    assert delivery.note.startswith("not sent at its time: the it edition of 2023-12 changed "
                                    "after bruno@example.org approved it on ")
    assert delivery.note.endswith("approve it again before it is sent; then schedule it again")
    assert "NOT SENT 2023-12 it: not sent at its time" in caplog.text
    assert server.recorder.received == []

    workflow.changed(store, SAMPLE, EDITOR)
    approve()
    schedule(config, store, SAMPLE, SendTime(datetime.now(UTC) - timedelta(seconds=1)),
             langs=("it",), allow_past=True)
    with SMTPServer() as server:
        scheduler(config, store, server).tick()
    assert ledger.find(store, SAMPLE, "it").state == "done"
    assert len(server.recorder.received) == 1


def scheduler(config, store, server) -> Scheduler:
    smtp = config.__class__(**{**config.__dict__, "smtp_url": server.url})
    return Scheduler(smtp, store, SchedulerSettings(poll=0.1),
                     Settings(connections=1, backoff=0.02, retries=1), config.root / "out")


# -- the configuration --------------------------------------------------------------------


def test_the_workflow_and_workspace_keys(project):
    config = load_config(project, {})
    assert config.workflow.require_approval is None
    assert config.workflow.approve_own_changes is False
    assert (config.workspace.session_idle_minutes, config.workspace.logins_per_hour) == (60, 20)
    configure(project, "workflow", require_approval="false", approve_own_changes="true")
    configure(project, "workspace", session_idle_minutes="15", logins_per_hour="5")
    config = load_config(project, {})
    assert (config.workflow.require_approval, config.workflow.approve_own_changes) == (False, True)
    assert (config.workspace.session_idle_minutes, config.workspace.logins_per_hour) == (15, 5)
    configure(project, "workflow", require_approval='"yes"')
    with pytest.raises(ConfigError, match=r"workflow\.require_approval: input should be a valid "
                                          "boolean"):
        load_config(project, {})
    configure(project, "workflow", require_approval="true")
    configure(project, "workspace", logins_per_hour="0")
    with pytest.raises(ConfigError, match=r"workspace\.logins_per_hour: input should be greater"):
        load_config(project, {})
