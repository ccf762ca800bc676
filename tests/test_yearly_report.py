"""``newsletter report YYYY``: the yearly report compiled from a generated
year of twelve issues (tests/year_factory.py) and the December sample.
One full build (PDF, DOCX, web page) per module; the rest reads its files."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import docx
import pypdf
import pytest
from click.testing import CliRunner

from newsletter.archive.report import figures
from newsletter.archive.report.build import OUTPUT_FILES, report
from newsletter.archive.report.document import render_html
from newsletter.archive.report.texts import delegations_sentence, read_texts
from newsletter.cli import cli
from newsletter.content.places import country_name
from newsletter.content.yearly import compile_year
from newsletter.core.config import load_config

from .conftest import MINIMAL, make_project, write_issue
from .year_factory import make_year


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(project), *args], catch_exceptions=False)


def squeezed(text: str) -> str:
    return " ".join(text.split())


class Headings(HTMLParser):
    """The text of every heading of a page, with its level."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[int, str]] = []
        self._level: int | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._level, self._text = int(tag[1]), ""

    def handle_data(self, data):
        if self._level is not None:
            self._text += data

    def handle_endtag(self, tag):
        if self._level is not None and tag == f"h{self._level}":
            self.found.append((self._level, squeezed(self._text)))
            self._level = None


# -- the generated year, built once ----------------------------------------

@pytest.fixture(scope="module")
def year(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("year"))
    expected = make_year(project)
    return project, expected


@pytest.fixture(scope="module")
def built(year, tmp_path_factory):
    project, _ = year
    out = tmp_path_factory.mktemp("report")
    result = run(project, "report", "2024", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    out, _ = built
    return squeezed(subprocess.run(["pdftotext", str(out / "it" / "report.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def web(built) -> str:
    return (built[0] / "it" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_writes_three_files_per_language(built):
    out, output = built
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(
        f"{lang}/{name}" for lang in ("en", "it") for name in OUTPUT_FILES)
    assert f"built {out / 'it'}/ (report.pdf, report.docx, index.html)" in output


@pytest.fixture(scope="module")
def highlighted(year) -> list[str]:
    """The titles of the items the factory marked ``highlight``."""
    project, expected = year
    entries = compile_year(load_config(project, {}), 2024, "it").entries
    return [e.title for e in entries if e.id in expected["highlights"] and e.highlight]


@pytest.mark.slow
def test_pdf_has_every_highlight_and_the_computed_sentence(year, highlighted, pdf_text):
    _, expected = year
    assert len(highlighted) == len(expected["highlights"])
    for title in highlighted:
        assert squeezed(title) in pdf_text
    sentence = delegations_sentence("it", expected["delegations"], expected["countries"])
    assert sentence == f"{expected['delegations']} delegazioni straniere provenienti da " \
                       f"{expected['countries']} Paesi"
    assert sentence in pdf_text


@pytest.mark.slow
def test_pdf_is_tagged_with_bookmarks_per_part(built, web):
    reader = pypdf.PdfReader(built[0] / "it" / "report.pdf")
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "it"
    bookmarks = [b.title for b in reader.outline if not isinstance(b, list)]
    assert bookmarks == [text for level, text in Headings(web).found if level == 2]


@pytest.mark.slow
def test_docx_has_the_same_parts_as_the_web_page(built, web):
    document = docx.Document(str(built[0] / "it" / "report.docx"))
    parts = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert parts == [text for level, text in Headings(web).found if level == 2]
    assert "In primo piano" in parts and "Delegazioni ricevute" in parts
    assert len(document.tables) >= 2
    assert document.core_properties.language == "it-IT"


@pytest.mark.slow
def test_web_page_is_self_contained_with_three_charts(web):
    assert web.count("<svg") == 3
    assert "<script" not in web
    assert re.search(r"""(src|href)=["']https?:""", web) is None or "report.pdf" in web
    assert '<html lang="it"' in web


@pytest.mark.slow
def test_charts_and_tables_print_the_expected_numbers(year, web):
    _, expected = year
    svgs = re.findall(r"<svg.*?</svg>", web, re.S)
    by_country = next(s for s in svgs if "Delegazioni per Paese" in s)
    shown = dict(re.findall(r"<g><title>([^<:]+): (\d+)</title>", by_country))
    assert shown == {country_name(code, "it"): str(count)
                     for code, count in expected["delegations_by_country"].items()}
    months = re.search(r"Delegazioni per mese.*?</table>", web, re.S).group()
    counts = [int(n) for n in re.findall(r'<td class="n">(\d+)</td>', months)]
    assert counts == [*expected["delegations_by_month"].values(), expected["delegations"]]
    world = next(s for s in svgs if "data-country" in s)
    shaded = set(re.findall(r'data-country="(\w\w)" data-category', world))
    assert set(expected["delegations_by_country"]) <= shaded


@pytest.mark.slow
def test_the_december_sample_makes_a_report(year, tmp_path):
    project, _ = year
    result = run(project, "report", "2023", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "it" / "report.pdf").read_bytes().startswith(b"%PDF-")


# -- figures and texts, without PDFs ---------------------------------------

def test_figures_match_the_generated_year(year):
    project, expected = year
    computed = figures.compute(compile_year(load_config(project, {}), 2024, "it"))
    assert computed.delegations == expected["delegations"]
    assert computed.countries == expected["countries"]
    assert {row.code: row.count for row in computed.delegations_by_country} == \
        expected["delegations_by_country"]
    assert list(computed.delegations_by_month) == list(expected["delegations_by_month"].values())
    assert {e.id for e in computed.highlights} == set(expected["highlights"])
    days = [e.start for e in computed.highlights]
    assert days == sorted(days)
    assert sum(computed.activity_by_month) == len(compile_year(load_config(project, {}), 2024,
                                                               "it").entries)
    assert all(e.kind == "mission" for e in computed.missions)


def test_the_office_texts_choose_and_order_the_report(year):
    project, _ = year
    folder = project / "issues" / "report-2024"
    (folder / "focus").mkdir(parents=True, exist_ok=True)
    config = load_config(project, {})
    entries = compile_year(config, 2024, "it").entries
    first, second = entries[0], entries[1]
    (folder / "report.yaml").write_text(
        f"title: Torino nel mondo\nhighlights: [{second.id}, {first.id}]\n", encoding="utf-8")
    (folder / "introduction.it.md").write_text(
        "Un anno *intenso*.\n\n--\nStefano Lo Russo,\nSindaco della Città di Torino\n",
        encoding="utf-8")
    (folder / "focus" / "01-casa.it.md").write_text("# La casa\n\nUn tema **europeo**.\n",
                                                    encoding="utf-8")
    try:
        texts = read_texts(config.issues_dir, 2024, "it")
        assert texts.introduction.signature == ("Stefano Lo Russo,", "Sindaco della Città di Torino")
        view = report(config, 2024, "it")
        assert [e.title for e in view.highlights] == [second.title, first.title]
        page = render_html(view, config.templates_dir, web=True)
        headings = [text for _, text in Headings(page).found]
        assert "Torino nel mondo" in headings and "Introduzione" in headings
        assert headings.index("La casa") > headings.index("Introduzione")
        assert "<em>intenso</em>" in page and "<strong>europeo</strong>" in page
    finally:
        shutil.rmtree(folder)


def test_default_title_without_a_report_folder(year):
    project, _ = year
    assert read_texts(project / "issues", 2024, "it").title == "Relazioni internazionali – Rapporto 2024"
    assert read_texts(project / "issues", 2024, "en").title == "International relations – 2024 report"


# -- the command's errors and checks ---------------------------------------

def test_a_year_without_issues_is_an_error(project):
    result = run(project, "report", "2019")
    assert result.exit_code == 1
    assert "no issue of 2019 in issues/: nothing to report" in result.output


def test_a_language_missing_some_month_is_skipped_with_the_months(project):
    write_issue(project, {"it.yaml": MINIMAL})
    out = project / "report"
    result = run(project, "report", "2024", "--lang", "en", "--out", str(out))
    assert result.exit_code == 3, result.output
    assert "skipped en: the edition of 2024-03 is missing or incomplete" in result.output
    assert not out.exists()


def test_check_lists_an_item_without_kind_with_file_and_line(project):
    write_issue(project, {"it.yaml": MINIMAL})
    result = run(project, "report", "2024", "--check")
    assert result.exit_code == 1, result.output
    assert re.search(r"issues/2024-03/it\.yaml:\d+: .*kind", result.output), result.output
