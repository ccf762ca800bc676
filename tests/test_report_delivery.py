"""``newsletter report-delivery``: an issue delivered (in memory) to a few
subscribers in two languages, bounces and complaints recorded as the bounce
processor records them, unsubscribes; the report shows the numbers per
language, as a table and as JSON, and never a person."""

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.dispatch import send
from newsletter.dispatch.transports import MemoryTransport
from newsletter.render.build import build_issue
from newsletter.store import Store, feedback
from newsletter.store import subscribers as subs
from newsletter.store.tables import subscriber_events

from .conftest import BOTH, MINIMAL, SQLITE, write_issue

ENGLISH = """\
curated_by: edited by the Mayor's Cabinet – International Relations
top_news:
  - id: prima
    title: First news
    body: The text of the first news.
"""
CONSENT = subs.Consent("cli", "1")


@pytest.fixture
def env(database_url):
    return {"NEWSLETTER_DATABASE_URL": database_url, "NEWSLETTER_SECRET_KEY": "d" * 32,
            "NEWSLETTER_BASE_URL": "http://localhost", "NEWSLETTER_SMTP_URL": ""}


@pytest.fixture
def delivered(project, env):
    """March 2024 delivered to four Italian and two English subscribers; then
    what came back."""
    write_issue(project, {"it.yaml": MINIMAL, "en.yaml": ENGLISH})
    config = load_config(project, env)
    build_issue(config, "2024-03", project / "out")
    store = Store(env["NEWSLETTER_DATABASE_URL"], config.secret())
    who = {name: subs.add(store, f"{name}@example.org", f"{name}@example.org", None, language,
                          CONSENT)
           for name, language in [("anna", "it"), ("bruno", "it"), ("carla", "it"),
                                  ("dario", "it"), ("emma", "en"), ("fred", "en")]}
    results = send(config, store, "2024-03", project / "out", MemoryTransport)
    ids = {r.delivery.language: r.delivery.id for r in results}
    assert {r.delivery.language: r.counts["sent"] for r in results} == {"it": 4, "en": 2}

    def bounce(name, hard, message_id):
        feedback.record_bounce(store, subscriber_id=who[name].id,
                               delivery_id=ids[who[name].language], hard=hard,
                               status="5.1.1" if hard else "4.2.2", diagnostic="550 no such user",
                               message_id=message_id, threshold=5, score_days=7)

    bounce("anna", True, "<dsn-1@mx>")
    bounce("anna", True, "<dsn-2@mx>")  # a second report about Anna: one person bounced
    bounce("bruno", False, "<dsn-3@mx>")
    bounce("emma", True, "<dsn-4@mx>")
    feedback.record_complaint(store, subscriber_id=who["carla"].id, delivery_id=ids["it"],
                              feedback_type="abuse", message_id="<arf-1@yahoo>")
    subs.unsubscribe(store, who["dario"].uid, "link in the email")
    subs.unsubscribe(store, who["fred"].uid, "link in the email")
    with store.transaction() as connection:  # Fred left eight days after the delivery began
        connection.execute(update(subscriber_events).where(
            subscriber_events.c.subscriber_id == who["fred"].id,
            subscriber_events.c.event == "unsubscribed").values(
            at=results[0].delivery.started_at + timedelta(days=8)))
    late = subs.add(store, "gina@example.org", "gina@example.org", None, "it", CONSENT)
    subs.unsubscribe(store, late.uid, "link")  # never a recipient of March
    store.close()
    return project


def report(project, env, *args):
    return CliRunner(env=env).invoke(cli, ["--project", str(project), "report-delivery", *args],
                                     catch_exceptions=False)


def lines_of(output: str, heading: str) -> list[str]:
    block = output.split(heading, 1)[1].split("\n\n", 1)[0]
    return [" ".join(line.split()) for line in block.splitlines()[2:]]


@BOTH
def test_the_report_shows_each_language(delivered, env):
    result = report(delivered, env, "2024-03")
    assert result.exit_code == 0, result.output
    assert "2024-03 it: done, started " in result.output
    assert "Work in Progress – Marzo 2024" in result.output
    assert lines_of(result.output, "2024-03 it: done") == [
        "sent 4", "failed 0 0.0%", "deferred 0 0.0%", "uncertain 0 0.0%", "resent 0 0.0%",
        "hard bounces 1 25.0%", "soft bounces 1 25.0%", "complaints 1 25.0%",
        "unsubscribed within 7 days 1 25.0%"]
    assert lines_of(result.output, "2024-03 en: done") == [
        "sent 2", "failed 0 0.0%", "deferred 0 0.0%", "uncertain 0 0.0%", "resent 0 0.0%",
        "hard bounces 1 50.0%", "soft bounces 0 0.0%", "complaints 0 0.0%",
        "unsubscribed within 7 days 0 0.0%"]
    assert "@" not in result.output  # counts, never a person


@SQLITE
def test_the_report_as_json(delivered, env):
    result = report(delivered, env, "2024-3", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["month"] == "2024-03"
    italian, english = (sorted(shown["editions"], key=lambda e: e["language"], reverse=True))
    assert {key: italian[key] for key in (
        "language", "state", "sent", "failed", "deferred", "uncertain", "resent", "hard_bounces",
        "soft_bounces", "complaints", "unsubscribed", "bounce_rate", "complaint_rate")} == {
        "language": "it", "state": "done", "sent": 4, "failed": 0, "deferred": 0,
        "uncertain": 0, "resent": 0, "hard_bounces": 1, "soft_bounces": 1, "complaints": 1,
        "unsubscribed": 1, "bounce_rate": 0.25, "complaint_rate": 0.25}
    assert italian["started_at"].endswith("+00:00")
    assert (english["language"], english["hard_bounces"], english["bounce_rate"]) == ("en", 1, 0.5)


@SQLITE
def test_a_month_without_delivery_and_a_malformed_month(project, env):
    empty = report(project, env, "2031-01")
    assert empty.exit_code == 0
    assert empty.output.startswith("2031-01 has no delivery: nothing of that issue was sent")
    assert json.loads(report(project, env, "2031-01", "--json").output) == {
        "month": "2031-01", "editions": [], "clicks": []}
    wrong = report(project, env, "2024-13")
    assert wrong.exit_code == 1
    assert wrong.output == "error: '2024-13' is not a month: write it as YYYY-MM, e.g. 2023-12\n"
