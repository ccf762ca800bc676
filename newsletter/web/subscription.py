"""The subscription pages: subscribe with double opt-in, confirm,
unsubscribe in one click (RFC 8058), change language.

Pages follow the browser's language (it/en/fr) with a switcher. Every form
carries a CSRF token except the unsubscribe POST, which mail clients send
on their own (RFC 8058) and which the signed link itself authorizes. The
same answer is given whether an address is known or not.
"""

from __future__ import annotations

import logging

from flask import Blueprint, g, render_template, request, session

from newsletter.core.urls import TokenExpired, TokenInvalid
from newsletter.dispatch import mail
from newsletter.dispatch.message import Raw
from newsletter.dispatch.transports import TransportError, send_now
from newsletter.render.labels import LABELS, LANGUAGE_IN, SITE
from newsletter.store import ratelimits
from newsletter.store import subscribers as subs
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.states import ConsentMethod, SubscriberStatus
from newsletter.web.security import csrf_ok, csrf_token
from newsletter.web.services import services

LOG = logging.getLogger("newsletter.web")
blueprint = Blueprint("subscription", __name__)


class _Answer(Exception):
    """Stop handling a request with this page (a bad or stale link)."""

    def __init__(self, response):
        super().__init__()
        self.response = response


@blueprint.app_errorhandler(_Answer)
def _answer(answer: _Answer):
    return answer.response


# -- plumbing -------------------------------------------------------------------------


def _subscriber(read, token: str, gone_status: int = 200) -> subs.Subscriber:
    """The subscriber a signed link names, or a polite page that ends the request."""
    words = SITE[g.lang]
    try:
        uid = read(token)
    except TokenExpired:
        raise _Answer(message("expired_title", words["expired"], 410)) from None
    except TokenInvalid:
        raise _Answer(message("bad_link_title", words["bad_link"], 400)) from None
    subscriber = subs.get(services().store, uid=uid)
    if subscriber is None:
        raise _Answer(message("gone_title", words["gone"], gone_status))
    _speak(subscriber.language)
    return subscriber


def _speak(language: str) -> None:
    """Pages about a subscriber speak their language unless the visitor
    picked one with the switcher."""
    if "lang" not in session:
        g.lang = language


def page(template: str, status: int = 200, **values):
    config = services().config
    return render_template(
        f"site/{template}", w=SITE[g.lang], lang=g.lang, title=config.title,
        languages=[(code, LABELS[code]["language"]) for code in config.languages],
        csrf=csrf_token(), privacy_url=config.privacy_url, path=request.path, **values), status


def message(title_key: str, text: str, status: int = 200, link: bool = True):
    words = SITE[g.lang]
    return page("message.html.j2", status, heading=words[title_key], text=text, show_back=link)


def _rate_limited() -> bool:
    """Record this attempt; True when the client is over the hourly limit."""
    store = services().store
    return ratelimits.over_limit(store, ratelimits.bucket(store, request.remote_addr or "?"),
                                 services().config.subscribe_per_hour)


def _send(email) -> None:
    config = services().config
    try:
        send_now(services().transports(), Raw(email.as_bytes()), config.sender_address,
                 [str(email["To"].addresses[0].addr_spec)])
    except TransportError:
        # The answer must not reveal whether mail went out (or to whom);
        # the failure is for the operator's log.
        LOG.exception("could not send a transactional email")


# -- pages ----------------------------------------------------------------------------


@blueprint.route("/subscribe", methods=["GET", "POST"])
def subscribe():
    config, words = services().config, SITE[g.lang]
    form = {"email": request.args.get("email", "")[:320], "name": "", "language": g.lang,
            "privacy": False}
    if request.method != "POST":  # GET or HEAD: show, change nothing
        return page("subscribe.html.j2", form=form, errors={})
    if not csrf_ok():
        return message("subscribe_title", words["form_expired"], 400)
    form = {"email": request.form.get("email", "").strip()[:320],
            "name": request.form.get("name", "")[:200],
            "language": request.form.get("language", g.lang),
            "privacy": request.form.get("privacy") == "yes"}
    if request.form.get("website"):  # a field people never see: only robots fill it
        return message("check_inbox_title", words["check_inbox"].format(hours=config.confirm_hours))
    errors = {}
    try:
        email, key = normalize(form["email"])
    except InvalidAddress:
        errors["email"] = words["error_email"]
    if not form["privacy"]:
        errors["privacy"] = words["error_privacy"]
    if form["language"] not in config.languages:
        form["language"] = g.lang
    if errors:
        return page("subscribe.html.j2", 400, form=form, errors=errors)
    if _rate_limited():
        return message("too_many_title", words["too_many"], 429)
    consent = subs.Consent(ConsentMethod.FORM, config.privacy_version, request.remote_addr)
    pending = subs.request_subscription(services().store, email, key, clean_name(form["name"]),
                                        form["language"], consent)
    if pending is not None:
        _send(mail.confirmation(config, pending.email, pending.name, pending.language,
                                services().urls.confirm(pending.uid)))
    return message("check_inbox_title", words["check_inbox"].format(hours=config.confirm_hours))


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    subscriber = _subscriber(services().urls.tokens.read_confirm, token, gone_status=410)
    uid, words = subscriber.uid, SITE[g.lang]
    if request.method != "POST":  # GET or HEAD: show, change nothing
        if subscriber.status == SubscriberStatus.ACTIVE:
            return message("confirmed_title", words["already_confirmed"])
        return page("action.html.j2", heading=words["confirm_title"],
                    text=words["confirm_text"].format(email=subscriber.email),
                    button=words["confirm_button"], csrf_needed=True)
    if not csrf_ok():
        return message("confirm_title", words["form_expired"], 400)
    outcome = subs.confirm(services().store, uid)
    if outcome is subs.Outcome.DONE:
        language = LANGUAGE_IN[g.lang][subscriber.language]
        return message("confirmed_title", words["confirmed"].format(language=language), link=False)
    if outcome is subs.Outcome.ALREADY:
        return message("confirmed_title", words["already_confirmed"], link=False)
    return message("gone_title", words["gone"], 410)


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    subscriber = _subscriber(services().urls.tokens.read_unsubscribe, token)
    uid, words = subscriber.uid, SITE[g.lang]
    if request.method != "POST":  # GET, and HEAD from link checkers and mail scanners
        if subscriber.status in subs.SUPPRESSED_STATUSES:
            return message("unsubscribed_title", words["unsubscribed"])
        return page("action.html.j2", heading=words["unsubscribe_title"],
                    text=words["unsubscribe_text"].format(email=subscriber.email),
                    button=words["unsubscribe_button"], csrf_needed=False)
    # RFC 8058 one-click: a POST, with or without List-Unsubscribe=One-Click,
    # unsubscribes at once; the signed token is the authorization.
    how = "one-click (RFC 8058)" if request.form.get("List-Unsubscribe") == "One-Click" \
        else "unsubscribe page"
    subs.unsubscribe(services().store, uid, how)
    return message("unsubscribed_title", words["unsubscribed"])


@blueprint.route("/unsubscribe", methods=["GET", "POST"])
def unsubscribe_request():
    words = SITE[g.lang]
    if request.method != "POST":  # GET or HEAD: show, change nothing
        return page("request.html.j2", errors={}, email="")
    if not csrf_ok():
        return message("request_title", words["form_expired"], 400)
    try:
        _, key = normalize(request.form.get("email", "")[:320])
    except InvalidAddress:
        return page("request.html.j2", 400, errors={"email": words["error_email"]},
                    email=request.form.get("email", "")[:320])
    if _rate_limited():
        return message("too_many_title", words["too_many"], 429)
    subscriber = subs.get(services().store, key=key)
    if subscriber is not None and subscriber.status in (SubscriberStatus.ACTIVE,
                                                        SubscriberStatus.PENDING):
        urls = services().urls
        _send(mail.unsubscribe_link(services().config, subscriber.email, subscriber.name,
                                    subscriber.language, urls.unsubscribe(subscriber.uid),
                                    urls.preferences(subscriber.uid)))
    return message("request_title", words["request_sent"])


@blueprint.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    urls = services().urls
    subscriber = _subscriber(urls.tokens.read_preferences, token)
    uid, words = subscriber.uid, SITE[g.lang]
    if subscriber.status in subs.SUPPRESSED_STATUSES:
        return message("gone_title", words["gone"], 200)
    if request.method == "POST":
        if not csrf_ok():
            return message("preferences_title", words["form_expired"], 400)
        language = request.form.get("language")
        if language in services().config.languages:
            subs.set_language(services().store, uid, language)
            return message("preferences_title", words["saved"].format(
                language=LANGUAGE_IN[g.lang][language]), link=False)
    return page("preferences.html.j2", email=subscriber.email, current=subscriber.language,
                unsubscribe_url=urls.unsubscribe_path(uid))
