"""The plain-text alternative, written from the content model (not converted
from the HTML): wrapped at 72 columns, links cited as numbered references
listed after the item that uses them, French text typeset (typography.py).

Headings keep their case: upper-casing them would write "DU 1ER AU 31
DÉCEMBRE" and "NOVEMBER 1ST", which no style guide accepts; the rules of
asterisks around them set them apart."""

from __future__ import annotations

import textwrap

from newsletter.content import markdown
from newsletter.content.dates import format_when
from newsletter.content.model import Edition, Item
from newsletter.core.config import Config
from newsletter.render.context import EditionView
from newsletter.render.typography import typeset

WIDTH = 72
RULE = "-" * WIDTH
DOUBLE_RULE = "*" * WIDTH  # not "=": it would become =3D in quoted-printable


def render_text(edition: Edition, view: EditionView, config: Config) -> str:
    """The email.txt of one edition."""
    writer = _Writer(edition.lang)
    writer.lines(view.title.upper(), view.month_title)
    writer.paragraph(view.curated_by)
    writer.paragraph(f"{view.labels['view_online']}: {view.web_url}")
    writer.heading(view.top_news_heading)
    for index, item in enumerate(edition.top_news):
        if index:
            writer.lines("", RULE)
        writer.item(item, edition)
    if edition.consulates:
        writer.heading(view.labels["consulates"])
        for item in edition.consulates:
            writer.item(item, edition)
    if edition.insights:
        writer.heading(view.labels["insights"])
        writer.body(edition.insights, view.insights_lang)
    if view.delegations_heading:
        writer.heading(view.delegations_heading)
        writer.lines("")
        for name, lang in view.delegations:
            writer.wrapped(name, "- ", "  ", lang)
    writer.lines("", RULE)
    writer.lines(*view.office_name, *view.office.address, view.office.email,
                 view.office.website.removeprefix("https://"))
    writer.lines("", RULE)
    writer.paragraph(view.labels["why"].format(title=view.title))
    writer.paragraph(f"{view.labels['unsubscribe']}: {view.unsubscribe_url}")
    return writer.text()


class _Writer:
    def __init__(self, lang: str):
        self.lang = lang  # the edition's; an item or a name may be in another
        self.out: list[str] = []
        self.references: list[str] = []

    def text(self) -> str:
        return "\n".join(self.out).strip("\n") + "\n"

    def lines(self, *lines: str) -> None:
        self.out.extend(lines)

    def paragraph(self, text: str) -> None:
        self.out.append("")
        self.wrapped(text)

    def wrapped(self, text: str, first: str = "", rest: str = "", lang: str | None = None) -> None:
        """Wrap ``text`` (in ``lang``, by default the edition's) at WIDTH.
        Words and addresses are never cut (a cut URL stops working): one
        longer than the line has a line of its own, after its bullet."""
        for n, line in enumerate(typeset(text, lang or self.lang).split("\n")):
            indent = first if n == 0 else rest
            lines = textwrap.wrap(line, WIDTH, initial_indent=indent, subsequent_indent=rest,
                                  break_long_words=False, break_on_hyphens=False) or [""]
            if len(lines[0]) > WIDTH and indent.strip():
                lines[:1] = [indent.rstrip(), rest + lines[0][len(indent):]]
            self.out.extend(lines)

    def heading(self, title: str) -> None:
        self.lines("", "", DOUBLE_RULE)
        self.wrapped(title)
        self.lines(DOUBLE_RULE)

    def item(self, item: Item, edition: Edition) -> None:
        date = format_when(item.when, edition.lang, edition.month) if item.when else None
        if item.title or date:
            self.out.append("")
        if item.title:
            self.wrapped(item.title, lang=item.lang)
        if date:
            self.wrapped(date)
        self.body(item.body, item.lang)

    def body(self, source: str, lang: str | None = None) -> None:
        first_reference = len(self.references)
        for block in markdown.to_text_blocks(source, self.references):
            self.out.append("")
            self.wrapped(block.text, f"{block.bullet} " if block.bullet else "",
                         " " * (len(block.bullet) + 1) if block.bullet else "", lang)
        if len(self.references) > first_reference:
            self.out.append("")
            for number in range(first_reference, len(self.references)):
                self.wrapped(self.references[number], f"[{number + 1}] ", "    ")
