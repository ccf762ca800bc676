"""The one Jinja environment: templates from the project's ``templates/``
folder, StrictUndefined so a missing variable fails the build instead of
sending a blank, autoescaping everywhere but plain text. HTML templates wrap
their page in ``{% filter typeset_html %}`` for French typography."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from newsletter.render.typography import typeset_html


def css_string(value: str) -> Markup:
    """A quoted CSS string (JSON's escaping is valid CSS for our text)."""
    return Markup(json.dumps(str(value), ensure_ascii=False).replace("<", "\\3C "))


@cache
def environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        autoescape=lambda name: not (name or "").endswith(".txt"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    env.filters["typeset_html"] = lambda page: Markup(typeset_html(str(page)))
    return env
