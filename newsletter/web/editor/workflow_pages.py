"""An issue's page and its workflow: submit for review, approve or send back
with a comment, schedule, cancel; and the page of a delivery, live while it
runs.

An approval records the digest of each edition (its sources, images,
templates: ``render.output.edition_digest``); any later change voids it,
and the scheduler and ``send`` refuse what is not approved as it is now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, g, redirect, request, url_for

from newsletter.content import issue_folder
from newsletter.content.editing import items_in
from newsletter.content.language import language_name
from newsletter.core.errors import IssueInvalid, NewsletterError, UnknownIssue
from newsletter.core.i18n import _
from newsletter.dispatch.approval import approval_required
from newsletter.scheduling.schedule import local_time, schedule, unschedule
from newsletter.store import clicks, now, report, workflow
from newsletter.store import deliveries as ledger
from newsletter.store.states import RecipientState
from newsletter.store.users import Role
from newsletter.web.editor import reading
from newsletter.web.editor.common import blueprint, page, record, requires
from newsletter.web.editor.fields import SECTIONS, problem_link
from newsletter.web.editor.status import standing, state_name
from newsletter.web.services import services

LISTED_STATES = (RecipientState.SENT, RecipientState.FAILED, RecipientState.DEFERRED,
                 RecipientState.UNCERTAIN, RecipientState.QUEUED, RecipientState.CANCELLED)


def _month(month: str) -> str:
    try:
        issue_folder(services().config, month)
    except UnknownIssue:
        abort(404)
    return month


@blueprint.get("/issues/<month>/")
def issue(month: str, *, status: int = 200, error: str | None = None, notice: str | None = None):
    config, store = services().config, services().store
    found = standing(config, store, _month(month), digests=True)
    source = reading.source(month, config.primary_language)
    return page("issue.html.j2", status, issue=found, state_name=state_name, error=error,
                outline=_outline(source.data), version=source.version,
                notice=notice or _notice(), problem_link=problem_link,
                required=approval_required(config, store),
                own_changes_allowed=config.workflow.approve_own_changes,
                default_time=_default_time(config, found),
                primary_language=language_name(config.primary_language))


def _outline(data) -> dict[str, list[tuple[str, str]]]:
    """Each section's items as (id, title), in the file's order."""
    outline = {}
    for section in SECTIONS:
        outline[section] = [(str(e.get("id")), str(e.get("title") or e.get("name") or
                                                   _("(untitled)")))
                            for e in items_in(data, section) if e.get("id")]
    return outline


def _notice() -> str | None:
    done = request.args.get("done") or ("started" if request.args.get("started") else None) \
        or ("conflict" if request.args.get("conflict") else None)
    return {
        "submitted": _("Sent for review: an approver can now approve it."),
        "approved": _("Approved. It can now be scheduled."),
        "sent_back": _("Sent back to the editors with your comment."),
        "scheduled": _("Scheduled."), "cancelled": _("The schedule was cancelled."),
        "started": _("The issue was created: fill it in, item by item."),
        "conflict": _("Someone else saved this issue meanwhile: nothing was changed. Look at "
                      "the list again and repeat."),
    }.get(done or "")


def _default_time(config, found) -> str:
    """The form's proposal: the issue's send_at, else tomorrow at 9."""
    try:
        planned = reading.checked(found.month, strict=False).issue
        if planned and planned.send_at:
            return f"{planned.send_at.astimezone(config.zone):%Y-%m-%dT%H:%M}"
    except NewsletterError:
        pass
    tomorrow = now().astimezone(config.zone) + timedelta(days=1)
    return f"{tomorrow:%Y-%m-%d}T09:00"


def _refuse(month: str, text: str):
    return issue(month, status=409, error=text)


@blueprint.post("/issues/<month>/submit")
@requires(Role.EDITOR)
def submit(month: str):
    config, store = services().config, services().store
    found = standing(config, store, _month(month))
    if found.errors:
        return _refuse(month, _("It cannot be sent for review yet: fix the errors listed below "
                                "first."))
    try:
        workflow.submit(store, month, g.user.email)
    except workflow.WorkflowError as exc:
        return _refuse(month, str(exc))
    record("submitted for review", month)
    return redirect(url_for("editor.issue", month=month, done="submitted"))


@blueprint.post("/issues/<month>/approve")
@requires(Role.APPROVER)
def approve(month: str):
    config, store = services().config, services().store
    found = standing(config, store, _month(month), digests=True)
    if found.errors or not found.digests:
        return _refuse(month, _("It cannot be approved: fix the errors listed below first."))
    try:
        workflow.approve(store, month, g.user.email, found.digests,
                         allow_own_changes=config.workflow.approve_own_changes)
    except workflow.WorkflowError as exc:
        return _refuse(month, str(exc))
    record("approved", month, ", ".join(f"{lang} {digest[:12]}"
                                        for lang, digest in sorted(found.digests.items())))
    return redirect(url_for("editor.issue", month=month, done="approved"))


@blueprint.post("/issues/<month>/send-back")
@requires(Role.APPROVER)
def send_back(month: str):
    comment = " ".join(request.form.get("comment", "").split())[:2000]
    if not comment:
        return _refuse(month, _("Write a comment: say what the editors should change."))
    try:
        workflow.send_back(services().store, _month(month), g.user.email, comment)
    except workflow.WorkflowError as exc:
        return _refuse(month, str(exc))
    record("sent back", month, comment)
    return redirect(url_for("editor.issue", month=month, done="sent_back"))


@blueprint.post("/issues/<month>/schedule")
@requires(Role.APPROVER)
def schedule_issue(month: str):
    config, store = services().config, services().store
    found = standing(config, store, _month(month), digests=True)
    if approval_required(config, store) and not found.approval_current:
        return _refuse(month, _("It must be approved, as it is now, before it is scheduled."))
    moment = _moment(request.form.get("at", ""))
    if moment is None:
        return _refuse(month, _("Choose a day and a time for the delivery."))
    when = local_time(moment, config.zone)
    try:
        scheduled, when = schedule(config, store, month, when,
                                   fallback=bool(request.form.get("fallback")))
    except IssueInvalid:
        return _refuse(month, _("It cannot be scheduled: fix the errors listed below first."))
    except NewsletterError as exc:
        return _refuse(month, str(exc))
    record("scheduled", month, f"{when.moment:%Y-%m-%d %H:%M %Z}: "
           + ", ".join(d.language for d in scheduled) + (f" ({when.note})" if when.note else ""))
    return redirect(url_for("editor.issue", month=month, done="scheduled"))


def _moment(text: str) -> datetime | None:
    """A browser's date and time (with seconds when the field asks for them)."""
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


@blueprint.post("/issues/<month>/cancel")
@requires(Role.APPROVER)
def cancel(month: str):
    removed = unschedule(services().store, _month(month))
    record("schedule cancelled", month, str(removed))
    return redirect(url_for("editor.issue", month=month, done="cancelled"))


@blueprint.get("/issues/<month>/deliveries/<int:delivery_id>")
def delivery(month: str, delivery_id: int):
    found = _delivery(month, delivery_id)
    shown = request.args.get("state", RecipientState.SENT)
    if shown not in LISTED_STATES:
        shown = RecipientState.SENT
    store = services().store
    listed = ledger.recipients_in(store, delivery_id, shown)
    outcome = next((r for r in report.delivery_report(store, month)
                    if r.language == found.language), None)
    counted = [c for c in clicks.counts(store, month) if c.language == found.language]
    return page("delivery.html.j2", delivery=found, progress=_progress(found), shown=shown,
                listed=listed, states=LISTED_STATES, state_name=state_name, month=month,
                outcome=outcome, clicks=counted, counting=services().config.metrics.clicks)


@blueprint.get("/issues/<month>/deliveries/<int:delivery_id>/progress")
def delivery_progress(month: str, delivery_id: int):
    """The counts alone, for the page to refresh itself while it runs."""
    found = _delivery(month, delivery_id)
    return page("delivery_progress.html.j2", delivery=found, progress=_progress(found),
                month=month)


def _delivery(month: str, delivery_id: int) -> ledger.Delivery:
    for found in ledger.listing(services().store, month):
        if found.id == delivery_id:
            return found
    abort(404)


def _progress(found: ledger.Delivery) -> dict:
    store = services().store
    counts = ledger.counts(store, found.id)
    per_minute = ledger.sent_within(store, found.id, now() - timedelta(minutes=1))
    return {"counts": counts, "per_minute": per_minute, "total": sum(
        v for k, v in counts.items() if k != "resent"), "running": found.state in (
        "building", "ready", "running")}
