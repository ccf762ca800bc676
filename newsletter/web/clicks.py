"""The counted links of an email (``[metrics] clicks``): ``/c/<month>/<lang>
/<item>/<n>`` counts one click on the n-th link of that item and sends the
reader on. The target is looked up in the edition itself, so nothing else
can be reached through it (no open redirect); the request carries no
recipient, and nothing about the reader is kept."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, redirect

from newsletter.content import load_issue, markdown
from newsletter.content.reader import MONTH_FOLDER
from newsletter.core.errors import NewsletterError
from newsletter.render.context import INSIGHTS
from newsletter.store import clicks
from newsletter.web.services import services

blueprint = Blueprint("clicks", __name__)


@blueprint.get("/c/<month>/<lang>/<item>/<int:link>")
def click(month: str, lang: str, item: str, link: int):
    config = services().config
    if not MONTH_FOLDER.match(month) or lang not in config.languages:
        abort(404)
    folder = config.issues_dir / month
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.yaml")))
    except OSError:
        abort(404)
    targets = _targets(str(config.root), month, lang, item, stamp)
    if link >= len(targets) or not targets[link].startswith(("https://", "http://")):
        abort(404)
    if config.metrics.clicks:
        clicks.count(services().store, month, lang, item, link)
    response = redirect(targets[link], 302)
    response.headers["Cache-Control"] = "no-store"  # each click reaches the counter
    return response


@lru_cache(maxsize=256)
def _targets(root: str, month: str, lang: str, item: str, stamp: tuple) -> tuple[str, ...]:
    """The links of an item's body as the email has them (``markdown.html_links``)."""
    try:
        edition = load_issue(services().config, month).editions.get(lang)
    except NewsletterError:
        return ()
    if edition is None:
        return ()
    if item == INSIGHTS:
        body = edition.insights
    else:
        body = next((i.body for i in (*edition.top_news, *edition.consulates) if i.id == item),
                    None)
    return tuple(markdown.html_links(markdown.to_html(body))) if body else ()
