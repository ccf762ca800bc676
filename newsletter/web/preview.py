"""``newsletter preview``: a local web server that renders the issue afresh
on every request, so an editor can save the YAML and reload the page."""

from __future__ import annotations

import dataclasses

from flask import Flask, Response, abort, render_template_string, request, send_from_directory

from newsletter.content.reader import check_issue, issue_folder
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.render.build import render_edition
from newsletter.render.labels import LABELS

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Preview {{ month }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}li{margin:.3rem 0}.error{color:#9b1c1c}.warning{color:#6b4e00}
code{background:#f1f3f5;padding:0 .2rem}</style></head><body>
<h1>Preview of the {{ month }} issue</h1>
<p>Every page is rendered from <code>issues/{{ month }}/</code> when you open it:
save your changes and reload.</p>
{% if errors %}<h2 class="error">Errors: the issue cannot be built</h2>
<ul>{% for p in errors %}<li class="error">{{ p }}</li>{% endfor %}</ul>{% endif %}
{% if warnings %}<h2 class="warning">Warnings</h2>
<ul>{% for p in warnings %}<li class="warning">{{ p }}</li>{% endfor %}</ul>{% endif %}
{% if editions %}<h2>Editions</h2><ul>
{% for lang, label, complete in editions %}<li><strong>{{ label }}</strong>
{% if not complete %}(incomplete: untranslated parts in the original language){% endif %}:
<a href="{{ lang }}/email.html">email</a> · <a href="{{ lang }}/email.txt">plain text</a> ·
<a href="{{ lang }}/issue.pdf">PDF</a> · <a href="{{ lang }}/">web page</a></li>{% endfor %}
</ul>{% endif %}</body></html>"""

ROUTES = {
    "email.html": ("email_html", "text/html; charset=utf-8"),
    "email.txt": ("email_text", "text/plain; charset=utf-8"),
    "issue.pdf": ("pdf", "application/pdf"),
    "": ("web_html", "text/html; charset=utf-8"),
}


def create_app(config: Config, month: str) -> Flask:
    """The preview application; tests drive it through Flask's test client."""
    folder = issue_folder(config, month)  # fails early on an unknown month
    app = Flask(__name__)

    @app.get("/")
    def index():
        checked = check_issue(config, month)
        editions = [(lang, LABELS[lang]["language"], e.complete)
                    for lang, e in (checked.issue.editions.items() if checked.issue else ())]
        return render_template_string(PAGE, month=month, errors=checked.errors,
                                      warnings=checked.warnings, editions=editions)

    @app.get("/<lang>/", defaults={"name": ""})
    @app.get("/<lang>/<name>")
    def output(lang: str, name: str):
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

    @app.get("/images/<path:name>")
    @app.get("/<month_>/images/<path:name>")
    def image(name: str, month_: str = ""):
        return send_from_directory(folder, name)

    return app

