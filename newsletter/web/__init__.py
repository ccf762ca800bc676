"""The web application (``newsletter serve``): one Flask app made by
``create_app(config, …)``, with a blueprint per concern sharing one session,
CSRF and template set-up:

- ``subscription``: subscribe with double opt-in, confirm, unsubscribe in
  one click (RFC 8058), change language;
- ``site``: the archive's static site at the root;
- ``preview`` (``newsletter preview``): an issue rendered afresh on each request;
- ``clicks``: the counted links of an email (``[metrics] clicks``);
- ``editor``: the editorial workspace under ``/editor/`` (accounts, issues,
  workflow, forms, translation, previews, subscribers).

Transactional mail leaves from a queue drained by a daemon thread
(``outgoing``), never from inside a request.

The templates are the project's ``templates/`` folder (``site/`` and
``preview/``), through Flask's own Jinja environment: the web's concern,
apart from the renderer's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask, g, request, session
from jinja2 import FileSystemLoader, StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix

from newsletter.core.config import Config
from newsletter.core.i18n import _, ngettext
from newsletter.core.urls import Urls
from newsletter.dispatch.transports import Transport
from newsletter.store import Store
from newsletter.web import clicks, editor, preview, security, site, subscription
from newsletter.web.outgoing import Outgoing
from newsletter.web.services import Services, services

MAX_REQUEST_BYTES = 64 * 1024  # the largest form is a few hundred bytes


def create_app(config: Config, store: Store | None = None,
               transports: Callable[[], Transport] | None = None, archive: Path | None = None,
               *, preview_month: str | None = None, mail_thread: bool = True) -> Flask:
    """The configured application; ``serve`` runs it, tests drive it directly.
    ``archive``: the folder of a built archive site, served at the root;
    ``preview_month``: the preview of that issue instead of the public pages;
    ``mail_thread``: send queued mail from a daemon thread (else only through
    ``outgoing.deliver_queued(app)``)."""
    app = Flask(__name__, static_folder=None)
    # The preview keeps no session and signs no link: it needs no deployment secret.
    app.secret_key = secrets.token_bytes(32) if preview_month else config.secret()
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,  # a bigger body gets 413 before it is read
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=config.base_url.startswith("https://"),
    )
    app.jinja_loader = FileSystemLoader(config.templates_dir)
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.autoescape = True
    app.jinja_env.globals.update(_=_, ngettext=ngettext)
    if config.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies,
                                x_proto=config.trusted_proxies, x_host=config.trusted_proxies)
    built = archive if archive and (archive / "index.html").is_file() else None
    if preview_month:
        app.extensions["newsletter"] = Services(config, None, None, Urls(config.base_url), None)
        app.register_blueprint(preview.blueprint(config, preview_month))
        return app
    outgoing = Outgoing(store, transports) if store is not None and transports else None
    app.extensions["newsletter"] = Services(config, store, transports, Urls.of(config), built,
                                            outgoing)
    if outgoing is not None and mail_thread:
        outgoing.start()
    app.before_request(_choose_language)
    security.install(app)
    app.register_blueprint(subscription.blueprint)
    app.register_blueprint(editor.blueprint)
    app.register_blueprint(clicks.blueprint)
    app.register_blueprint(site.blueprint)
    return app


def _choose_language() -> None:
    languages = services().config.languages
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
    chosen = session.get("lang")
    g.lang = chosen if chosen in languages else (
        request.accept_languages.best_match(languages) or languages[0])


def serve(app: Flask, host: str, port: int) -> None:  # pragma: no cover - runs forever
    import waitress

    waitress.serve(app, host=host, port=port, threads=8, _quiet=True)
