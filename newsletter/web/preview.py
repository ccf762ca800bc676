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
        if request.host.rsplit(":", 1)[0].lower() not in LOOPBACK_NAMES | {"[::1]"}:
            raise Forbidden("the preview answers only on this machine (http://127.0.0.1:…)")

    @preview.get("/")
    def index():
        checked = check_issue(config, month)
        editions = [(lang, LABELS[lang]["language"], e.complete)
                    for lang, e in (checked.issue.editions.items() if checked.issue else ())]
        return render_template("preview/index.html.j2", month=month, errors=checked.errors,
                               warnings=checked.warnings, editions=editions)

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
            return Response(str(exc), status=500, mimetype="text/plain")
        attribute, mimetype = ROUTES[name]
        return Response(getattr(rendered, attribute), mimetype=mimetype)

    @preview.get("/images/<path:name>")
    @preview.get("/<month_>/images/<path:name>")
    def image(name: str, month_: str = ""):
        if "/" in name or not name.lower().endswith(tuple(IMAGE_SUFFIXES)):
            abort(404)  # the issue's images only: never its YAML sources
        return send_from_directory(folder, name)

    return preview
