"""No page scrolls sideways on a 320 px phone, whatever the content: an issue
full of long addresses, URLs and a 60-letter word (in titles too) is built,
its web pages, email, archive pages and the subscription pages are loaded in
a real browser (Debian's Chromium, Playwright) 320 px wide, and the page must
be no wider than the window. The plain text keeps such addresses whole."""

import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
import waitress

from newsletter.archive.legacy import legacy_folder, read_legacy, write_months
from newsletter.archive.site import build_archive
from newsletter.core.config import load_config
from newsletter.core.urls import Tokens
from newsletter.dispatch.transports import MemoryTransport
from newsletter.render import gates
from newsletter.render.build import render_issue
from newsletter.store import Store
from newsletter.store import subscribers as subs
from newsletter.web import create_app

from .conftest import make_project, write_issue

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TODAY = date(2024, 6, 15)  # the archive publishes the issues up to this day
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

WORD = "Precipitevolissimevolmentesupercalifragilistichespiralidosoo"  # 60 letters
EMAIL = "segreteria.relazioni.internazionali.progetti.europei.torino@gabinetto-del-sindaco.comune.torino.it"
URL = ("https://www.comune.torino.it/relint/progetti-europei/programmazione-2021-2027/"
       "bandi-aperti/documentazione-completa-per-la-presentazione-delle-candidature.pdf")
QUERY_URL = "https://example.org/search?q=" + "relazioni-internazionali-" * 6 + "&lang=it"

STRESS_IT = f"""\
month: 2024-01
curated_by: a cura del Servizio Gabinetto del Sindaco – Relazioni Internazionali
top_news:
  - id: parola
    title: Il comitato {WORD} si riunisce a Torino
    date: {{from: 2023-12-30, to: 2024-01-02}}
    body: |
      Scrivete a {EMAIL} oppure leggete {URL} e {QUERY_URL}; la parola {WORD}
      non ha spazi. Il [documento {WORD}]({URL}) è online, anche su
      www.comune.torino.it/relint/{WORD}/{WORD}.

      - {URL}
      - `{WORD}{WORD}`

      > {EMAIL}
  - id: indirizzo
    title: {EMAIL}
    date: 2023-10-25
    body: "{WORD}{WORD}"
consulates:
  - id: consolato
    title: {WORD}
    body: {QUERY_URL}
insights: |
  {URL} {EMAIL}
delegations:
  period: {{from: 2023-12-01, to: 2023-12-31}}
  received:
    - id: delegazione
      name: Delegazione {WORD} {EMAIL}
"""

STRESS_FR = f"""\
curated_by: par le Cabinet du Maire – Relations internationales
top_news:
  - id: parola
    title: Le comité {WORD} se réunit à Turin
    body: |
      Écrivez à {EMAIL} ou lisez {URL} : le mot {WORD} n'a pas d'espace !
  - id: indirizzo
    title: {EMAIL}
    body: "{WORD}{WORD}"
consulates:
  - id: consolato
    title: {WORD}
    body: {QUERY_URL}
insights: |
  {URL} {EMAIL}
delegations:
  - id: delegazione
    name: Délégation {WORD} {EMAIL}
"""

LEGACY = f"""\
2007 June

  • June 20th 2007 - Delegation {WORD}

    Text with {URL} and {EMAIL}, and {WORD}.
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("phone"))
    write_issue(project, {"it.yaml": STRESS_IT, "fr.yaml": STRESS_FR}, month="2024-01")
    write_months(read_legacy(LEGACY, "en"), legacy_folder(project), "legacy.txt")
    config = load_config(project, {"NEWSLETTER_SECRET_KEY": "p" * 32})
    report = build_archive(config, project / "site", today=TODAY)
    assert report.problems == [] and "2024-01" in report.rebuilt
    store = Store(f"sqlite:///{project / 'web.sqlite3'}", config.secret())
    subscriber = subs.add(store, EMAIL, EMAIL.lower(), WORD, "it", subs.Consent("cli", "1"))
    tokens = Tokens(config.secret(), 3600)
    server = waitress.create_server(create_app(config, store, MemoryTransport, project / "site",
                                               mail_thread=False), host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    yield {"base": base, "site": project / "site",
           "unsubscribe": f"/unsubscribe/{tokens.unsubscribe(subscriber.uid)}",
           "preferences": f"/preferences/{tokens.preferences(subscriber.uid)}"}
    server.close()
    store.close()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def _subscribe_with_errors(page):
    page.get_by_label("Indirizzo email").fill(EMAIL + WORD)
    page.get_by_role("button", name="Iscriviti").click()
    page.locator(".error-summary").wait_for()


PAGES = {
    "web issue it": "/2024-01/it/",
    "web issue fr": "/2024-01/fr/",
    "email it": "email:2024-01/it/email.html",
    "email fr": "email:2024-01/fr/email.html",
    "archive home": "/it/",
    "archive index": "/fr/archive.html",
    "legacy page": "/legacy/2007-06/en/",
    "search results": f"/it/search.html?q={WORD[:20]}",
    "subscribe": "/subscribe",
    "subscribe with errors": "/subscribe",
    "unsubscribe request": "/unsubscribe",
    "unsubscribe": "unsubscribe",
    "preferences": "preferences",
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_no_sideways_scrolling_at_320_px(served, browser, name):
    path = PAGES[name]
    if path.startswith("email:"):
        url = (served["site"] / path.removeprefix("email:")).as_uri()
    else:
        url = served["base"] + served.get(path, path)
    page = browser.new_page(viewport={"width": 320, "height": 640}, locale="it-IT")
    page.goto(url)
    if name == "subscribe with errors":
        _subscribe_with_errors(page)
    if name == "search results":
        page.locator("#search-results li").first.wait_for()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ': '
                         + (e.textContent || '').trim().slice(0, 40))""")
    page.close()
    assert widths[0] <= widths[1], f"{name} is {widths[0]} px wide at {widths[1]} px: {wide}"


def test_plain_text_keeps_long_addresses_whole(project):
    write_issue(project, {"it.yaml": STRESS_IT, "fr.yaml": STRESS_FR}, month="2024-01")
    _, rendered, _ = render_issue(load_config(project, {}), "2024-01")
    for result in rendered:
        assert gates.check_text(result.email_text, []) == [], result.lang  # 72 columns
        assert any(URL in line and " " not in line.strip() for line in
                   result.email_text.splitlines()), result.lang  # whole, on a line of its own
    text = {r.lang: r.email_text for r in rendered}["it"]
    assert f"\n-\n  {URL}\n" in text and f"\n[1]\n    {URL}\n" in text  # after bullet, number
