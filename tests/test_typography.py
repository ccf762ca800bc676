"""French typography: a narrow no-break space (U+202F) before : ; ! ? and
inside « », in every output of a French edition (email, plain text, PDF,
web page, archive) and nowhere else: not in Italian or English, not inside
URLs, attributes or times. Plain-text headings keep their case in every
language ("du 1er au 31 décembre", never "DU 1ER AU 31 DÉCEMBRE")."""

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from newsletter.archive.site import build_archive
from newsletter.core.config import load_config
from newsletter.render.build import render_issue
from newsletter.render.context import edition_view
from newsletter.render.pdf import render_pdf_html
from newsletter.render.typography import typeset, typeset_html

from .conftest import make_project, write_issue

N = "\u202f"
ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = date(2024, 6, 15)  # the archive publishes the issues up to this day


@pytest.mark.parametrize(("text", "expected"), [
    ("Lire en ligne: https://example.org/fr/", f"Lire en ligne{N}: https://example.org/fr/"),
    ("Horaires : 18:30", f"Horaires{N}: 18:30"),
    ("Quoi?! Vraiment ? Oui !", f"Quoi{N}?! Vraiment{N}? Oui{N}!"),
    ("« Bonjour »", f"«{N}Bonjour{N}»"),
    ("«Bonjour»", f"«{N}Bonjour{N}»"),
    ("Voir https://example.org/a?b=c:d; ici", f"Voir https://example.org/a?b=c:d{N}; ici"),
    ("sur www.comune.torino.it/relint!", f"sur www.comune.torino.it/relint{N}!"),
    ("mailto:nom@example.org", "mailto:nom@example.org"),
    ("Écrivez à nom@example.org !", f"Écrivez à nom@example.org{N}!"),
    ("(voir ci-dessous):", f"(voir ci-dessous){N}:"),
    ("déjà\u00a0: oui", f"déjà{N}: oui"),
    ("de 9:00 à 18:30, p. 3:4", "de 9:00 à 18:30, p. 3:4"),
])
def test_french_spacing(text, expected):
    assert typeset(text, "fr") == expected
    assert typeset(expected, "fr") == expected  # typesetting twice changes nothing


@pytest.mark.parametrize("lang", ["it", "en", None])
def test_other_languages_are_left_alone(lang):
    text = "Leggi online: https://example.org/?a=b; «libero»!"
    assert typeset(text, lang) == text


def test_html_text_only_in_its_own_language():
    page = ('<html lang="fr"><head><title>Lire: ici</title><style>a:hover { color: red; }</style>'
            '</head><body><p title="Note: ici">Voir <a href="https://example.org/?a=b">le lien</a>: '
            "ok &amp; l&#39;art ; <code>a ;b</code></p><!--[if mso]><p>x: y</p><![endif]-->"
            '<div lang="it">Leggi: qui!</div><p>«<em>mot</em>»</p><img alt="a: b" src="x.png"></body>'
            "</html>")
    assert typeset_html(page) == (
        f'<html lang="fr"><head><title>Lire{N}: ici</title><style>a:hover {{ color: red; }}</style>'
        f'</head><body><p title="Note: ici">Voir <a href="https://example.org/?a=b">le lien</a>{N}: '
        f"ok &amp; l'art{N}; <code>a ;b</code></p><!--[if mso]><p>x: y</p><![endif]-->"
        f'<div lang="it">Leggi: qui!</div><p>«{N}<em>mot</em>{N}»</p><img alt="a: b" src="x.png">'
        "</body></html>")
    italian = page.replace('lang="fr"', 'lang="it"')
    assert typeset_html(italian) == italian


IT = """\
month: 2024-01
curated_by: a cura del Servizio Gabinetto del Sindaco – Relazioni Internazionali
top_news:
  - id: incontro
    title: Che cosa c'è di nuovo a Torino?
    date: 2023-10-25
    body: "Appuntamento: ore 18:30; ingresso «libero»! Vedi https://example.org/a?b=c:d."
delegations:
  period: {from: 2023-12-01, to: 2023-12-31}
  received:
    - id: lione
      name: Delegazione di Lione
"""
EN = """\
curated_by: edited by the Mayor's Cabinet – International Relations
top_news:
  - id: incontro
    title: What's new in Torino?
    body: "Meeting: 18:30; free entry! See https://example.org/a?b=c:d."
delegations:
  - id: lione
    name: Delegation from Lyon
"""
FR = """\
curated_by: par le Cabinet du Maire – Relations internationales
top_news:
  - id: incontro
    title: Quoi de neuf à Turin ?
    body: >-
      Rendez-vous: à 18:30; entrée «libre»! Voir https://example.org/a?b=c:d
      ou [le site](https://example.org/x): merci.
delegations:
  - id: lione
    name: Délégation de Lyon
"""
FR_BODY = f"Rendez-vous{N}: à 18:30{N}; entrée «{N}libre{N}»{N}! Voir"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("typography"))
    write_issue(project, {"it.yaml": IT, "en.yaml": EN, "fr.yaml": FR}, month="2024-01")
    config = load_config(project, {})
    issue, rendered, _ = render_issue(config, "2024-01")
    return config, issue, {r.lang: r for r in rendered}


def lines_joined(text: str) -> str:
    """The plain text with its wrapping undone (narrow spaces kept)."""
    return re.sub(r"[ \n]+", " ", text)


def test_french_plain_text(built):
    text = lines_joined(built[2]["fr"].email_text)
    assert f"Lire en ligne{N}: https://www.comune.torino.it/relint/wip/2024-01/fr/" in text
    assert f"Se désabonner{N}: https://www.comune.torino.it/relint/wip/unsubscribe" in text
    assert f"Quoi de neuf à Turin{N}?" in text
    assert f"{FR_BODY} https://example.org/a?b=c:d ou le site [1]{N}: merci." in text


def test_french_email_web_page_and_pdf(built):
    config, issue, rendered = built
    fr = rendered["fr"]
    pdf_html = render_pdf_html(edition_view(issue.editions["fr"], config, "file"),
                               config.templates_dir)
    for name, html in (("email", fr.email_html), ("web", fr.web_html), ("pdf", pdf_html)):
        assert f"Quoi de neuf à Turin{N}?</h3>" in html, name
        assert FR_BODY in html, name
        assert 'href="https://example.org/a?b=c:d"' in html, name  # URLs untouched
        assert re.search(f'<a href="https://example.org/x"[^>]*>le site</a>{N}: merci.', html), name


def test_italian_and_english_outputs_have_no_narrow_spaces(built):
    for lang in ("it", "en"):
        rendered = built[2][lang]
        for output in (rendered.email_text, rendered.email_html, rendered.web_html):
            assert N not in output, lang
    assert "Appuntamento: ore 18:30; ingresso «libero»!" in built[2]["it"].web_html


@pytest.mark.parametrize(("lang", "heading", "dated"), [
    ("it", "Delegazioni ricevute dal 1° al 31 dicembre 2023", "25 ottobre 2023"),
    ("en", "Delegations received from December 1st to 31st, 2023", "October 25th, 2023"),
    ("fr", "Délégations reçues du 1er au 31 décembre 2023", "25 octobre 2023"),
])
def test_plain_text_headings_keep_their_case(built, lang, heading, dated):
    text = built[2][lang].email_text
    assert f"\n{heading}\n" in text and f"\n{dated}\n" in text
    assert "1ER" not in text and "1ST" not in text and "DÉCEMBRE" not in text


def test_dates_are_not_upper_cased_on_the_web_page_or_in_the_pdf(built):
    config, issue, rendered = built
    pdf_html = render_pdf_html(edition_view(issue.editions["fr"], config, "file"),
                               config.templates_dir)
    for html in (rendered["fr"].web_html, pdf_html):
        assert not re.search(r"\.date \{[^}]*text-transform: uppercase", html)
        assert "du 1er au 31 décembre 2023" in html


def test_french_fallback_text_stays_italian(project):
    write_issue(project, {"it.yaml": IT, "fr.yaml": FR.split("delegations:")[0]}, month="2024-01")
    _, [fr], _ = render_issue(load_config(project, {}), "2024-01", ("fr",), allow_incomplete=True)
    assert "Delegazione di Lione" in fr.web_html and "Delegazione di Lione" in fr.email_text
    assert f"Quoi de neuf à Turin{N}?" in fr.web_html


def test_french_archive_pages(tmp_path):
    project = make_project(tmp_path)
    write_issue(project, {"it.yaml": IT, "en.yaml": EN, "fr.yaml": FR}, month="2024-01")
    build_archive(load_config(project, {}), tmp_path / "site", today=TODAY)
    home = (tmp_path / "site" / "fr" / "index.html").read_text(encoding="utf-8")
    assert f"Quoi de neuf à Turin{N}?</a>" in home
    assert f"la Ville de Turin{N}: événements" in home
    feed = ET.parse(tmp_path / "site" / "fr" / "feed.xml").getroot()  # still well-formed
    assert f"Quoi de neuf à Turin{N}?" in feed.find(f"{ATOM}entry/{ATOM}summary").text
    assert N not in (tmp_path / "site" / "it" / "index.html").read_text(encoding="utf-8")


def test_a_french_title_without_its_space_builds(project):
    write_issue(project, {"it.yaml": IT, "fr.yaml": FR.replace("Turin ?", "Turin?")},
                month="2024-01")
    _, [fr], _ = render_issue(load_config(project, {}), "2024-01", ("fr",), allow_incomplete=True)
    assert f"Quoi de neuf à Turin{N}?" in fr.email_text
