"""The subscription pages: subscribe with double opt-in, confirm,
unsubscribe in one click (RFC 8058), change language.

Pages follow the browser's language (it/en/fr) with a switcher. Every form
carries a CSRF token except the unsubscribe POST, which mail clients send
on their own (RFC 8058) and which the signed link itself authorizes.

The same answer, in the same time, whether an address is known or not:
mail is queued (``outgoing``), never sent inside the request. A form
changes nothing about an address already on the list until the link mailed
to it is followed, and each address gets at most ``MAILS_PER_ADDRESS`` such
mails a day, whoever fills in the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from email.errors import MessageError
from email.message import EmailMessage

from flask import Blueprint, g, render_template, request, session

from newsletter.core.urls import TokenExpired, TokenInvalid
from newsletter.dispatch import mail
from newsletter.render.labels import LABELS, LANGUAGE_IN, SITE
from newsletter.store import ratelimits
from newsletter.store import subscribers as subs
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.states import ConsentMethod, SubscriberStatus
from newsletter.web.security import csrf_ok, csrf_token
from newsletter.web.services import services

LOG = logging.getLogger("newsletter.web")
blueprint = Blueprint("subscription", __name__)

# Mails of one kind (confirmations, unsubscribe links) to one address, per
# day: a form filled in again and again cannot flood anybody's mailbox.
MAILS_PER_ADDRESS = 3


class _Answer(Exception):
    """Stop handling a request with this page (a bad or stale link)."""

    def __init__(self, response):
        super().__init__()
        self.response = response


@blueprint.app_errorhandler(_Answer)
def _answer(answer: _Answer):
    return answer.response


# -- plumbing -------------------------------------------------------------------------


def _uid(read, token: str) -> str:
    """The uid a signed link carries, or a polite page that ends the request."""
    words = SITE[g.lang]
    try:
        return read(token)
    except TokenExpired:
        raise _Answer(message("expired_title", words["expired"], 410)) from None
    except TokenInvalid:
        raise _Answer(message("bad_link_title", words["bad_link"], 400)) from None


def _subscriber(read, token: str) -> subs.Subscriber:
    """The subscriber a signed link names, or a polite page that ends the request."""
    subscriber = subs.get(services().store, uid=_uid(read, token))
    if subscriber is None:
        raise _Answer(message("gone_title", SITE[g.lang]["gone"], 200))
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


def _may_mail(kind: str, key: str) -> bool:
    """Record a mail of this kind to the address; False when the address had
    its share today (then nothing is mailed, and the answer is the same)."""
    store = services().store
    return not ratelimits.over_limit(store, ratelimits.mail_bucket(store, kind, key),
                                     MAILS_PER_ADDRESS, ratelimits.DAY)


def _queue(to_email: str, compose: Callable[[], EmailMessage], *, send: bool = True) -> None:
    """Queue a transactional email: it leaves from the queue, after the
    answer. ``send`` False: compose it all the same, and drop it, so that an
    answer that mails nobody costs the time of one that does."""
    outgoing = services().outgoing
    try:
        raw = compose().as_bytes()
    except (ValueError, MessageError):
        # The answer must not reveal whether mail goes out (or to whom):
        # the failure is for the operator's log.
        LOG.exception("could not compose a transactional email")
        return
    if send and outgoing is None:
        LOG.error("this application has no transport: a transactional email was dropped")
    elif send:
        outgoing.put(services().config.sender_address, to_email, raw)


def _subscribe_mail(asked: subs.Asked) -> EmailMessage:
    """A confirmation link, or for an active address its own links (the
    form changes nothing about it)."""
    config, urls, subscriber = services().config, services().urls, asked.subscriber
    if asked.confirm_uid is None:
        return mail.unsubscribe_link(config, subscriber.email, subscriber.name, asked.language,
                                     urls.unsubscribe(subscriber.uid),
                                     urls.preferences(subscriber.uid))
    return mail.confirmation(config, subscriber.email, subscriber.name or asked.name,
                             asked.language, urls.confirm(asked.confirm_uid))


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
    if _may_mail("confirm", key):
        consent = subs.Consent(ConsentMethod.FORM, config.privacy_version, request.remote_addr)
        asked = subs.request_subscription(
            services().store, email, key, clean_name(form["name"]), form["language"], consent,
            valid_for=timedelta(hours=config.confirm_hours))
        _queue(asked.subscriber.email, lambda: _subscribe_mail(asked))
    return message("check_inbox_title", words["check_inbox"].format(hours=config.confirm_hours))


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    uid = _uid(services().urls.tokens.read_confirm, token)
    asked = subs.confirmable(services().store, uid)
    if asked is None:
        return message("gone_title", SITE[g.lang]["gone"], 410)
    _speak(asked.language)
    words, subscriber = SITE[g.lang], asked.subscriber
    if request.method != "POST":  # GET or HEAD: show, change nothing
        if subscriber.status == SubscriberStatus.ACTIVE:
            return message("confirmed_title", words["already_confirmed"])
        details = [words["confirm_language"].format(language=LANGUAGE_IN[g.lang][asked.language])]
        if asked.name:
            details.append(words["confirm_name"].format(name=asked.name))
        return page("action.html.j2", heading=words["confirm_title"],
                    text=words["confirm_text"].format(email=subscriber.email), details=details,
                    button=words["confirm_button"], csrf_needed=True)
    if not csrf_ok():
        return message("confirm_title", words["form_expired"], 400)
    outcome = subs.confirm(services().store, uid)
    if outcome is subs.Outcome.DONE:
        language = LANGUAGE_IN[g.lang][asked.language]
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
        email, key = normalize(request.form.get("email", "")[:320])
    except InvalidAddress:
        return page("request.html.j2", 400, errors={"email": words["error_email"]},
                    email=request.form.get("email", "")[:320])
    if _rate_limited():
        return message("too_many_title", words["too_many"], 429)
    allowed = _may_mail("unsubscribe", key)  # counted for any address: the same work for all
    subscriber = subs.get(services().store, key=key)
    known = subscriber is not None and subscriber.status in (SubscriberStatus.ACTIVE,
                                                             SubscriberStatus.PENDING)
    # Composed for any address (for an unknown one, with a link of nobody's)
    # and queued only for a subscriber: the same work, so the same time.
    to, name, language, uid = (subscriber.email, subscriber.name, subscriber.language,
                               subscriber.uid) if known else (email, None, g.lang, subs.new_uid())
    urls = services().urls
    _queue(to, lambda: mail.unsubscribe_link(services().config, to, name, language,
                                             urls.unsubscribe(uid), urls.preferences(uid)),
           send=known and allowed)
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
