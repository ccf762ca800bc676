"""``report.docx``: the report's text for the office to finish in its word
processor. Parts are Heading 1 and sub-parts Heading 2 (so the word
processor's table of contents works), entries Heading 3; the figures are
tables of numbers, the charts too (a word processor edits a table, not a
drawing)."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from newsletter.archive.report.document import EntryView, Group, ReportView
from newsletter.content.markdown import to_text_blocks

LANGUAGE_TAGS = {"it": "it-IT", "en": "en-GB", "fr": "fr-FR"}


def render_docx(view: ReportView) -> bytes:
    document = Document()
    _set_language(document, view.lang)
    document.core_properties.title = view.title
    document.core_properties.language = LANGUAGE_TAGS.get(view.lang, view.lang)
    document.core_properties.author = " – ".join(view.office_name)
    _cover(document, view)
    document.add_heading(view.words["contents"], level=1)
    _table_of_contents(document)
    for section in view.sections:
        document.add_page_break()
        document.add_heading(section.heading, level=1)
        _PARTS.get(section.id, _focus)(document, view, section.id)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_language(document, lang: str) -> None:
    """The language of every run, in the document defaults (w:docDefaults),
    so spelling and hyphenation follow the report's language."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_defaults.append(language)
    language.set(qn("w:val"), LANGUAGE_TAGS.get(lang, lang))


def _cover(document, view: ReportView) -> None:
    for line in view.office_name:
        document.add_paragraph(line)
    document.add_paragraph(view.title, style="Title")
    if view.subtitle:
        document.add_paragraph(view.subtitle, style="Subtitle")
    document.add_paragraph(str(view.year), style="Subtitle")


def _table_of_contents(document) -> None:
    """A TOC field: the word processor fills it in (Update field / F9)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), 'TOC \\o "1-2" \\h \\z \\u')
    document.add_paragraph()._p.append(field)


def _markdown(document, source: str) -> None:
    references: list[str] = []
    for block in to_text_blocks(source, references):
        document.add_paragraph(block.text, style="List Bullet" if block.bullet else None)
    for number, target in enumerate(references, 1):
        document.add_paragraph(f"[{number}] {target}").runs[0].font.size = Pt(9)


def _entry(document, item: EntryView, level: int, with_destination: bool = False) -> None:
    document.add_heading(item.title, level=level)
    when = " · ".join(filter(None, (item.date, item.destination if with_destination else "")))
    if when:
        document.add_paragraph(when).runs[0].bold = True
    _markdown(document, item.body_source)


def _table(document, heading: tuple[str, str], rows: list[tuple[str, int | str]],
           total: tuple[str, int] | None = None) -> None:
    table = document.add_table(rows=1, cols=2)
    table.style = "Light List Accent 1"
    for cell, text in zip(table.rows[0].cells, heading, strict=True):
        cell.text = text
    for label, count in [*rows, *([total] if total else [])]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, str(count)
    document.add_paragraph()


def _introduction(document, view: ReportView, _id: str) -> None:
    introduction = view.texts.introduction
    _markdown(document, introduction.body.source)
    if introduction.signature:
        signature = document.add_paragraph("\n".join(introduction.signature))
        signature.alignment = 2  # right


def _overview(document, view: ReportView, _id: str) -> None:
    said = view.words
    document.add_paragraph(f"{view.sentence}.")
    document.add_heading(said["activity"], level=2)
    _table(document, (said["month"], said["count"]),
           list(zip(view.months, view.figures.activity_by_month, strict=True)))
    document.add_heading(said["map"], level=2)
    _table(document, (said["country"], ""), list(view.world))


def _highlights(document, view: ReportView, _id: str) -> None:
    for item in view.highlights:
        _entry(document, item, level=2)


def _missions(document, view: ReportView, _id: str) -> None:
    for item in view.missions:
        _entry(document, item, level=2, with_destination=True)


def _delegations(document, view: ReportView, _id: str) -> None:
    said, figures = view.words, view.figures
    document.add_paragraph(f"{view.sentence}.")
    document.add_heading(said["by_month"], level=2)
    _table(document, (said["month"], said["count"]),
           list(zip(view.months, figures.delegations_by_month, strict=True)),
           total=(said["total"], figures.delegations))
    document.add_heading(said["by_country"], level=2)
    _table(document, (said["country"], said["count"]),
           [(row.name, row.count) for row in figures.delegations_by_country])


def _events(document, view: ReportView, _id: str) -> None:
    for group in view.events:
        document.add_heading(group.heading, level=2)
        for item in group.entries:
            _entry(document, item, level=3)


def _mentions(document, group: Group) -> None:
    document.add_heading(group.heading, level=2)
    for item in group.entries:
        document.add_paragraph(" – ".join(filter(None, (item.date, item.title))), style="List Bullet")


def _networks(document, view: ReportView, _id: str) -> None:
    for group in (*view.networks, *view.projects):
        _mentions(document, group)


def _focus(document, view: ReportView, section_id: str) -> None:
    _markdown(document, view.texts.focus[int(section_id.removeprefix("focus-")) - 1].body.source)


_PARTS = {"introduction": _introduction, "overview": _overview, "highlights": _highlights,
          "missions": _missions, "delegations": _delegations, "events": _events,
          "networks": _networks}
