"""The archive in a real browser (Debian's Chromium, Playwright): click
through index → issue → PDF, search, keyboard; axe-core finds no WCAG 2.1
AA violation on any kind of page."""

import shutil
import threading
from pathlib import Path

import pytest
import waitress

from newsletter.archive.legacy import legacy_folder, read_legacy, write_months
from newsletter.archive.site import build_archive
from newsletter.core.config import load_config
from newsletter.dispatch.transports import MemoryTransport
from newsletter.store import Store
from newsletter.web import create_app

from .test_archive import LEGACY, TODAY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from .conftest import make_project

    project = make_project(tmp_path_factory.mktemp("archive"))
    report = read_legacy(LEGACY.read_text(), "en")
    write_months(report, legacy_folder(project), LEGACY.name)
    config = load_config(project, {})
    build_archive(config, project / "site", today=TODAY)
    store = Store(f"sqlite:///{project / 'web.sqlite3'}", b"k")
    server = waitress.create_server(create_app(config, store, MemoryTransport, project / "site"),
                                    host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    store.close()


@pytest.fixture
def page(served):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        # bypass_csp: our pages forbid inline scripts; the test injects axe-core.
        yield browser.new_context(locale="it-IT", bypass_csp=True).new_page()
        browser.close()


def test_index_to_issue_to_pdf(served, page):
    page.goto(served)
    assert page.url == f"{served}/it/"
    page.get_by_role("link", name="Archivio").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Archivio dei numeri"
    page.get_by_role("link", name="Work in Progress – Dicembre 2023").click()
    assert page.url == f"{served}/2023-12/it/"
    assert page.get_by_role("heading", name="Luci d'Artista").is_visible()
    pdf = page.get_by_role("link", name="Scarica il PDF")
    response = page.request.get(f"{served}/2023-12/it/{pdf.get_attribute('href')}")
    assert response.ok and response.body().startswith(b"%PDF-")
    page.get_by_role("link", name="Archivio").click()
    page.get_by_role("link", name="News – June 2007").click()
    assert page.get_by_role("heading", name="Delegation from Cordoba - Argentina").is_visible()


@pytest.mark.parametrize(("query", "expected"), [
    ("coimbra", "Incontro transnazionale del progetto FEMACT-Cities a Coimbra"),
    ("Ulaanbaatar", "Delegazioni ricevute"),
    ("horizon 2020", "Scenario pilota al Parco Dora per il progetto APPRAISE"),
    ("shenyang", "City of Shenyang - China"),
])
def test_search(served, page, query, expected):
    page.goto(f"{served}/it/search.html")
    page.get_by_label("Parole da cercare").fill(query)
    page.get_by_label("Parole da cercare").press("Enter")
    results = page.locator("#search-results li a")
    results.first.wait_for()
    assert expected in results.all_inner_texts()
    assert "risultat" in page.get_by_role("status").inner_text()
    results.filter(has_text=expected).first.click()
    assert page.url.split("#")[0].endswith(("/2023-12/it/", "/legacy/2007-05/en/"))


def test_search_with_no_match(served, page):
    page.goto(f"{served}/en/search.html?q=zzzzqq")
    assert page.get_by_role("status").inner_text() == "No results."


def test_keyboard_skip_link(served, page):
    page.goto(f"{served}/it/archive.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Vai al contenuto"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install --prefix tests/js)")
@pytest.mark.parametrize("path", ["/it/", "/en/archive.html", "/fr/search.html?q=lione",
                                  "/2023-12/it/", "/legacy/2007-06/en/", "/subscribe"])
def test_no_accessibility_violations(served, page, path):
    page.goto(f"{served}{path}")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['html'][:120]})"
                for v in result["violations"]]
    assert problems == []
