"""The public web endpoints (``newsletter serve``): subscribe with double
opt-in, confirm, unsubscribe in one click (RFC 8058), change language.

Pages follow the browser's language (it/en/fr) with a switcher. Every form
carries a CSRF token except the unsubscribe POST, which mail clients send
on their own (RFC 8058) and which the signed link itself authorizes. The
same answer is given whether an address is known or not.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, abort, g, redirect, render_template, request, send_from_directory, session
from jinja2 import FileSystemLoader, StrictUndefined
from sqlalchemy import delete, func, insert, select
from werkzeug.middleware.proxy_fix import ProxyFix

from newsletter.core.config import Config
from newsletter.core.urls import TokenExpired, TokenInvalid, Tokens
from newsletter.dispatch import mail
from newsletter.dispatch.transports import Transport, TransportError
from newsletter.render.labels import LABELS, LANGUAGE_IN, SITE
from newsletter.store import Store, now
from newsletter.store import subscribers as subs
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.tables import rate_limits

LOG = logging.getLogger("newsletter.web")
CSP = ("default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Archive pages: the issue pages carry their style and font inline; search runs a script.
ARCHIVE_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
               "img-src 'self' data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'")


def create_app(config: Config, store: Store, transport: Transport,
               archive: Path | None = None) -> Flask:
    """The configured application; ``serve`` runs it, tests drive it directly.
    ``archive``: the folder of a built archive site, served at the root."""
    app = Flask(__name__, static_folder=None)
    app.secret_key = config.secret()
    app.config.update(
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=config.base_url.startswith("https://"),
    )
    app.jinja_loader = FileSystemLoader(config.templates_dir)
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.autoescape = True
    if config.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies,
                                x_proto=config.trusted_proxies, x_host=config.trusted_proxies)
    site = _Site(config, store, transport, Tokens(config.secret(), config.confirm_hours * 3600),
                 archive)
    site.register(app)
    return app


class _Answer(Exception):
    """Stop handling a request with this page (a bad or stale link)."""

    def __init__(self, response):
        super().__init__()
        self.response = response


class _Site:
    def __init__(self, config: Config, store: Store, transport: Transport, tokens: Tokens,
                 archive: Path | None):
        self.config, self.store, self.transport, self.tokens = config, store, transport, tokens
        self.archive = archive if archive and (archive / "index.html").is_file() else None

    # -- plumbing -----------------------------------------------------------

    def register(self, app: Flask) -> None:
        app.register_error_handler(_Answer, lambda answer: answer.response)
        app.before_request(self._choose_language)
        app.after_request(self._headers)
        app.add_url_rule("/", "home", self.home)
        app.add_url_rule("/subscribe", "subscribe", self.subscribe, methods=["GET", "POST"])
        app.add_url_rule("/confirm/<token>", "confirm", self.confirm, methods=["GET", "POST"])
        app.add_url_rule("/unsubscribe", "unsubscribe_request", self.unsubscribe_request,
                         methods=["GET", "POST"])
        app.add_url_rule("/unsubscribe/<token>", "unsubscribe", self.unsubscribe,
                         methods=["GET", "POST"])
        app.add_url_rule("/preferences/<token>", "preferences", self.preferences,
                         methods=["GET", "POST"])
        app.add_url_rule("/assets/<path:name>", "asset", self.asset)
        app.add_url_rule("/<path:name>", "archive", self.archive_file)

    def _choose_language(self) -> None:
        languages = self.config.languages
        asked = request.args.get("lang")
        if asked in languages:
            session["lang"] = asked
        chosen = session.get("lang")
        g.lang = chosen if chosen in languages else (
            request.accept_languages.best_match(languages) or languages[0])

    @staticmethod
    def _headers(response):
        archive = request.endpoint in ("archive", "home") or (
            request.endpoint == "asset" and response.mimetype != "text/css")
        response.headers["Content-Security-Policy"] = ARCHIVE_CSP if archive else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Links carry personal tokens: never leak them in a Referer.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    def asset(self, name: str):
        if self.archive and (self.archive / "assets" / name).is_file():
            return send_from_directory(self.archive / "assets", name, max_age=3600)
        if name != "site.css" and not name.startswith("fonts/"):
            abort(404)
        folder = self.config.templates_dir / ("site" if name == "site.css" else "")
        return send_from_directory(folder, name, max_age=86400)

    def home(self):
        """The archive in the reader's language, or the subscribe page without one."""
        if self.archive is None:
            return redirect("/subscribe")
        return redirect(f"/{g.lang}/")

    def archive_file(self, name: str):
        if self.archive is None:
            abort(404)
        if name.endswith("/") or (self.archive / name).is_dir():
            if not name.endswith("/"):
                return redirect(f"/{name}/")
            name += "index.html"
        if name.startswith(".") or "/." in name:
            abort(404)  # the manifest and temporary folders are not for the public
        return send_from_directory(self.archive, name, max_age=600)

    def _subscriber(self, read, token: str, gone_status: int = 200) -> subs.Subscriber:
        """The subscriber a signed link names, or a polite page that ends the request."""
        words = SITE[g.lang]
        try:
            uid = read(token)
        except TokenExpired:
            raise _Answer(self.message("expired_title", words["expired"], 410)) from None
        except TokenInvalid:
            raise _Answer(self.message("bad_link_title", words["bad_link"], 400)) from None
        subscriber = subs.get(self.store, uid=uid)
        if subscriber is None:
            raise _Answer(self.message("gone_title", words["gone"], gone_status))
        self._speak(subscriber.language)
        return subscriber

    @staticmethod
    def _speak(language: str) -> None:
        """Pages about a subscriber speak their language unless the visitor
        picked one with the switcher."""
        if "lang" not in session:
            g.lang = language

    def page(self, template: str, status: int = 200, **values):
        words = SITE[g.lang]
        return render_template(
            f"site/{template}", w=words, lang=g.lang, title=self.config.title,
            languages=[(code, LABELS[code]["language"]) for code in self.config.languages],
            csrf=self._csrf_token(), privacy_url=self.config.privacy_url, path=request.path,
            **values), status

    def message(self, title_key: str, text: str, status: int = 200, link: bool = True):
        words = SITE[g.lang]
        return self.page("message.html.j2", status, heading=words[title_key], text=text,
                         show_back=link)

    def _csrf_token(self) -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return session["csrf"]

    def _csrf_ok(self) -> bool:
        sent = request.form.get("csrf", "")
        return bool(sent) and hmac.compare_digest(sent, session.get("csrf", ""))

    def _client_bucket(self) -> str:
        address = request.remote_addr or "?"
        return hmac.new(self.store.secret, address.encode(), hashlib.sha256).hexdigest()

    def _rate_limited(self) -> bool:
        """Record this attempt; True when the client is over the hourly limit."""
        bucket, at = self._client_bucket(), now()
        with self.store.transaction() as connection:
            connection.execute(delete(rate_limits).where(rate_limits.c.at < at - timedelta(hours=1)))
            recent = connection.execute(select(func.count()).select_from(rate_limits).where(
                rate_limits.c.bucket == bucket)).scalar()
            if recent >= self.config.subscribe_per_hour:
                return True
            connection.execute(insert(rate_limits).values(bucket=bucket, at=at))
        return False

    def _send(self, message) -> None:
        try:
            self.transport.send(message.as_bytes(), self.config.sender_address,
                                [str(message["To"].addresses[0].addr_spec)])
        except TransportError:
            # The answer must not reveal whether mail went out (or to whom);
            # the failure is for the operator's log.
            LOG.exception("could not send a transactional email")

    # -- pages --------------------------------------------------------------

    def subscribe(self):
        words = SITE[g.lang]
        form = {"email": request.args.get("email", "")[:320], "name": "", "language": g.lang,
                "privacy": False}
        if request.method == "GET":
            return self.page("subscribe.html.j2", form=form, errors={})
        if not self._csrf_ok():
            return self.message("subscribe_title", words["form_expired"], 400)
        form = {"email": request.form.get("email", "").strip()[:320],
                "name": request.form.get("name", "")[:200],
                "language": request.form.get("language", g.lang),
                "privacy": request.form.get("privacy") == "yes"}
        if request.form.get("website"):  # a field people never see: only robots fill it
            return self.message("check_inbox_title",
                                words["check_inbox"].format(hours=self.config.confirm_hours))
        errors = {}
        try:
            email, key = normalize(form["email"])
        except InvalidAddress:
            errors["email"] = words["error_email"]
        if not form["privacy"]:
            errors["privacy"] = words["error_privacy"]
        if form["language"] not in self.config.languages:
            form["language"] = g.lang
        if errors:
            return self.page("subscribe.html.j2", 400, form=form, errors=errors)
        if self._rate_limited():
            return self.message("too_many_title", words["too_many"], 429)
        consent = subs.Consent("form", self.config.privacy_version, request.remote_addr)
        pending = subs.request_subscription(self.store, email, key, clean_name(form["name"]),
                                            form["language"], consent)
        if pending is not None:
            url = f"{self.config.base_url}/confirm/{self.tokens.confirm(pending.uid)}"
            self._send(mail.confirmation(self.config, pending.email, pending.name,
                                         pending.language, url))
        return self.message("check_inbox_title",
                            words["check_inbox"].format(hours=self.config.confirm_hours))

    def confirm(self, token: str):
        subscriber = self._subscriber(self.tokens.read_confirm, token, gone_status=410)
        uid, words = subscriber.uid, SITE[g.lang]
        if request.method == "GET":
            if subscriber.status == "active":
                return self.message("confirmed_title", words["already_confirmed"])
            return self.page("action.html.j2", heading=words["confirm_title"],
                             text=words["confirm_text"].format(email=subscriber.email),
                             button=words["confirm_button"], csrf_needed=True)
        if not self._csrf_ok():
            return self.message("confirm_title", words["form_expired"], 400)
        outcome = subs.confirm(self.store, uid)
        if outcome is subs.Outcome.DONE:
            language = LANGUAGE_IN[g.lang][subscriber.language]
            return self.message("confirmed_title", words["confirmed"].format(language=language),
                                link=False)
        if outcome is subs.Outcome.ALREADY:
            return self.message("confirmed_title", words["already_confirmed"], link=False)
        return self.message("gone_title", words["gone"], 410)

    def unsubscribe(self, token: str):
        subscriber = self._subscriber(self.tokens.read_unsubscribe, token)
        uid, words = subscriber.uid, SITE[g.lang]
        if request.method == "GET":
            if subscriber.status in subs.SUPPRESSED_STATUSES:
                return self.message("unsubscribed_title", words["unsubscribed"])
            return self.page("action.html.j2", heading=words["unsubscribe_title"],
                             text=words["unsubscribe_text"].format(email=subscriber.email),
                             button=words["unsubscribe_button"], csrf_needed=False)
        # RFC 8058 one-click: a POST, with or without List-Unsubscribe=One-Click,
        # unsubscribes at once; the signed token is the authorization.
        how = "one-click (RFC 8058)" if request.form.get("List-Unsubscribe") == "One-Click" \
            else "unsubscribe page"
        subs.unsubscribe(self.store, uid, how)
        return self.message("unsubscribed_title", words["unsubscribed"])

    def unsubscribe_request(self):
        words = SITE[g.lang]
        if request.method == "GET":
            return self.page("request.html.j2", errors={}, email="")
        if not self._csrf_ok():
            return self.message("request_title", words["form_expired"], 400)
        try:
            _, key = normalize(request.form.get("email", "")[:320])
        except InvalidAddress:
            return self.page("request.html.j2", 400, errors={"email": words["error_email"]},
                             email=request.form.get("email", "")[:320])
        if self._rate_limited():
            return self.message("too_many_title", words["too_many"], 429)
        subscriber = subs.get(self.store, key=key)
        if subscriber is not None and subscriber.status in ("active", "pending"):
            base = self.config.base_url
            self._send(mail.unsubscribe_link(
                self.config, subscriber.email, subscriber.name, subscriber.language,
                f"{base}/unsubscribe/{self.tokens.unsubscribe(subscriber.uid)}",
                f"{base}/preferences/{self.tokens.preferences(subscriber.uid)}"))
        return self.message("request_title", words["request_sent"])

    def preferences(self, token: str):
        subscriber = self._subscriber(self.tokens.read_preferences, token)
        uid, words = subscriber.uid, SITE[g.lang]
        if subscriber.status in subs.SUPPRESSED_STATUSES:
            return self.message("gone_title", words["gone"], 200)
        unsubscribe_url = f"/unsubscribe/{self.tokens.unsubscribe(uid)}"
        if request.method == "POST":
            if not self._csrf_ok():
                return self.message("preferences_title", words["form_expired"], 400)
            language = request.form.get("language")
            if language in self.config.languages:
                subs.set_language(self.store, uid, language)
                return self.message("preferences_title", words["saved"].format(
                    language=LANGUAGE_IN[g.lang][language]), link=False)
        return self.page("preferences.html.j2", email=subscriber.email,
                         current=subscriber.language, unsubscribe_url=unsubscribe_url)


def serve(app: Flask, host: str, port: int) -> None:  # pragma: no cover - runs forever
    import waitress

    waitress.serve(app, host=host, port=port, threads=8, _quiet=True)

