"""The printable bulletin: HTML laid out by WeasyPrint as a tagged A4 PDF
(PDF/UA-1) with the bundled font embedded, bookmarks per section and item,
page numbers and clickable links. Nothing is fetched from the network."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
import weasyprint.urls
from markupsafe import Markup

from newsletter.render.context import EditionView
from newsletter.render.templating import css_string, environment


class RemoteResource(Exception):
    """The PDF tried to load something that is not a local file."""


def render_pdf_html(view: EditionView, templates_dir: Path) -> str:
    fonts = templates_dir / "fonts"
    return environment(templates_dir).get_template("pdf/issue.html.j2").render(
        e=view,
        font_url=lambda name: (fonts / name).as_uri(),
        page_counter=_page_counter(view.labels["page"]),
    )


def render_pdf(view: EditionView, templates_dir: Path, allowed: tuple[Path, ...] = ()) -> bytes:
    """The PDF of one edition. ``allowed`` folders (the issue's) may be read
    besides the templates; any other URL fails the build."""
    fetcher = _LocalFetcher((templates_dir, *allowed))
    html = weasyprint.HTML(string=render_pdf_html(view, templates_dir),
                           base_url=str(templates_dir), url_fetcher=fetcher)
    with _quiet_weasyprint():
        pdf = html.write_pdf(pdf_variant="pdf/ua-1")
    if fetcher.refused:
        raise RemoteResource(f"the PDF refers to resources that are not local: {fetcher.refused}")
    return pdf


def _page_counter(label: str) -> Markup:
    """"Pagina {page} di {pages}" → CSS content with page counters."""
    before, _, rest = label.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    parts = [css_string(before), "counter(page)", css_string(middle), "counter(pages)"]
    if after:
        parts.append(css_string(after))
    return Markup(" ".join(parts))


class _LocalFetcher(weasyprint.urls.URLFetcher):
    """Fetch file:// URLs inside the allowed folders and data: URLs only."""

    def __init__(self, folders: tuple[Path, ...]):
        super().__init__(allowed_protocols=("file", "data"))
        self.folders = tuple(folder.resolve() for folder in folders)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:") or (url.startswith("file://") and self._inside(url)):
            return super().fetch(url, headers)
        self.refused.append(url)
        raise RemoteResource(url)

    def _inside(self, url: str) -> bool:
        path = Path(unquote(urlsplit(url).path)).resolve()
        return any(path.is_relative_to(folder) for folder in self.folders)


class _quiet_weasyprint:
    """WeasyPrint logs every refused URL and unsupported CSS property as a
    warning; we report refusals ourselves, so keep its log for errors."""

    def __init__(self):
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level

    def __enter__(self):
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
