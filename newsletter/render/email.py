"""The email body: Jinja → MJML → HTML (mjml-python, in process) → French
text typeset (typography.py) → CSS inlined (css-inline).

MRML leaves ``mj-style inline`` CSS un-inlined, so our element styles live
in ``templates/email/inline.css`` and are inlined here, while MJML's own
``<style>`` blocks (the responsive media queries, with their ``!important``)
and our dark-mode block are kept exactly as MJML wrote them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import css_inline
from mjml import mjml2html

from newsletter.render.context import EditionView
from newsletter.render.templating import environment
from newsletter.render.typography import typeset_html


class EmailTemplateError(Exception):
    """The MJML produced by the template does not compile."""


def render_mjml(view: EditionView, templates_dir: Path) -> str:
    return environment(templates_dir).get_template("email/issue.mjml.j2").render(e=view)


# MJML hides the preheader with white 1px text; the page is not white, and
# SpamAssassin scores text coloured like its background (HTML_FONT_LOW_CONTRAST).
# display:none, max-height:0 and opacity:0 hide it without the colour.
MJML_PREVIEW_STYLE = "display:none;font-size:1px;color:#ffffff;line-height:1px;"
PREVIEW_STYLE = "display:none;font-size:1px;line-height:1px;"


def render_email(view: EditionView, templates_dir: Path) -> str:
    """The finished email HTML of one edition."""
    html = compile_mjml(render_mjml(view, templates_dir)).replace(
        MJML_PREVIEW_STYLE, PREVIEW_STYLE, 1)
    return inline_css(typeset_html(html), templates_dir)


def compile_mjml(source: str) -> str:
    try:
        # fonts={}: MRML would otherwise link Google Fonts for the default faces.
        return mjml2html(source, fonts={}, disable_comments=True)
    except Exception as exc:  # mjml-python raises a bare Exception on bad MJML
        raise EmailTemplateError(f"email template: MJML error: {exc}") from None


def inline_css(html: str, templates_dir: Path) -> str:
    return _inliner(templates_dir).inline(html)


@cache
def _inliner(templates_dir: Path) -> css_inline.CSSInliner:
    return css_inline.CSSInliner(
        inline_style_tags=False,  # keep MJML's media queries untouched
        keep_style_tags=True,
        load_remote_stylesheets=False,
        extra_css=(templates_dir / "email" / "inline.css").read_text(encoding="utf-8"),
    )
