"""Lengths beyond which a text works against its reader: warnings with the
limit in the message, for the titles (a heading in the email, a bookmark
in the PDF, the subject for the issue's title) and the preheader (mail
programs show its first 40 to 100 characters after the subject)."""

from __future__ import annotations

from newsletter.content.located import LocatedData, dotted
from newsletter.core.errors import Problem
from newsletter.core.i18n import _

TITLE_LIMIT = 120
PREHEADER_LIMIT = 100
SECTIONS = ("top_news", "consulates")


def length_warnings(located: LocatedData, display: str) -> list[Problem]:
    """The titles and the preheader of one source file that are too long."""
    data = located.data if isinstance(located.data, dict) else {}
    found = []
    for where in _titles(data):
        text, limit = _value(data, where), TITLE_LIMIT
        if isinstance(text, str) and (length := len(text.strip())) > limit:
            found.append(Problem(display, located.line_of(where), dotted(where, data), _(
                "the title is {length} characters long; keep it within {limit}, or it crowds "
                "the email's headings and the PDF's bookmarks").format(length=length,
                                                                        limit=limit)))
    preheader, limit = data.get("preheader"), PREHEADER_LIMIT
    if isinstance(preheader, str) and (length := len(preheader.strip())) > limit:
        found.append(Problem(display, located.line_of(("preheader",)), "preheader", _(
            "the preheader is {length} characters long; keep it within {limit}: mail "
            "programs show only its beginning after the subject").format(length=length,
                                                                          limit=limit)))
    return found


def _titles(data: dict) -> list[tuple]:
    titles: list[tuple] = [("title",)]
    for section in SECTIONS:
        entries = data.get(section)
        if isinstance(entries, list):
            titles += [(section, i, "title") for i in range(len(entries))]
    return titles


def _value(data, where: tuple):
    for part in where:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data
