"""The rendered sample, checked as a subscriber and an editor would see it:
size, language, alt text, no remote resources, absolute links, every Top
News title in the email, the plain text and the PDF."""

import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from newsletter.render import gates
from newsletter.render.build import gate, render_issue
from newsletter.render.context import edition_view
from newsletter.render.email import compile_mjml, render_email

from .conftest import partial_english

pdftotext = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(not pdftotext, reason="pdftotext (Debian poppler-utils) "
                                     "is not installed; ./dev test installs it when run as root")


@pytest.fixture(scope="module")
def it(sample):
    return sample[1]["it"]


@pytest.fixture(scope="module")
def titles(sample):
    return [item.title for item in sample[0].editions["it"].top_news]


def test_sample_passes_every_gate(sample, sample_config):
    issue, rendered = sample
    for lang, result in rendered.items():
        assert gate(result, issue.editions[lang], sample_config) == []


def test_email_is_under_gmail_clipping_size(it):
    assert len(it.email_html.encode()) < 102 * 1024


def test_email_language_and_direction(sample):
    for lang, result in sample[1].items():
        assert re.search(rf'<html lang="{lang}" dir="ltr"', result.email_html)
        assert f'<html lang="{lang}"' in result.web_html


def test_email_is_responsive_and_keeps_media_queries(it):
    html = it.email_html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media only screen and (min-width:480px)" in html
    assert "width:100% !important" in html  # premailer would have stripped this
    assert "max-width:640px" in html
    assert "prefers-color-scheme: dark" in html


def test_email_css_is_inlined(it):
    assert re.search(r'<h2 style="[^"]*color: #0b3a6e', it.email_html)
    assert re.search(r'<a href="mailto:[^"]+" style="[^"]*color: #0b57a4', it.email_html)


def test_email_layout_tables_are_presentational(it):
    tables = re.findall(r"<table[^>]*>", it.email_html)
    assert tables and all('role="presentation"' in t for t in tables)


def test_email_has_real_headings_and_preheader(it, titles):
    assert "<h1" in it.email_html and "Work in Progress</h1>" in it.email_html
    assert it.email_html.count("<h3") == len(titles)
    assert "Luci d'Artista, COP28 a Dubai" in gates.html_facts(it.email_html).visible_text
    assert "Top News dicembre 2023</h2>" in it.email_html


def test_email_has_view_online_unsubscribe_and_postal_address(it):
    html = it.email_html
    assert 'href="https://www.comune.torino.it/relint/wip/2023-12/it/"' in html
    assert '>Leggi online</a>' in html
    assert 'href="https://www.comune.torino.it/relint/wip/unsubscribe"' in html
    assert "Annulla l'iscrizione" in gates.html_facts(html).visible_text
    assert "Via Meucci 4" in html and "10121 Torino" in html


def test_email_links_are_absolute_and_mailto(it):
    facts = gates.html_facts(it.email_html)
    assert facts.links
    assert all(h.startswith(("https://", "mailto:")) for h in facts.links)
    assert "mailto:contact.ri@mairie-lille.fr" in facts.links
    assert "https://trialsnet.eu/open-call/" in facts.links
    assert "#" not in facts.links


def test_no_remote_resources_anywhere(sample):
    for result in sample[1].values():
        for html in (result.email_html, result.web_html):
            assert "fonts.googleapis" not in html
            assert not gates.html_facts(html).resources or all(
                url.startswith("data:") for url in gates.html_facts(html).resources)
            assert "<script" not in html


def test_unknown_links_are_plain_text_everywhere(it):
    assert "La rassegna Luci d'Artista torna" in gates.html_facts(it.email_html).visible_text
    assert "La rassegna Luci d'Artista torna" in it.email_text


def test_dates_are_set_apart_from_titles(it):
    assert re.search(r"<h3[^>]*>Luci d('|&#39;)Artista</h3>\s*<p class=\"wip-date\"[^>]*>fino al 14 "
                     r"gennaio</p>", it.email_html)
    assert "Luci d'Artista\nfino al 14 gennaio\n" in it.email_text


def test_plain_text_is_wrapped_at_72_columns(it):
    for line in it.email_text.splitlines():
        assert len(line) <= 72 or " " not in line.strip(), line


def test_plain_text_has_every_title_and_the_footer(it, titles):
    text = " ".join(it.email_text.split())
    for title in titles:
        assert title in text
    assert "Delegazioni ricevute dal 1° al 30 novembre" in it.email_text
    assert "- Sindaco di Berna" in it.email_text
    assert "Annulla l'iscrizione:" in it.email_text


def test_incomplete_edition_marks_fallback_text_with_its_language(project, config):
    partial_english(project)
    _issue, (en,), _skipped = render_issue(config, "2023-12", ("en",), allow_incomplete=True)
    assert '<h3 id="luci-d-artista"' in en.email_html
    assert re.search(r'<div lang="it"[^>]*>\s*<h3 id="mentor-2-tirocinanti"', en.email_html)
    assert re.search(r'<div>\s*<h3 id="luci-d-artista"', en.email_html)  # translated: no lang
    assert "Delegations received from November 1st to 30th" in en.email_html


def test_web_page_is_accessible_markup(it):
    html = it.web_html
    assert 'class="skip" href="#content"' in html
    assert '<main id="content"' in html
    assert 'href="issue.pdf"' in html
    assert "<h1" in html
    assert 'href="../en/" hreflang="en"' in html  # the English edition exists (with fallbacks)


def test_image_needs_alt_everywhere():
    facts = gates.html_facts('<html lang="it"><img src="a.jpg"><img src="b.jpg" alt="x"></html>')
    assert facts.images_without_alt == 1


def test_remote_resource_is_caught():
    html = ('<html lang="it"><head><link rel="stylesheet" href="https://cdn.example.org/x.css">'
            '<style>@import url("https://fonts.example.org/f.css");</style></head>'
            '<body><img src="https://tracker.example.org/p.gif" alt=""></body></html>')
    problems = gates.check_email_html(html, "it", [], "https://www.comune.torino.it/relint/wip")
    assert len([p for p in problems if "loads a resource" in p]) == 3


def test_oversized_email_fails_the_gate():
    html = '<html lang="it">' + "x" * (103 * 1024) + "</html>"
    problems = gates.check_email_html(html, "it", [], "https://a.example.org")
    assert any("Gmail clips emails over 102 KB" in p for p in problems)


def test_mjml_compiles_in_process_without_remote_fonts(sample_config, sample):
    view = edition_view(sample[0].editions["it"], sample_config, "absolute")
    html = render_email(view, sample_config.templates_dir)
    assert html == sample[1]["it"].email_html  # rendering is deterministic
    assert "googleapis" not in compile_mjml("<mjml><mj-body><mj-text>x</mj-text></mj-body></mjml>")


# -- PDF ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf(it):
    return PdfReader(__import__("io").BytesIO(it.pdf))


@needs_pdftotext
def test_pdf_text_has_every_title(it, titles, tmp_path):
    path = tmp_path / "issue.pdf"
    path.write_bytes(it.pdf)
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for title in titles:
        assert title in flat
    assert "Work in Progress" in text and "Dicembre 2023" in text
    assert "Pagina 1 di" in text
    assert "international.affairs@comune.torino.it" in text


def test_pdf_metadata_language_and_tags(pdf):
    assert pdf.metadata.title == "Work in Progress – Dicembre 2023"
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "it"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # PDF/UA-1 identification


def test_pdf_is_a4_with_page_numbers(pdf):
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert len(pdf.pages) >= 3


def test_pdf_fonts_are_embedded_titillium(pdf):
    fonts = set()
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts <= {"Titillium-Web", "Titillium-Web-Bold", "Titillium-Web-Semi-Bold"}


def test_pdf_outline_has_sections_and_items(pdf, titles):
    outline = pdf.outline
    top = [entry.title for entry in outline if not isinstance(entry, list)]
    assert top[:4] == ["Top News dicembre 2023", "Notizie dai Consolati", "Approfondimenti",
                       "Delegazioni ricevute dal 1° al 30 novembre"]
    items = [entry.title for entry in outline[1]]
    assert items == titles


def test_pdf_links_are_clickable(pdf):
    uris = {annot.get_object()["/A"]["/URI"] for page in pdf.pages
            for annot in page.get("/Annots", []) if "/A" in annot.get_object()}
    assert "https://trialsnet.eu/open-call/" in uris
    assert "mailto:international.affairs@comune.torino.it" in uris
