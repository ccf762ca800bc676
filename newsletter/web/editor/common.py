"""What every page of the workspace shares: the blueprint, who is signed in
and what their role lets them do, the page frame, the audit trail.

A session is kept by the server (``store.sessions``; the cookie carries
only its random token): signing out, a while without a request, a new
password or a disabled account ends it, wherever copies of the cookie
survive. The role is read from the store on every request, so a change of
role takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from newsletter.core.i18n import _, use_language
from newsletter.store import audit, sessions
from newsletter.store.users import Role, User
from newsletter.web.security import csrf_ok, csrf_token
from newsletter.web.services import services

blueprint = Blueprint("editor", __name__, url_prefix="/editor")

WORKSPACE_LANGUAGES = {"it": "Italiano", "en": "English"}
RANKS = {Role.EDITOR: 1, Role.APPROVER: 2, Role.ADMIN: 3}
# Pages anyone may open: the door and the one-time link that sets a password.
PUBLIC_ENDPOINTS = {"editor.login", "editor.welcome"}
FORM_BYTES = 1024 * 1024  # the longest body is a few thousand characters
UPLOAD_BYTES = 20 * 1024 * 1024  # an image (reduced on arrival) or a CSV of subscribers
UPLOAD_ENDPOINTS = {"editor.item", "editor.new_item", "editor.import_subscribers"}


class Refused(Exception):
    """Stop a request with a page that says why (a form sent twice, a role)."""

    def __init__(self, text: str, status: int = 403):
        super().__init__(text)
        self.text, self.status = text, status


@blueprint.errorhandler(Refused)
def _refused(refused: Refused):
    return page("message.html.j2", refused.status, heading=_("Not allowed"), text=refused.text)


@blueprint.before_request
def _before() -> object:
    request.max_content_length = UPLOAD_BYTES if request.endpoint in UPLOAD_ENDPOINTS \
        else FORM_BYTES
    _speak()
    g.user = _signed_in()
    if request.endpoint not in PUBLIC_ENDPOINTS and g.user is None:
        if request.method != "GET":
            raise Refused(_("Your session has ended: sign in again (what you typed was not "
                            "saved)."), 401)
        return redirect(url_for("editor.login", next=_local(request.full_path.rstrip("?"))))
    if request.method == "POST" and not csrf_ok():
        raise Refused(_("This form has expired (or did not come from this site): go back, "
                        "reload the page and send it again."), 400)
    return None


def _speak() -> None:
    """The workspace speaks the person's chosen language, else the office's."""
    asked = request.args.get("ui")
    if asked in WORKSPACE_LANGUAGES:
        session["ui"] = asked
    chosen = session.get("ui") or services().config.workspace.language or "it"
    g.ui = chosen if chosen in WORKSPACE_LANGUAGES else "it"
    use_language(g.ui)


def _signed_in() -> User | None:
    token = session.get("editor")
    if not token:
        return None
    idle = timedelta(minutes=services().config.workspace.session_idle_minutes)
    user = sessions.person(services().store, token, idle)
    if user is None:
        end_session(close=False)
    return user


def begin_session(user: User) -> None:
    """A fresh session at each sign-in (nothing from before it survives but the
    language), with a new CSRF token; the store keeps it (``store.sessions``)."""
    ui = session.get("ui")
    session.clear()
    if ui:
        session["ui"] = ui
    session["editor"] = sessions.begin(services().store, user)
    session.permanent = False
    csrf_token()


def end_session(*, close: bool = True) -> None:
    """Forget the session here and (``close``) in the store, where copies of
    the cookie would otherwise still open it."""
    token, ui = session.get("editor"), session.get("ui")
    if close and token:
        sessions.end(services().store, token)
    session.clear()
    if ui:
        session["ui"] = ui


def may(role: Role) -> bool:
    user = g.get("user")
    return user is not None and RANKS.get(Role(user.role), 0) >= RANKS[role]


def requires(role: Role) -> Callable:
    """The route answers only people with at least ``role``."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not may(role):
                raise Refused(_("This needs the role “{role}”; yours is “{yours}”. Ask an "
                                "administrator.").format(role=role_name(role),
                                                         yours=role_name(g.user.role)))
            return view(*args, **kwargs)
        return guarded
    return decorate


def role_name(role: str) -> str:
    return {"editor": _("editor"), "approver": _("approver"), "admin": _("administrator")
            }.get(str(role), str(role))


def record(action: str, month: str | None = None, detail: str = "") -> None:
    """The audit trail: who did what, when, to which issue."""
    audit.record(services().store, g.user.email if g.get("user") else "-", action, month, detail)


def page(template: str, status: int = 200, **values):
    config = services().config
    return render_template(
        f"editor/{template}", lang=g.get("ui", "it"), title=config.title, user=g.get("user"),
        csrf=csrf_token(), may=may, Role=Role, role_name=role_name, path=request.path,
        ui_languages=WORKSPACE_LANGUAGES, zone=config.zone, primary=config.primary_language,
        **values), status


def back_to(target: str | None, fallback: str) -> str:
    """A redirect target inside the workspace only (never another site)."""
    return _local(target) or fallback


def _local(target: str | None) -> str | None:
    if not target:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target) or "\\" in target:
        return None  # a line break would split the Location header; a space is not a path
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/editor/"):
        return None
    return target


