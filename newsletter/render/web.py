"""The web page of an edition: one self-contained HTML file beside its PDF,
with the CSS and the bundled font inline (as data: URLs)."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from newsletter.render.context import EditionView
from newsletter.render.templating import environment


def render_web(view: EditionView, templates_dir: Path) -> str:
    fonts = templates_dir / "fonts"
    return environment(templates_dir).get_template("web/issue.html.j2").render(
        e=view, font_url=lambda name: _data_url(fonts / name)
    )


@cache
def _data_url(path: Path) -> str:
    return "data:font/woff2;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
