"""``newsletter preview``: the issue rendered afresh on every request, so
an editor can save the YAML and reload the page. A blueprint of the web
app with its own template (``templates/preview/``).

A draft is not public: the preview answers only requests addressed to
this machine (a Host header of localhost, 127.0.0.1 or [::1]; anything else
is refused, so its links never carry a stranger's Host), and it serves the
issue's images, never its source files."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, abort, render_template, request, send_from_directory
from werkzeug.exceptions import Forbidden

from newsletter.content import check_issue, issue_folder
from newsletter.content.reader import IMAGE_SUFFIXES
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _, current_language, use_language
from newsletter.render import output
from newsletter.render.build import render_edition
from newsletter.render.labels import LABELS

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ROUTES = {
    output.EMAIL_HTML: ("email_html", "text/html; charset=utf-8"),
    output.EMAIL_TEXT: ("email_text", "text/plain; charset=utf-8"),
    output.PDF: ("pdf", "application/pdf"),
    "": ("web_html", "text/html; charset=utf-8"),
}


def blueprint(config: Config, month: str) -> Blueprint:
    """The preview of one issue at the root of the app."""
    folder = issue_folder(config, month)  # fails early on an unknown month
    preview = Blueprint("preview", __name__)

    @preview.before_request
    def only_this_machine():
        use_language(config.workspace.language)  # each request thread speaks the office's language
        if request.host.rsplit(":", 1)[0].lower() not in LOOPBACK_NAMES | {"[::1]"}:
            raise Forbidden(_("the preview answers only on this machine (http://127.0.0.1:…)"))

    @preview.get("/")
    def index():
        checked = check_issue(config, month)
        editions = [(lang, LABELS[lang]["language"], e.complete)
                    for lang, e in (checked.issue.editions.items() if checked.issue else ())]
        return render_template("preview/index.html.j2", month=month, errors=checked.errors,
                               warnings=checked.warnings, editions=editions, w=_words(month),
                               lang=current_language())

    @preview.get("/<lang>/", defaults={"name": ""})
    @preview.get("/<lang>/<name>")
    def edition(lang: str, name: str):
        if name not in ROUTES:
            abort(404)
        checked = check_issue(config, month)
        if checked.issue is None or lang not in checked.issue.editions:
            return index()
        local = dataclasses.replace(config, base_url=request.host_url.rstrip("/"))
        issue = checked.issue
        others = tuple(code for code in issue.editions if code != lang)
        try:
            rendered = render_edition(issue.editions[lang], issue, local, others)
        except NewsletterError as exc:
            return Response(str(exc), status=500, content_type="text/plain; charset=utf-8")
        attribute, content_type = ROUTES[name]
        # content_type, not mimetype: Flask would add a second "; charset=utf-8"
        return Response(getattr(rendered, attribute), content_type=content_type)

    @preview.get("/images/<path:name>")
    @preview.get("/<month_>/images/<path:name>")
    def image(name: str, month_: str = ""):
        if "/" in name or not name.lower().endswith(tuple(IMAGE_SUFFIXES)):
            abort(404)  # the issue's images only: never its YAML sources
        return send_from_directory(folder, name)

    return preview


def _words(month: str) -> dict[str, str]:
    """The index page's words, in the office's language."""
    return {
        "title": _("Preview {month}").format(month=month),
        "heading": _("Preview of the {month} issue").format(month=month),
        "intro": _("Every page is rendered from issues/{month}/ when you open it: save your "
                   "changes and reload.").format(month=month),
        "errors": _("Errors: the issue cannot be built"),
        "warnings": _("Warnings"),
        "editions": _("Editions"),
        "incomplete": _("incomplete: untranslated parts in the original language"),
        "email": _("email"), "text": _("plain text"), "pdf": _("PDF"), "web": _("web page"),
    }
