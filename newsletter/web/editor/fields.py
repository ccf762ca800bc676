"""Where a problem that `check` finds is shown: next to the field it
concerns, on the form that edits it.

`check` names a field by its path in the source (``top_news[luci-d-artista]
.date.to``, ``delegations.received[lione].country``, ``preheader``); these
functions turn that path into the form and the field, and pick out the
problems of one form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from flask import url_for

from newsletter.core.errors import Problem

SECTIONS = ("top_news", "consulates", "delegations")
_ENTRY = re.compile(r"^(top_news|consulates|delegations\.received)\[([^\]]+)\](?:\.(.+))?$")


@dataclass(frozen=True)
class Place:
    lang: str  # the edition's file the problem is in
    section: str | None  # top_news, consulates, delegations; None: the issue's own fields
    item: str | None  # the item's id (None for an entry without an id: "#3")
    field: str  # title, date, body, image.alt, …; "" for the whole file or item


def place(problem: Problem) -> Place:
    lang = PurePath(str(problem.file)).stem
    match = _ENTRY.match(problem.field or "")
    if not match:
        return Place(lang, None, None, (problem.field or "").split(".")[0])
    section = match.group(1).split(".")[0]
    item = match.group(2)
    return Place(lang, section, None if item.startswith("#") else item, match.group(3) or "")


def problem_link(month: str, problem: Problem, primary: str) -> str:
    """The form where the problem can be fixed, at the field."""
    where = place(problem)
    anchor = f"#field-{where.field.split('.')[0]}" if where.field else ""
    if where.lang != primary:
        target = url_for("editor.translate", month=month, lang=where.lang)
        return target + (f"#item-{where.section}-{where.item}" if where.item else "")
    if where.section and where.item:
        return url_for("editor.item", month=month, section=where.section,
                       item_id=where.item) + anchor
    return url_for("editor.metadata", month=month) + anchor


def problems_for(errors: list[Problem], warnings: list[Problem], lang: str,
                 section: str | None, item: str | None) -> dict[str, list[tuple[str, bool]]]:
    """The messages of one form, by field ("" for the form as a whole), each
    with whether it is an error (else a warning)."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for problem in [*errors, *warnings]:
        where = place(problem)
        if where.lang != lang or where.section != section or (item and where.item != item):
            continue
        if section and not item and where.item:
            continue
        key = where.field.split(".")[0] if where.field else ""
        found.setdefault(key, []).append((problem.message, problem in errors))
    return found
