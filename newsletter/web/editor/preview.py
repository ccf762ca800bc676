"""Each edition as its readers will get it, rendered from the sources as
they are now: the email at phone and desktop widths, the plain text, the
PDF and the web page; and a test send to the signed-in person.

Rendering is kept while the sources do not change (their files' sizes and
times), so a page that shows the email twice renders it once. The
rendered pages are served under ``/editor/view/`` in frames that allow no
script (``security.EDITION_PREVIEW_CSP``), behind the same session.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Response, abort, flash, g, redirect, request, send_from_directory, url_for

from newsletter.content import issue_folder
from newsletter.content.reader import IMAGE_SUFFIXES
from newsletter.core.errors import NewsletterError, UnknownIssue
from newsletter.core.i18n import _
from newsletter.dispatch import send_test
from newsletter.dispatch.transports import TransportError
from newsletter.render.build import build_issue, render_edition, render_edition_email
from newsletter.render.labels import LABELS
from newsletter.store.users import Role
from newsletter.web.editor import reading
from newsletter.web.editor.common import blueprint, page, record, requires
from newsletter.web.services import services

FILES = {"email.html": "text/html; charset=utf-8", "email.txt": "text/plain; charset=utf-8",
         "issue.pdf": "application/pdf", "index.html": "text/html; charset=utf-8"}
_KEPT = 24
_cache: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def _folder(month: str) -> Path:
    try:
        return issue_folder(services().config, month)
    except UnknownIssue:
        abort(404)


@blueprint.get("/issues/<month>/preview/<lang>")
@requires(Role.EDITOR)
def preview(month: str, lang: str):
    config = services().config
    _folder(month)
    if lang not in config.languages:
        abort(404)
    checked = reading.checked(month, strict=False)
    editions = list(checked.issue.editions) if checked.issue else []
    return page("preview.html.j2", month=month, lang_shown=lang, editions=editions,
                labels={code: LABELS[code]["language"] for code in config.languages},
                errors=checked.errors, available=lang in editions)


@blueprint.get("/view/<month>/<lang>/", defaults={"name": "index.html"})
@blueprint.get("/view/<month>/<lang>/<name>")
@requires(Role.EDITOR)
def preview_file(month: str, lang: str, name: str):
    if name not in FILES:
        abort(404)
    try:
        body = _rendered(month, lang, name)
    except NewsletterError as exc:
        return Response(_("This edition cannot be shown yet: {reason}").format(reason=exc),
                        status=409, content_type="text/plain; charset=utf-8")
    return Response(body, content_type=FILES[name])


@blueprint.get("/view/<month>/images/<name>")
@requires(Role.EDITOR)
def preview_image(month: str, name: str):
    if "/" in name or name.startswith(".") or not name.lower().endswith(tuple(IMAGE_SUFFIXES)):
        abort(404)  # the issue's pictures only: never its sources
    return send_from_directory(_folder(month), name, max_age=0)


def _rendered(month: str, lang: str, name: str) -> bytes | str:
    folder = _folder(month)
    key = (str(folder), request.host_url, month, lang,
           name if name != "email.txt" else "email.html", reading.signature(folder))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            found = _cache[key]
            return found[1] if name == "email.txt" else found[0] if isinstance(found, tuple) \
                else found
    value = _render(month, lang, name)
    with _lock:
        _cache[key] = value
        while len(_cache) > _KEPT:
            _cache.popitem(last=False)
    return value[1] if name == "email.txt" else value[0] if isinstance(value, tuple) else value


def _render(month: str, lang: str, name: str):
    config = services().config
    checked = reading.checked(month, strict=False)
    if checked.issue is None:
        raise NewsletterError(_("the issue has errors: fix them first (see the issue's page)"))
    if lang not in checked.issue.editions:
        raise NewsletterError(_("there is no {lang} edition yet").format(lang=lang))
    base = request.host_url.rstrip("/") + url_for("editor.preview_root")
    local = dataclasses.replace(config, base_url=base.rstrip("/"))
    edition = checked.issue.editions[lang]
    if name in ("email.html", "email.txt"):
        return render_edition_email(edition, local)
    others = tuple(code for code in checked.issue.editions if code != lang)
    rendered = render_edition(edition, checked.issue, local, others)
    return rendered.pdf if name == "issue.pdf" else rendered.web_html


@blueprint.get("/view/")
@requires(Role.EDITOR)
def preview_root():
    return redirect(url_for("editor.dashboard"))


@blueprint.post("/issues/<month>/preview/<lang>/test")
@requires(Role.EDITOR)
def test_send(month: str, lang: str):
    """One copy marked [TEST] to the signed-in person, through the configured transport."""
    services_ = services()
    config = services_.config
    _folder(month)
    if services_.transports is None or lang not in config.languages:
        abort(404)
    try:
        with tempfile.TemporaryDirectory(prefix="wip-test-") as out:
            build_issue(config, month, Path(out), (lang,))
            send_test(config, month, lang, g.user.email, Path(out), services_.transports())
    except (NewsletterError, TransportError, OSError) as exc:
        record("test send failed", month, f"{lang}: {exc}")
        flash(_("The test was not sent: {reason}").format(reason=exc), "error")
        return redirect(url_for("editor.preview", month=month, lang=lang))
    record("test sent", month, f"{lang} → {g.user.email}")
    flash(_("A test copy was sent to {address}.").format(address=g.user.email), "notice")
    return redirect(url_for("editor.preview", month=month, lang=lang))
