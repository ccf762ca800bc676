"""Item bodies: Markdown in, sanitized HTML or plain-text blocks out.

Links whose target is unknown in the source (``[text](#)``) become plain
text; bare e-mail addresses become ``mailto:`` links and bare ``www.``
addresses ``https://`` links. Raw HTML is never trusted: the HTML output goes
through an allow-list sanitizer (nh3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {"p", "a", "em", "strong", "ul", "ol", "li", "br", "code", "blockquote"}
ALLOWED_SCHEMES = ("https://", "http://", "mailto:", "tel:")


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class TextBlock:
    """A paragraph or list item of the plain-text rendering, to be wrapped."""

    text: str
    bullet: str = ""


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": True}).enable("linkify")


def _tokens(source: str) -> list[Token]:
    tokens = _parser().parse(source)
    for token in tokens:
        if token.children:
            token.children = _unlink_unknown(token.children)
    return tokens


def _unlink_unknown(children: list[Token]) -> list[Token]:
    """Drop the link markup around ``[text](#)`` and normalise bare links."""
    kept, skipping = [], []
    for token in children:
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            skipping.append(href in ("", "#"))
            if skipping[-1]:
                continue
            if token.markup == "linkify" and href.startswith("http://www."):
                token.attrSet("href", "https://" + href.removeprefix("http://"))
        elif token.type == "link_close" and skipping.pop():
            continue
        kept.append(token)
    return kept


def links(source: str) -> list[Link]:
    """Every link the editor wrote, including unknown ``(#)`` targets."""
    found = []
    for token in _parser().parse(source):
        for i, child in enumerate(token.children or ()):
            if child.type == "link_open":
                text = token.children[i + 1].content if i + 1 < len(token.children) else ""
                found.append(Link(text, str(child.attrGet("href") or "")))
    return found


def has_raw_html(source: str) -> bool:
    return any(
        t.type == "html_block" or any(c.type == "html_inline" for c in t.children or ())
        for t in _parser().parse(source)
    )


def to_html(source: str) -> str:
    """Sanitized HTML of a body: only the tags and URL schemes we allow."""
    html = _parser().renderer.render(_tokens(source), _parser().options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
    ).strip()


def to_text_blocks(source: str, references: list[str]) -> list[TextBlock]:
    """Plain-text paragraphs and list items; link targets are appended to
    ``references`` and cited as ``[n]`` (a link whose text is its own target
    is written as is)."""
    blocks: list[TextBlock] = []
    bullets: list[str] = []
    for token in _tokens(source):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            bullets.append("-" if token.type == "bullet_list_open" else "1.")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            bullets.pop()
        elif token.type == "inline":
            text = _inline_text(token.children or [], references)
            blocks.append(TextBlock(text, _bullet(bullets)))
            if bullets and bullets[-1][:-1].isdigit():
                bullets[-1] = f"{int(bullets[-1][:-1]) + 1}."
        elif token.type in ("fence", "code_block"):
            blocks.append(TextBlock(token.content.rstrip("\n")))
    return blocks


def _bullet(bullets: list[str]) -> str:
    return "  " * (len(bullets) - 1) + bullets[-1] if bullets else ""


def _inline_text(children: list[Token], references: list[str]) -> str:
    parts: list[str] = []
    pending: list[tuple[str, int]] = []  # (href, index in parts where the link text starts)
    for token in children:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type == "softbreak":
            parts.append(" ")
        elif token.type == "hardbreak":
            parts.append("\n")
        elif token.type == "image":
            parts.append(token.content)
        elif token.type == "link_open":
            pending.append((str(token.attrGet("href")), len(parts)))
        elif token.type == "link_close":
            href, start = pending.pop()
            shown = "".join(parts[start:])
            if href.removeprefix("mailto:") not in (shown, f"https://{shown}", f"http://{shown}"):
                references.append(href)
                parts.append(f" [{len(references)}]")
            elif not shown.startswith(("http", "mailto")) and href.startswith("http"):
                parts[start:] = [href]
    return "".join(parts).strip()


_HREF = re.compile(r'href="([^"]*)"')


def html_links(html: str) -> list[str]:
    """The targets of a sanitized body's links, in order: what a click
    counter's link number refers to."""
    return [unescape(found) for found in _HREF.findall(html)]


def counted_links(html: str, counter: Callable[[int], str]) -> str:
    """The body with its web links (http, https) sent through ``counter(n)``,
    ``n`` the link's place among all of them (``html_links``); mailto: and
    tel: links are left as they are."""
    number = iter(range(10**6))

    def replace(found: re.Match) -> str:
        index, target = next(number), unescape(found.group(1))
        if not target.startswith(("http://", "https://")):
            return found.group(0)
        return f'href="{escape(counter(index), quote=True)}"'

    return _HREF.sub(replace, html)
