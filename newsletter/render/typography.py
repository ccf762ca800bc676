"""French typography: a narrow no-break space (U+202F) before ``: ; ! ?``
and inside « », so that the punctuation never starts a line.

An ordinary (or no-break) space there becomes the narrow no-break one, and
one is added where the writer left none ("Lire en ligne:" → "Lire en
ligne :"). Only French text changes; URLs, e-mail links, times (18:30) and,
in HTML, tags, attributes, comments, scripts, styles and code are left as
they are. Italian and English text is returned unchanged.
"""

from __future__ import annotations

import html
import re

NNBSP = "\u202f"

_SPACES = "[ \t\u00a0\u2009\u202f]"
# A URL is kept whole; punctuation right after it is still spaced ("… .pdf :").
_URL = re.compile(r"(?:https?://|mailto:|www\.)[^\s<>«»\"]*[^\s<>«»\"().,:;!?]", re.I)
_HIDDEN = re.compile("\ue000(\\d+)\ue001")
# The space before : ; ! ? and after « (before »), replaced by the narrow one.
_SPACE_BEFORE = re.compile(rf"{_SPACES}+(?=[:;!?»›])")
_SPACE_AFTER = re.compile(r"(?<=[«‹])\s*")
# No space at all: inserted when the punctuation ends a word, i.e. is followed
# by a space, the end or a closing sign, so that 18:30 and ?q= stay as they are.
_MISSING_BEFORE = re.compile(
    rf"(?<=[^\s:;!?«‹(\[{{/{NNBSP}])(?=[:;!?]+(?:\s|$|[»›)\]}}\"'’.,…]))"
    rf"|(?<=[^\s«‹{NNBSP}])(?=[»›])")


def is_french(lang: str | None) -> bool:
    return (lang or "").lower().split("-")[0] == "fr"


def typeset(text: str, lang: str | None) -> str:
    """Plain text in ``lang``, with French spacing if it is French."""
    return french_spacing(text) if is_french(lang) and text else text


def french_spacing(text: str) -> str:
    """The narrow no-break spaces of French punctuation, outside URLs."""
    urls: list[str] = []

    def hide(url: re.Match) -> str:
        urls.append(url.group())
        return f"\ue000{len(urls) - 1}\ue001"  # private-use marks: a word to the rules

    spaced = _space(_URL.sub(hide, text))
    return _HIDDEN.sub(lambda mark: urls[int(mark.group(1))], spaced) if urls else spaced


def _space(text: str) -> str:
    text = _SPACE_BEFORE.sub(NNBSP, text)
    text = _SPACE_AFTER.sub(NNBSP, text)
    return _MISSING_BEFORE.sub(NNBSP, text)


# -- HTML ------------------------------------------------------------------

# Comments (MJML's conditional comments too), elements whose content is not
# prose, then any other tag.
_TOKEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>"
                    r"|<(script|style|pre|code|kbd|samp|textarea)\b[^>]*>.*?</\1\s*>"
                    r"|<[^>]*>", re.S | re.I)
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)([^>]*)>")
_LANG = re.compile(r"""(?<![\w-])(?:xml:)?lang\s*=\s*["']?([A-Za-z-]*)""")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
# Punctuation after an inline element belongs to its text ("<a>lien</a>:"),
# not after the end of a block.
_BLOCKS = {"address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt",
           "footer", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "li",
           "main", "nav", "ol", "p", "section", "table", "td", "th", "title", "tr", "ul"}


def typeset_html(document: str, lang: str | None = None) -> str:
    """An HTML document (or fragment) with the text of its French parts
    typeset. The language is read from the ``lang`` attributes of the
    document itself (``<html lang="fr">``, ``<div lang="it">``), ``lang``
    being that of the fragment's context."""
    out: list[str] = []
    stack: list[tuple[str, str | None]] = []
    before = ""  # the text just before, across inline tags
    last = 0
    for token in _TOKEN.finditer(document):
        text = document[last:token.start()]
        current = stack[-1][1] if stack else lang
        text = _typeset_text(text, before) if is_french(current) else text
        before = (before + html.unescape(text))[-1:]
        out += [text, token.group()]
        last = token.end()
        if tag := _TAG.fullmatch(token.group()):
            closing, name, rest = tag.group(1), tag.group(2).lower(), tag.group(3)
            if name in _BLOCKS:
                before = ""
            if closing:
                _close(stack, name)
            elif name not in _VOID and not rest.rstrip().endswith("/"):
                found = _LANG.search(rest)
                stack.append((name, found.group(1) if found else current))
    text = document[last:]
    current = stack[-1][1] if stack else lang
    out.append(_typeset_text(text, before) if is_french(current) else text)
    return "".join(out)


def _close(stack: list[tuple[str, str | None]], name: str) -> None:
    """Pop up to the element that ends (HTML may leave some unclosed)."""
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == name:
            del stack[depth:]
            return


def _typeset_text(text: str, before: str) -> str:
    if not text.strip():
        return text
    plain = html.unescape(text)
    spaced = french_spacing(before + plain)[len(before):] if before else french_spacing(plain)
    return text if spaced == plain else html.escape(spaced, quote=False)
