"""A page of the old site as its server sent it (HTML), turned into the text
a browser shows, the shape the importer reads: headings and paragraphs on
lines of their own, each list item a bulleted line ("  • ") with its further
paragraphs indented below it. Each line keeps the line of the HTML source
where its text starts, so that messages point into the file the editor has.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer",
           "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p",
           "section", "table", "tr", "ul", "li"}
_HIDDEN = {"head", "script", "style", "template", "noscript"}
_MARKUP = re.compile(r"<\s*(?:!doctype|html|body|p|li|ul|div|h[1-6])\b", re.I)
_LANG = re.compile(r"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_MARKUP.search(text[:20_000]))


def declared_language(text: str) -> str:
    """The two-letter language of ``<html lang="…">``, or ""."""
    found = _LANG.search(text[:5_000])
    return found[1].lower() if found else ""


def html_lines(text: str) -> list[tuple[int, str]]:
    """(source line, text line) for every line the page shows."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    reader.flush()
    return reader.lines


class _Reader(HTMLParser):
    """Blocks become lines. The first line of a list item gets the bullet; the
    lines after the first one of any block (its further paragraphs, what
    follows a <br>) are indented under it, as a browser's text shows them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.words: list[str] = []
        self.start_line = 0
        self.open: list[list] = []  # [tag, has its first line] of each open block
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.flush()
        elif tag in _BLOCKS:
            self.flush()
            self.open.append([tag, False])

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.flush()

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.flush()
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if self.hidden:
            return
        if not "".join(self.words).strip():
            self.start_line = self.getpos()[0] + data[:len(data) - len(data.lstrip())].count("\n")
        self.words.append(re.sub(r"\s+", " ", data))

    def flush(self):
        text = "".join(self.words).strip()
        self.words = []
        if not text:
            return
        item = next((block for block in reversed(self.open) if block[0] == "li"), None)
        if item is not None and not item[1]:
            prefix = "  • "
            item[1] = True
        else:
            prefix = "    " if any(started for _, started in self.open) else ""
        self.lines.append((self.start_line, prefix + text))
        if self.open:
            self.open[-1][1] = True
