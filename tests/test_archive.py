"""The archive: legacy import, the static site, its feeds and search index,
incremental rebuilds, and serving it."""

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.archive.legacy import LegacyError, read_legacy
from newsletter.archive.site import build_archive
from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.dispatch.transports import MemoryTransport
from newsletter.store import Store
from newsletter.web import create_app

from .conftest import MINIMAL, write_issue

# A copy of shared/samples/legacy-archive-2007.en.txt, so the suite runs anywhere.
LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy-archive-2007.en.txt"
ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = date(2024, 6, 15)


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project), *args], catch_exceptions=False)


def test_legacy_sample_imports_with_every_entry_accounted_for(project):
    result = run(project, "archive", "import", str(LEGACY))
    assert result.exit_code == 0
    assert ("17 entries read, 17 imported into archive/legacy/ by month: 2007-06 (7), "
            "2007-05 (10).") in result.stdout
    assert "Dates: 17 certain, 0 to review (0 undated)." in result.stdout
    assert "line 79: 'Text written by The International Affairs Service." in result.stderr
    june = (project / "archive" / "legacy" / "2007-06.en.yaml").read_text()
    assert "title: Delegation from Cordoba - Argentina" in june
    assert "from: '2007-06-20'" in june and "to: '2007-06-27'" in june
    assert "from: '2007-05-05'" in june and "to: '2007-06-01'" in june  # across months
    bodies = [entry for entry in LEGACY.read_text().split("•")[1:]]
    assert len(bodies) == 17


def test_an_entry_without_a_date_is_kept_and_reported():
    page = ("2008 March\n\n  • The City at the Olympic torch relay\n\n    A text.\n\n"
            "  • March 3rd 2008 - Delegation from Lyon\n\n    Another text.\n")
    report = read_legacy(page, "en")
    assert [item.title for item in report.months[0].items] == [
        "The City at the Olympic torch relay", "Delegation from Lyon"]
    assert report.months[0].items[0].when is None and report.months[0].items[0].body == "A text."
    assert report.undated == 1 and report.entries[0].line == 3
    assert report.entries[0].date_problem == "No date was found at the start of the entry."


def test_french_pages_and_bad_pages():
    report = read_legacy("2009 juin\n  • 12-14 juin 2009 - Délégation de Lyon\n    Texte.\n", "fr")
    assert report.months[0].items[0].when.start == date(2009, 6, 12)
    assert report.months[0].items[0].title == "Délégation de Lyon"
    with pytest.raises(LegacyError, match="no month heading"):
        read_legacy("just some text\n", "en")


@pytest.fixture
def site(project):
    run(project, "archive", "import", str(LEGACY))
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03", "2024-05")}, month="2024-05")
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03", "2031-01")}, month="2031-01")
    config = load_config(project, {})
    report = build_archive(config, project / "site", today=TODAY)
    return config, project / "site", report


def test_the_site(site):
    _config, out, report = site
    assert report.rebuilt == ["2023-12", "2024-05"] and report.future == ["2031-01"]
    for page in ("index.html", "it/index.html", "en/archive.html", "fr/search.html",
                 "2023-12/it/index.html", "2023-12/it/issue.pdf", "legacy/2007-06/en/index.html",
                 "assets/archive.css", "assets/search.js"):
        assert (out / page).is_file(), page
    assert not (out / "2031-01").exists()  # not public before its month
    home = (out / "it" / "index.html").read_text()
    assert "Work in Progress – Maggio 2024" in home  # the latest issue
    assert 'action="https://www.comune.torino.it/relint/wip/subscribe"' in home
    index = (out / "en" / "archive.html").read_text()
    assert index.index("2024") < index.index("2023") < index.index("2007")
    assert 'href="../legacy/2007-05/en/"' in index and 'href="../2023-12/it/"' in index
    issue = (out / "2023-12" / "it" / "index.html").read_text()
    assert 'href="../../it/archive.html"' in issue  # back to the archive


def test_feeds_are_valid_atom_linking_the_pages(site):
    config, out, _ = site
    feed = ET.parse(out / "it" / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Work in Progress – Maggio 2024", "Work in Progress – Dicembre 2023"]
    link = entries[1].find(f"{ATOM}link[@rel='alternate']").get("href")
    assert link == f"{config.base_url}/2023-12/it/"
    assert all(e.find(f"{ATOM}id") is not None and e.find(f"{ATOM}updated") is not None
               for e in entries)
    english = ET.parse(out / "en" / "feed.xml").getroot()
    assert [e.find(f"{ATOM}title").text for e in english.findall(f"{ATOM}entry")] == [
        "Work in Progress – December 2023"]  # 2024-05 has no English edition


def test_search_index_covers_titles_bodies_tags_and_delegations(site):
    _, out, _ = site
    text = (out / "it" / "search-index.js").read_text()
    documents = json.loads(text.removeprefix("window.WIP_SEARCH = ").rstrip(";\n"))
    by_title = {d["title"]: d for d in documents}
    femact = by_title["Incontro transnazionale del progetto FEMACT-Cities a Coimbra"]
    assert "Portogallo" in femact["tags"] and "8 Piani di Azione Locali" in femact["text"]
    assert femact["url"] == "../2023-12/it/#femact-cities-coimbra"
    delegations = next(d for d in documents if "Ulaanbaatar" in d["text"])
    assert delegations["issue"] == "Work in Progress – Dicembre 2023"
    legacy = by_title["City of Shenyang - China"]
    assert legacy["lang"] == "en" and legacy["url"].startswith("../legacy/2007-05/en/#")


def test_incremental_rebuilds(site):
    config, out, _ = site
    pdf = out / "2023-12" / "it" / "issue.pdf"
    before = pdf.stat().st_mtime_ns
    nothing = build_archive(config, out, today=TODAY)
    assert (nothing.rebuilt, nothing.unchanged, nothing.indexes) == ([], 2, False)
    source = config.root / "issues" / "2024-05" / "it.yaml"
    source.write_text(source.read_text().replace("Prima notizia", "Notizia aggiornata"))
    one = build_archive(config, out, today=TODAY)
    assert one.rebuilt == ["2024-05"] and one.unchanged == 1 and one.indexes
    assert pdf.stat().st_mtime_ns == before  # the other issue's PDF was not made again
    assert "Notizia aggiornata" in (out / "it" / "index.html").read_text()


def test_a_broken_issue_is_reported_and_keeps_its_last_good_pages(site):
    config, out, _ = site
    source = config.root / "issues" / "2024-05" / "it.yaml"
    source.write_text(source.read_text().replace("2024-05-04", "2024-05-32"))
    report = build_archive(config, out, today=TODAY)
    assert report.problems[0].startswith("2024-05: not rebuilt: ")
    assert (out / "2024-05" / "it" / "index.html").is_file()


def test_cli_build(site):
    config, out, _ = site
    shutil.rmtree(out)
    result = run(config.root, "archive", "build")
    assert result.exit_code == 0
    assert "issues rebuilt: 2023-12" in result.stdout
    assert "not yet public (future months): 2031-01" in result.stderr


def test_served_by_newsletter_serve(site):
    config, out, _ = site
    store = Store(f"sqlite:///{config.root / 'web.sqlite3'}", b"k")
    client = create_app(config, store, MemoryTransport, out).test_client()
    home = client.get("/", headers={"Accept-Language": "fr"})
    assert home.status_code == 302 and home.headers["Location"] == "/fr/"
    page = client.get("/fr/")
    assert page.status_code == 200 and '<html lang="fr"' in page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/2023-12/it/").status_code == 200
    assert client.get("/2023-12/it").headers["Location"] == "/2023-12/it/"
    assert client.get("/2023-12/it/issue.pdf").get_data().startswith(b"%PDF-")
    assert client.get("/.archive.json").status_code == 404
    assert client.get("/assets/search.js").status_code == 200
    prefilled = client.get("/subscribe?email=anna%40example.org&lang=it").get_data(as_text=True)
    assert 'value="anna@example.org"' in prefilled
    store.close()
