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


def install(app: Flask) -> None:
    app.after_request(_headers)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent, session.get("csrf", ""))


def _headers(response):
    archive = request.endpoint in ARCHIVE_ENDPOINTS or (
        request.endpoint == "site.asset" and response.mimetype != "text/css")
    response.headers["Content-Security-Policy"] = ARCHIVE_CSP if archive else CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Links carry personal tokens: never leak them in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
