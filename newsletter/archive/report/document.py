"""The report as one view (sections, entries, figures, charts) and its two
HTML renderings: the A4 PDF laid out by WeasyPrint (tagged PDF/UA-1, with
contents, page numbers and bookmarks) and the self-contained web page of the
online archive. Nothing is fetched from the network."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import weasyprint
from babel.dates import get_month_names
from markupsafe import Markup

from newsletter.archive.report import charts, worldmap
from newsletter.archive.report.figures import Figures, Tagged
from newsletter.archive.report.texts import OfficeTexts, delegations_sentence, words
from newsletter.content.dates import format_when
from newsletter.content.markdown import to_html
from newsletter.content.places import country_name
from newsletter.render.pdf import RemoteResource, _LocalFetcher, _quiet_weasyprint
from newsletter.render.templating import environment
from newsletter.render.web import _data_url

if TYPE_CHECKING:
    from newsletter.content.yearly import Entry

PDF_TEMPLATE = "report/report.html.j2"
PAGE_TEMPLATE = "report/page.html.j2"
PDF_TEXT_WIDTH = 640  # CSS px: A4 (210 mm) less the 20 mm margins is 642 px


@dataclass(frozen=True)
class EntryView:
    """An entry as the report prints it: the date as the editions write it."""

    id: str
    title: str
    date: str
    destination: str
    body: Markup
    body_source: str
    lang: str | None  # set when the text is not in the report's language


@dataclass(frozen=True)
class Group:
    """A heading and its entries: a month of events, a network, a project."""

    heading: str
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class Section:
    id: str
    heading: str


@dataclass(frozen=True)
class Charts:
    activity: Markup
    by_country: Markup
    world: Markup


@dataclass(frozen=True)
class ReportView:
    lang: str
    year: int
    title: str
    subtitle: str
    office_name: tuple[str, ...]
    words: dict[str, str]
    texts: OfficeTexts
    figures: Figures
    sentence: str
    highlights: tuple[EntryView, ...]
    missions: tuple[EntryView, ...]
    events: tuple[Group, ...]
    networks: tuple[Group, ...]
    projects: tuple[Group, ...]
    months: tuple[str, ...]  # the twelve month names, capitalised
    charts: Charts
    world: tuple[tuple[str, str], ...]  # the map as words: (country, what it is shaded for)
    sections: tuple[Section, ...]


def report_view(figures: Figures, texts: OfficeTexts, lang: str, office_name: tuple[str, ...]
                ) -> ReportView:
    """Everything the three outputs print, in the report's language."""
    said = words(lang)
    months = tuple(get_month_names("wide", locale=lang)[m].capitalize() for m in range(1, 13))
    entry = _entry_view(figures.year, lang)
    view = dict(
        lang=lang, year=figures.year, title=texts.title, subtitle=texts.subtitle,
        office_name=office_name, words=said, texts=texts, figures=figures,
        sentence=delegations_sentence(lang, figures.delegations, figures.countries),
        highlights=tuple(map(entry, figures.highlights)),
        missions=tuple(map(entry, figures.missions)),
        events=tuple(Group(months[m], tuple(map(entry, found)))
                     for m, found in enumerate(figures.events_by_month) if found),
        networks=tuple(_group(t, entry) for t in figures.networks),
        projects=tuple(_group(t, entry) for t in figures.projects),
        months=months,
        charts=_charts(figures, lang),
        world=tuple((country_name(code, lang), said[f"legend_{category}"])
                    for code, category in _shaded(figures).items()),
    )
    return ReportView(**view, sections=_sections(view, texts, said))


def _entry_view(year: int, lang: str):
    # the dates read as in a mid-year issue: the year shows only outside ``year``
    middle = date(year, 6, 1)

    def view(entry: Entry) -> EntryView:
        places = ", ".join(filter(None, (
            ", ".join(filter(None, (p.city, country_name(p.country, lang)))) for p in entry.places)))
        return EntryView(
            id=entry.id, title=entry.title,
            date=format_when(entry.when, lang, middle) if entry.when else "",
            destination=places, body=Markup(to_html(entry.body)), body_source=entry.body,
            lang=entry.lang if entry.lang != lang else None)
    return view


def _group(tagged: Tagged, entry) -> Group:
    return Group(tagged.name, tuple(map(entry, tagged.entries)))


def _sections(view: dict, texts: OfficeTexts, said: dict[str, str]) -> tuple[Section, ...]:
    """The report's parts, in order; a part with nothing to say is left out."""
    present = [
        ("introduction", texts.introduction is not None),
        ("overview", True),
        ("highlights", bool(view["highlights"])),
        ("missions", bool(view["missions"])),
        ("delegations", view["figures"].delegations > 0),
        ("events", bool(view["events"])),
        ("networks", bool(view["networks"] or view["projects"])),
    ]
    sections = [Section(key, said[key]) for key, shown in present if shown]
    sections += [Section(f"focus-{n}", focus.title) for n, focus in enumerate(texts.focus, 1)]
    return tuple(sections)


def _charts(figures: Figures, lang: str) -> Charts:
    said = words(lang)
    shaded = _shaded(figures)
    return Charts(
        activity=Markup(charts.column_chart(
            list(zip(get_month_names("abbreviated", locale=lang).values(), figures.activity_by_month,
                     strict=True)),
            title=said["activity"], description=said["activity_description"])),
        by_country=Markup(charts.bar_chart(
            [(row.name, row.count) for row in figures.delegations_by_country],
            title=said["by_country"], description=said["by_country_description"])),
        world=Markup(worldmap.world_map(
            shaded, {code: country_name(code, lang) for code in shaded},
            title=said["map"], description=said["map_description"],
            legend={c: said[f"legend_{c}"] for c in ("delegation", "mission", "both")})),
    )


def _shaded(figures: Figures) -> dict[str, str]:
    received = {row.code for row in figures.delegations_by_country if row.code}
    visited = set(figures.mission_countries)
    return {code: "both" if code in received and code in visited
            else "delegation" if code in received else "mission"
            for code in sorted(received | visited)}


def render_html(view: ReportView, templates_dir: Path, *, web: bool) -> str:
    """The PDF's HTML (fonts as files) or the web page (fonts inline)."""
    fonts = templates_dir / "fonts"
    if web:
        return environment(templates_dir).get_template(PAGE_TEMPLATE).render(
            r=view, font_url=lambda name: _data_url(fonts / name), fit=lambda svg: svg)
    return environment(templates_dir).get_template(PDF_TEMPLATE).render(
        r=view, font_url=lambda name: (fonts / name).as_uri(), fit=_fitted)


_SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)" height="([\d.]+)"')
_SVG_STYLE = re.compile(r'(<svg\b[^>]*?)\sstyle="[^"]*"')


def _fitted(svg: Markup | str) -> Markup:
    """The chart at a fixed size within the A4 text width: WeasyPrint 70
    lays out an inline SVG with ``height: auto`` as a square, ignoring its
    viewBox, so the PDF states both sides."""
    svg = str(svg)  # re on Markup would escape the replacement
    size = _SVG_SIZE.search(svg)
    if size is None:
        return Markup(svg)
    width, height = float(size.group(1)), float(size.group(2))
    scale = min(1.0, PDF_TEXT_WIDTH / width)
    return Markup(_SVG_STYLE.sub(
        rf'\1 style="width: {width * scale:.1f}px; height: {height * scale:.1f}px"', svg, count=1))


def render_pdf(view: ReportView, templates_dir: Path) -> bytes:
    """The tagged A4 PDF; only the templates folder may be read."""
    fetcher = _LocalFetcher((templates_dir,))
    html = weasyprint.HTML(string=render_html(view, templates_dir, web=False),
                           base_url=str(templates_dir), url_fetcher=fetcher)
    with _quiet_weasyprint():
        pdf = html.write_pdf(pdf_variant="pdf/ua-1")
    if fetcher.refused:
        raise RemoteResource(f"the report refers to resources that are not local: {fetcher.refused}")
    return pdf
