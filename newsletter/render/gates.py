"""Quality gates every rendered edition must pass before anything is
written: Gmail's size limit, no remote resources, language set, alt text,
sanitized markup, absolute links, every Top News title in every output."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from pypdf import PdfReader

from newsletter.core.i18n import _, ngettext

GMAIL_CLIP_BYTES = 102 * 1024
TEXT_WIDTH = 72
_URL_IN_CSS = re.compile(r"""url\(\s*['"]?\s*([^'")\s]+)""", re.IGNORECASE)
_IMPORT_IN_CSS = re.compile(r"""@import\s+['"]([^'"]+)""", re.IGNORECASE)  # url() form: above
_REMOTE = ("http://", "https://", "//")
_RESOURCE_RELS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest",
                  "apple-touch-icon"}


@dataclass
class HtmlFacts:
    """What a gate needs to know about an HTML document, gathered in one pass."""

    html_lang: str | None = None
    text: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    images_without_alt: int = 0
    scripts: int = 0
    handlers: list[str] = field(default_factory=list)

    @property
    def visible_text(self) -> str:
        return _squash(" ".join(self.text))


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.facts = HtmlFacts()
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        facts = self.facts
        if tag == "html":
            facts.html_lang = attr.get("lang")
        facts.handlers += [f"<{tag} {name}>" for name, _value in attrs if name.startswith("on")]
        if tag == "script":
            facts.scripts += 1
        if tag == "img" and not attr.get("alt", "").strip():
            facts.images_without_alt += 1
        if tag == "a" and attr.get("href") is not None:
            facts.links.append(attr["href"])
        for name in ("src", "srcset", "background", "poster", "data"):
            if attr.get(name):
                facts.resources.append(attr[name])
        if tag == "link" and _RESOURCE_RELS & set((attr.get("rel") or "").lower().split()):
            facts.resources.append(attr.get("href", ""))
        facts.resources += _URL_IN_CSS.findall(attr.get("style") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.facts.resources += _URL_IN_CSS.findall(data) + _IMPORT_IN_CSS.findall(data)
        else:
            self.facts.text.append(data)


def html_facts(html: str) -> HtmlFacts:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.facts


def pdf_text(pdf: bytes) -> str:
    return _squash(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def check_email_html(html: str, lang: str, titles: list[str], own_url: str) -> list[str]:
    facts = html_facts(html)
    problems = _common_html(facts, lang, titles)
    size = len(html.encode("utf-8"))
    if size >= GMAIL_CLIP_BYTES:
        problems.append(_("is {size} KB: Gmail clips emails over 102 KB; shorten the issue or "
                          "move items to the web page").format(size=f"{size / 1024:.0f}"))
    for href in facts.links:
        if not href.startswith(("https://", "http://", "mailto:", "tel:")):
            problems.append(_("has a link that is not absolute: {href!r}").format(href=href))
    for url in facts.resources:
        if not url.startswith(own_url + "/") and not url.startswith("data:"):
            problems.append(_("loads a resource from outside {site}: {url!r}").format(
                site=own_url, url=url))
    return problems


def check_web_html(html: str, lang: str, titles: list[str]) -> list[str]:
    facts = html_facts(html)
    problems = _common_html(facts, lang, titles)
    for url in facts.resources:
        if url.startswith(_REMOTE):
            problems.append(_("loads a remote resource: {url!r}").format(url=url))
    return problems


def _common_html(facts: HtmlFacts, lang: str, titles: list[str]) -> list[str]:
    problems = []
    if facts.html_lang != lang:
        problems.append(_('has <html lang="{found}">, expected "{lang}"').format(
            found=facts.html_lang, lang=lang))
    if count := facts.images_without_alt:
        problems.append(ngettext("has {count} image without alt text",
                                 "has {count} images without alt text", count).format(count=count))
    if facts.scripts:
        problems.append(_("contains a <script>"))
    if facts.handlers:
        problems.append(_("contains event handlers: {handlers}").format(
            handlers=", ".join(facts.handlers[:3])))
    problems += [_("has a javascript: link: {href!r}").format(href=href) for href in facts.links
                 if href.strip().lower().startswith(("javascript:", "vbscript:", "data:"))]
    return problems + _missing_titles(titles, facts.visible_text)


def _missing_titles(titles: list[str], text: str) -> list[str]:
    return [_("lacks the Top News title {title!r}").format(title=t) for t in titles
            if _squash(t) not in text]


def check_text(text: str, titles: list[str]) -> list[str]:
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > TEXT_WIDTH and " " in line.strip():
            problems.append(_("line {number} is {width} characters wide (at most {limit})")
                            .format(number=number, width=len(line), limit=TEXT_WIDTH))
    return problems + _missing_titles(titles, _squash(text))


def check_pdf(pdf: bytes, titles: list[str]) -> list[str]:
    return _missing_titles(titles, pdf_text(pdf))
