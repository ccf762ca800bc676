"""Aggregate click counts ([metrics] clicks): the email's web links go
through /c/<month>/<lang>/<item>/<n>, which counts and sends the reader on
to the link of the edition itself — never anywhere else, never with who
clicked."""

from __future__ import annotations

import re

import pytest

from newsletter.core.config import load_config
from newsletter.dispatch.transports import MemoryTransport
from newsletter.render.build import render_issue
from newsletter.store import Store, clicks
from newsletter.web import create_app

from .conftest import MINIMAL, write_issue

LINKED = MINIMAL.replace(
    "    body: Testo della prima notizia.\n",
    "    body: |\n      Leggi [il programma](https://example.org/programma?a=1&b=2), scrivi a\n"
    "      info@example.org o vai su www.example.org.\n")


def _app(project, tmp_path, clicks_on: bool):
    if clicks_on:
        toml = project / "newsletter.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("clicks = false", "clicks = true"),
                        encoding="utf-8")
    write_issue(project, {"it.yaml": LINKED})
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "k" * 32,
                                   "NEWSLETTER_BASE_URL": "https://wip.example"})
    store = Store(f"sqlite:///{tmp_path / 'clicks.sqlite3'}", config.secret())
    return config, store, create_app(config, store, MemoryTransport, mail_thread=False)


def email_links(config) -> list[str]:
    _issue, rendered, _ = render_issue(config, "2024-03", ("it",))
    return re.findall(r'href="([^"]+)"', rendered[0].email_html)


def test_links_are_counted_per_item_and_sent_on(project, tmp_path):
    config, store, app = _app(project, tmp_path, clicks_on=True)
    links = email_links(config)
    assert "https://wip.example/c/2024-03/it/prima/0" in links
    assert "https://wip.example/c/2024-03/it/prima/2" in links  # www. made a link
    assert "mailto:info@example.org" in links  # not counted: no redirect for mail
    assert not any("example.org/programma" in link for link in links)
    client = app.test_client()
    for _ in range(3):
        answer = client.get("/c/2024-03/it/prima/0")
        assert answer.status_code == 302
        assert answer.headers["Location"] == "https://example.org/programma?a=1&b=2"
    assert client.get("/c/2024-03/it/prima/2").headers["Location"] == "https://www.example.org"
    assert [(c.item, c.link, c.count) for c in clicks.counts(store, "2024-03")] == [
        ("prima", 0, 3), ("prima", 2, 1)]
    store.close()


@pytest.mark.parametrize("path", [
    "/c/2024-03/it/prima/1",            # the mailto: link is not a redirect
    "/c/2024-03/it/prima/9",            # no such link
    "/c/2024-03/it/nessuna/0",          # no such item
    "/c/2024-03/fr/prima/0",            # no such edition
    "/c/2024-13/it/prima/0",            # not a month
    "/c/2099-01/it/prima/0",            # no such issue
    "/c/2024-03/it/prima/0/https:%2F%2Fevil.example",
])
def test_nothing_else_can_be_reached_and_nothing_is_counted(project, tmp_path, path):
    _config, store, app = _app(project, tmp_path, clicks_on=True)
    answer = app.test_client().get(path)
    assert answer.status_code == 404
    assert "evil" not in answer.headers.get("Location", "")
    assert clicks.counts(store, "2024-03") == []
    store.close()


def test_off_by_default_the_email_links_go_straight_to_their_target(project, tmp_path):
    config, store, app = _app(project, tmp_path, clicks_on=False)
    links = email_links(config)
    assert "https://example.org/programma?a=1&amp;b=2" in links or \
        "https://example.org/programma?a=1&b=2" in links
    assert not any("/c/" in link for link in links)
    # A link in an email sent while counting was on still leads to its target.
    assert app.test_client().get("/c/2024-03/it/prima/0").status_code == 302
    assert clicks.counts(store, "2024-03") == []
    store.close()
