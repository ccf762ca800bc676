"""Quality gates every rendered edition must pass before anything is
written: Gmail's size limit, no remote resources, language set, alt text,
sanitized markup, absolute links, every Top News title in every output."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from pypdf import PdfReader

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
        facts.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
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
        problems.append(f"is {size / 1024:.0f} KB: Gmail clips emails over 102 KB; "
                        "shorten the issue or move items to the web page")
    for href in facts.links:
        if not href.startswith(("https://", "http://", "mailto:", "tel:")):
            problems.append(f"has a link that is not absolute: {href!r}")
    for url in facts.resources:
        if not url.startswith(own_url + "/") and not url.startswith("data:"):
            problems.append(f"loads a resource from outside {own_url}: {url!r}")
    return problems


def check_web_html(html: str, lang: str, titles: list[str]) -> list[str]:
    facts = html_facts(html)
    problems = _common_html(facts, lang, titles)
    for url in facts.resources:
        if url.startswith(_REMOTE):
            problems.append(f"loads a remote resource: {url!r}")
    return problems


def _common_html(facts: HtmlFacts, lang: str, titles: list[str]) -> list[str]:
    problems = []
    if facts.html_lang != lang:
        problems.append(f'has <html lang="{facts.html_lang}">, expected "{lang}"')
    if facts.images_without_alt:
        problems.append(f"has {facts.images_without_alt} image(s) without alt text")
    if facts.scripts:
        problems.append("contains a <script>")
    if facts.handlers:
        problems.append(f"contains event handlers: {', '.join(facts.handlers[:3])}")
    problems += [f"has a javascript: link: {href!r}" for href in facts.links
                 if href.strip().lower().startswith(("javascript:", "vbscript:", "data:"))]
    visible = facts.visible_text
    problems += [f"lacks the Top News title {t!r}" for t in titles if _squash(t) not in visible]
    return problems


def check_text(text: str, titles: list[str]) -> list[str]:
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > TEXT_WIDTH and " " in line.strip():
            problems.append(f"line {number} is {len(line)} characters wide (at most {TEXT_WIDTH})")
    flat = _squash(text)
    problems += [f"lacks the Top News title {t!r}" for t in titles if _squash(t) not in flat]
    return problems


def check_pdf(pdf: bytes, titles: list[str]) -> list[str]:
    text = pdf_text(pdf)
    return [f"lacks the Top News title {t!r}" for t in titles if _squash(t) not in text]
