"""What every page of the web app shares for safety: a CSRF token per
session, the security headers (CSP, no sniffing, no referrer: links carry
personal tokens) and no caching of personal pages."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

CSP = ("default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Archive pages: the issue pages carry their style and font inline; search runs a script.
ARCHIVE_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
               "img-src 'self' data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'")
ARCHIVE_ENDPOINTS = ("site.archive", "site.home")
# The workspace: its own script (htmx, from /assets/) and the previews in frames of its own.
EDITOR_CSP = ("default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
              "script-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'")
# A rendered edition shown in the workspace's frame: its inline styles, no script at all.
EDITION_PREVIEW_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
                       "img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; "
                       "form-action 'none'; sandbox allow-popups allow-popups-to-escape-sandbox")
PREVIEW_ENDPOINTS = ("editor.preview_file", "editor.preview_image")


def install(app: Flask) -> None:
    app.after_request(_headers)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def csrf_ok() -> bool:
    # Forms send it as a field; the workspace's htmx requests as a header.
    sent = request.form.get("csrf", "") or request.headers.get("X-CSRF-Token", "")
    return bool(sent) and hmac.compare_digest(sent, session.get("csrf", ""))


def _workspace() -> bool:
    return (request.endpoint or "").startswith("editor.") or request.path.startswith("/editor/")


def _headers(response):
    archive = request.endpoint in ARCHIVE_ENDPOINTS or (
        request.endpoint == "site.asset" and response.mimetype != "text/css")
    if request.endpoint in PREVIEW_ENDPOINTS:
        policy = EDITION_PREVIEW_CSP
    elif _workspace():
        policy = EDITOR_CSP
    else:
        policy = ARCHIVE_CSP if archive else CSP
    response.headers["Content-Security-Policy"] = policy
    if request.endpoint in PREVIEW_ENDPOINTS:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    elif _workspace():
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Links carry personal tokens: never leak them in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
