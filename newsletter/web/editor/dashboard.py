"""The dashboard (every issue by month, with its state, each language's
completeness and who changed it last) and starting a new issue."""

from __future__ import annotations

from datetime import date, timedelta

from flask import g, redirect, request, url_for

from newsletter.content import known_months
from newsletter.content.scaffold import new_issue
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _
from newsletter.store import revisions
from newsletter.web.editor.common import blueprint, page, record
from newsletter.web.editor.status import standing, state_name
from newsletter.web.services import services


@blueprint.get("/")
def dashboard():
    config, store = services().config, services().store
    months = sorted(known_months(config), reverse=True)
    issues = [standing(config, store, month) for month in months]
    return page("dashboard.html.j2", issues=issues, state_name=state_name,
                next_month=_next_month(months), months=months, error=None)


@blueprint.post("/issues")
def start_issue():
    """A new issue, empty or started from an earlier one."""
    config, store = services().config, services().store
    month = request.form.get("month", "").strip()
    previous = request.form.get("from") or None
    try:
        started = new_issue(config, month, previous)
    except NewsletterError as exc:
        months = sorted(known_months(config), reverse=True)
        issues = [standing(config, store, m) for m in months]
        return page("dashboard.html.j2", 400, issues=issues, state_name=state_name,
                    next_month=month, months=months, error=str(exc))
    for path in started.files:
        revisions.record(store, month, path.name, g.user.email, path.read_text(encoding="utf-8"))
    detail = _("from {previous}: kept {kept}, dropped {dropped}").format(
        previous=previous, kept=len(started.carried), dropped=len(started.dropped)) \
        if previous else _("empty")
    record("issue started", month, detail)
    return redirect(url_for("editor.issue", month=month, started=1))


def _next_month(months: list[str]) -> str:
    """The month after the latest issue (or this month, without any)."""
    if not months:
        today = date.today()
        return f"{today:%Y-%m}"
    year, month = map(int, months[0].split("-"))
    after = date(year, month, 28) + timedelta(days=4)
    return f"{after:%Y-%m}"
