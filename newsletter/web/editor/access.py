"""Signing in and out, and the one-time link where a new person (or one who
forgot it) chooses a password.

Failed logins are counted per client address (``[workspace]
logins_per_hour``) and per account (locked for a while after five); the
answer is the same for an unknown address, a wrong password, a disabled
or a locked account.
"""

from __future__ import annotations

from flask import g, redirect, request, url_for

from newsletter.core.i18n import _
from newsletter.store import ratelimits
from newsletter.store import users as people
from newsletter.web.editor.common import (
    back_to,
    begin_session,
    blueprint,
    end_session,
    page,
    record,
)
from newsletter.web.services import services

WINDOW = ratelimits.HOUR


def _client_bucket() -> str:
    store = services().store
    return ratelimits.bucket(store, f"login:{request.remote_addr or '?'}")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    target = back_to(request.values.get("next"), url_for("editor.dashboard"))
    if g.user is not None and request.method == "GET":
        return redirect(target)
    if request.method == "GET":
        return page("login.html.j2", next=target, email="", error=None)
    store, config = services().store, services().config
    email = request.form.get("email", "").strip()[:320]
    password = request.form.get("password", "")[:1024]
    if ratelimits.recent(store, _client_bucket(), WINDOW) >= config.workspace.logins_per_hour:
        return page("login.html.j2", 429, next=target, email=email, error=_(
            "Too many failed attempts from this computer: wait an hour, or ask an "
            "administrator to reset your password."))
    user = people.verify(store, email, password)
    if user is None:
        ratelimits.note(store, _client_bucket())
        return page("login.html.j2", 401, next=target, email=email, error=_(
            "The address or the password is not right (after five failed attempts the account "
            "is locked for 15 minutes)."))
    begin_session(user)
    g.user = user
    record("login")
    return redirect(target)


@blueprint.post("/logout")
def logout():
    record("logout")
    end_session()
    return redirect(url_for("editor.login"))


@blueprint.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """Choose a password with the one-time link from ``newsletter users add``."""
    if request.method == "GET":
        return page("welcome.html.j2", token=token, error=None)
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        return page("welcome.html.j2", 400, token=token,
                    error=_("The two passwords are not the same: type them again."))
    try:
        user = people.set_password(services().store, token, password)
    except people.UserError as exc:
        return page("welcome.html.j2", 400, token=token, error=str(exc))
    begin_session(user)
    g.user = user
    record("password set")
    return redirect(url_for("editor.dashboard"))
