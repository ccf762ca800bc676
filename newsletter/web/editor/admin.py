"""The administrators' pages: the people of the workspace (add, role,
disable, a new one-time link), the audit log, and the subscriber list
(search, add with a consent note, import in two steps, export,
unsubscribe, erase), through the same store functions as ``newsletter
users`` and ``newsletter subscribers``.

The audit log names a subscriber by a code made from the address (the
keyed hash that erasure keeps), never by the address: an erased address
must leave no copy of itself behind.
"""

from __future__ import annotations

import hmac
import io
import secrets
import shutil
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Response, g, redirect, request, session, url_for
from werkzeug.utils import secure_filename

from newsletter.core.i18n import _
from newsletter.store import audit, imports, now, utc
from newsletter.store import subscribers as subs
from newsletter.store import users as accounts
from newsletter.store.addresses import InvalidAddress, clean_name, normalize
from newsletter.store.imports import ERROR_KINDS, ImportFileError, ImportReport
from newsletter.store.states import SUPPRESSED, ConsentMethod, SubscriberStatus
from newsletter.store.users import Role
from newsletter.web.editor.common import Refused, blueprint, page, record, requires
from newsletter.web.services import services

ROLES = tuple(role.value for role in Role)
STATUSES = tuple(status.value for status in SubscriberStatus)
VALID_HOURS = int(accounts.SETUP_VALID_FOR.total_seconds() // 3600)
AUDIT_LIMIT = 500
SEARCH_LIMITS = (50, 100, 500, 1000)
NOTE_LIMIT = 500
UPLOADS_KEPT = timedelta(days=1)  # an import never committed is forgotten after this
IMPORT_KEY = "subscriber_import"  # the session's token of the file waiting to be imported


# -- people -------------------------------------------------------------------------


@blueprint.get("/people")
@requires(Role.ADMIN)
def people():
    return _people_page()


def _people_page(status: int = 200, *, error: str | None = None, notice: str | None = None,
                 link: tuple[accounts.User, str] | None = None, form: dict | None = None):
    at = now()
    listed = [(user, _person_state(user, at)) for user in accounts.listing(services().store)]
    return page("people.html.j2", status, people=listed, roles=ROLES,
                state_names=_person_state_names(), error=error,
                notice=notice or _people_notice(), link=link, valid_hours=VALID_HOURS,
                form=form or {"email": "", "name": "", "role": Role.EDITOR.value})


def _person_state(user: accounts.User, at: datetime) -> str:
    """invited, active or disabled as the store says, or locked after repeated failed logins."""
    locked = user.locked_until is not None and utc(user.locked_until) > at
    return "locked" if locked and not user.disabled else user.state


def _person_state_names() -> dict[str, str]:
    return {"invited": _("invited"), "active": _("active"), "disabled": _("disabled"),
            "locked": _("locked")}


def _people_notice() -> str | None:
    return {"role": _("The role was changed: it applies from their next click."),
            "disabled": _("The account was disabled: they can no longer sign in."),
            }.get(request.args.get("done", ""))


def _person(email: str) -> accounts.User:
    try:
        address, key = normalize(email)
    except InvalidAddress as exc:
        raise accounts.UserError(_("{email!r} is not an e-mail address: {reason}").format(
            email=email, reason=exc)) from None
    user = accounts.get(services().store, key)
    if user is None:
        raise accounts.UserError(_("{email} has no account").format(email=address))
    return user


def _is_me(user: accounts.User) -> bool:
    return user.email_key == g.user.email_key


@blueprint.post("/people")
@requires(Role.ADMIN)
def add_person():
    form = {field: request.form.get(field, "").strip() for field in ("email", "name", "role")}
    if form["role"] not in ROLES:
        return _people_page(400, error=_("Choose a role for the person."), form=form)
    try:
        user, token = accounts.add(services().store, form["email"], form["name"], form["role"])
    except accounts.UserError as exc:
        return _people_page(400, error=_sentence(exc), form=form)
    record("person added", detail=f"{user.email} as {user.role}")
    return _people_page(link=(user, services().urls.welcome(token)), notice=_(
        "{name} has an account. Send them the link below to choose their password.").format(
        name=user.name))


@blueprint.post("/people/role")
@requires(Role.ADMIN)
def person_role():
    role = request.form.get("role", "")
    try:
        user = _person(request.form.get("email", ""))
    except accounts.UserError as exc:
        return _people_page(404, error=_sentence(exc))
    if role not in ROLES:
        return _people_page(400, error=_("Choose a role for the person."))
    if _is_me(user) and role != Role.ADMIN:
        return _people_page(409, error=_(
            "You cannot take away your own administrator role: another administrator has to "
            "do it, so that there is always someone who can manage the workspace."))
    accounts.set_role(services().store, user.email, role)
    record("role changed", detail=f"{user.email} to {role}")
    return redirect(url_for("editor.people", done="role"))


@blueprint.post("/people/disable")
@requires(Role.ADMIN)
def disable_person():
    try:
        user = _person(request.form.get("email", ""))
    except accounts.UserError as exc:
        return _people_page(404, error=_sentence(exc))
    if _is_me(user):
        return _people_page(409, error=_(
            "You cannot disable your own account: another administrator has to do it, so "
            "that there is always someone who can manage the workspace."))
    if not request.form.get("confirmed"):
        return _confirm(
            _("Disable this account?"),
            _("{name} <{email}> will no longer be able to sign in, and their open sessions end "
              "now. Their account and what they did are kept. An account cannot be enabled "
              "again from the workspace: add the person again with another address, or ask "
              "whoever runs the server.").format(name=user.name, email=user.email),
            "editor.disable_person", user.email, _("Disable the account"),
            url_for("editor.people"))
    accounts.disable(services().store, user.email)
    record("person disabled", detail=user.email)
    return redirect(url_for("editor.people", done="disabled"))


@blueprint.post("/people/reset")
@requires(Role.ADMIN)
def reset_person():
    try:
        user = _person(request.form.get("email", ""))
    except accounts.UserError as exc:
        return _people_page(404, error=_sentence(exc))
    if user.disabled:
        return _people_page(409, error=_("{email} is disabled: a new link would not let them "
                                         "sign in.").format(email=user.email))
    token = accounts.reset(services().store, user.email)
    record("password link renewed", detail=user.email)
    return _people_page(link=(user, services().urls.welcome(token)), notice=_(
        "A new link for {name}: any earlier link stops working, and their current password "
        "works until they choose a new one.").format(name=user.name))


def _confirm(heading: str, text: str, endpoint: str, email: str, button: str, back: str):
    """The second step of a change that is hard or impossible to undo."""
    return page("admin_confirm.html.j2", heading=heading, text=text, action=url_for(endpoint),
                email=email, button=button, back=back)


def _sentence(error: Exception | str) -> str:
    """A store's message (lower case, no full stop) as a sentence; one that
    starts with an address or a file name keeps it as it is."""
    text = str(error)
    first = text.split(" ", 1)[0]
    if first.isalpha():
        text = text[:1].upper() + text[1:]
    return text + ("" if text.endswith((".", "!", "?")) else ".")


# -- the audit log ------------------------------------------------------------------


@blueprint.get("/audit")
@requires(Role.ADMIN)
def audit_log():
    config, store = services().config, services().store
    shown = {field: request.args.get(field, "").strip()
             for field in ("actor", "action", "month", "since", "until")}
    filters, error = _audit_filters(shown, config.zone)
    entries = [] if error else audit.listing(store, **filters, limit=AUDIT_LIMIT)
    actors = [user.email for user in accounts.listing(store)] + ["cli"]
    return page("audit.html.j2", 400 if error else 200, entries=entries, shown=shown,
                actors=actors, actions=audit.actions(store), error=error,
                full=len(entries) == AUDIT_LIMIT, limit=AUDIT_LIMIT)


def _audit_filters(shown: dict[str, str], zone) -> tuple[dict, str | None]:
    """The store's filters from the form's fields; the dates are whole days in
    the office's zone, both included."""
    filters = {"actor": shown["actor"] or None, "action": shown["action"] or None,
               "month": shown["month"] or None}
    if shown["month"] and not _is_month(shown["month"]):
        return filters, _("Write the issue's month as year and month, e.g. 2024-03.")
    try:
        since = date.fromisoformat(shown["since"]) if shown["since"] else None
        until = date.fromisoformat(shown["until"]) if shown["until"] else None
    except ValueError:
        return filters, _("Write the dates as year, month and day, e.g. 2024-03-31.")
    if since and until and until < since:
        return filters, _("The end of the period is before its start: swap the two dates.")
    filters["since"] = datetime.combine(since, datetime.min.time(), zone) if since else None
    filters["until"] = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone) \
        if until else None
    return filters, None


def _is_month(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return len(text) == 7


# -- subscribers --------------------------------------------------------------------


def _ref(key: str) -> str:
    """How the audit log names an address: the start of the keyed hash that
    erasure keeps (as the ledger's replies do, ``<erased:…>``)."""
    return "#" + services().store.address_hash(key)[:12]


@blueprint.get("/subscribers")
@requires(Role.ADMIN)
def subscribers():
    return _subscribers_page()


def _subscribers_page(status: int = 200, *, error: str | None = None, form: dict | None = None):
    config, store = services().config, services().store
    query = _search_query(config.languages)
    found = subs.search(store, query["text"], query["status"] or None, query["language"] or None,
                        query["limit"] + 1)
    return page("subscribers.html.j2", status, stats=_stats(config.languages), query=query,
                found=found[:query["limit"]], more=len(found) > query["limit"],
                statuses=STATUSES, status_names=_status_names(), languages=config.languages,
                limits=SEARCH_LIMITS, suppressed=SUPPRESSED, error=error,
                notice=_subscribers_notice(), form=form or {
                    "email": "", "name": "", "language": config.primary_language, "note": ""})


def _search_query(languages: tuple[str, ...]) -> dict:
    args = request.args
    limit = args.get("limit", type=int)
    return {"text": args.get("q", "").strip()[:320],
            "status": args.get("status", "") if args.get("status") in STATUSES else "",
            "language": args.get("language", "") if args.get("language") in languages else "",
            "limit": limit if limit in SEARCH_LIMITS else SEARCH_LIMITS[1]}


def _status_names() -> dict[str, str]:
    return {"pending": _("waiting for confirmation"), "active": _("active"),
            "unsubscribed": _("unsubscribed"), "bounced": _("bounced"),
            "complained": _("marked as spam")}


def _stats(languages: tuple[str, ...]) -> dict:
    """The counts by status (rows) and language (columns), as ``stats`` prints them."""
    counts = subs.stats(services().store)
    rows = []
    for status in STATUSES:
        row = [counts.get((status, language), 0) for language in languages]
        rows.append((status, row, sum(row)))
    totals = [sum(row[i] for _status, row, _total in rows) for i in range(len(languages))]
    return {"rows": rows, "totals": totals, "total": sum(totals),
            "erased": counts[("erased", "-")]}


def _subscribers_notice() -> str | None:
    return {"added": _("The subscriber was added: they receive the next issue."),
            "unsubscribed": _("The address was unsubscribed: it receives nothing more."),
            "already_unsubscribed": _("The address was already unsubscribed."),
            "erased": _("The address was erased: only its code is kept, so that it is never "
                        "mailed or imported again."),
            "already_erased": _("The address had already been erased."),
            "suppressed": _("The address was not in the list: it is now suppressed, so it "
                            "will never be added by hand or imported."),
            }.get(request.args.get("done", ""))


def _not_an_address(text: str, error: InvalidAddress) -> str:
    return _sentence(_("“{email}” is not an e-mail address: {reason}").format(
        email=text, reason=error))


@blueprint.post("/subscribers")
@requires(Role.ADMIN)
def add_subscriber():
    config = services().config
    form = {field: request.form.get(field, "").strip() for field in
            ("email", "name", "language", "note")}
    note = " ".join(form["note"].split())[:NOTE_LIMIT]
    try:
        email, key = normalize(form["email"])
    except InvalidAddress as exc:
        return _subscribers_page(400, error=_not_an_address(form["email"], exc), form=form)
    if form["language"] not in config.languages:
        return _subscribers_page(400, error=_("Choose the edition they receive."), form=form)
    if not note:
        return _subscribers_page(400, form=form, error=_(
            "Say how the person gave their consent (for example: a signed form at the desk, "
            "on which day): it is kept with the subscription."))
    consent = subs.Consent(ConsentMethod.CLI, config.privacy_version)
    try:
        subs.add(services().store, email, key, clean_name(form["name"]), form["language"],
                 consent, note=f"noted by {g.user.email} in the workspace: {note}")
    except subs.SubscriberError as exc:
        return _subscribers_page(409, error=_sentence(exc), form=form)
    record("subscriber added", detail=f"{_ref(key)} ({form['language']})")
    return redirect(url_for("editor.subscribers", done="added"))


@blueprint.post("/subscribers/unsubscribe")
@requires(Role.ADMIN)
def unsubscribe_subscriber():
    text = request.form.get("email", "")
    try:
        email, key = normalize(text)
    except InvalidAddress as exc:
        return _subscribers_page(400, error=_not_an_address(text, exc))
    found = subs.get(services().store, key=key)
    if found is None:
        return _subscribers_page(404, error=_("{email} is not in the list.").format(email=email))
    if not request.form.get("confirmed"):
        return _confirm(
            _("Unsubscribe this address?"),
            _("{email} will receive no more issues, from now on. The address stays in the list "
              "as unsubscribed and is never added again by hand or by an import; the person "
              "can subscribe again through the form.").format(email=found.email),
            "editor.unsubscribe_subscriber", found.email, _("Unsubscribe"),
            url_for("editor.subscribers"))
    outcome = subs.remove(services().store, key)
    if outcome is subs.Outcome.DONE:
        record("subscriber unsubscribed", detail=_ref(key))
    done = "unsubscribed" if outcome is subs.Outcome.DONE else "already_unsubscribed"
    return redirect(url_for("editor.subscribers", done=done))


@blueprint.post("/subscribers/erase")
@requires(Role.ADMIN)
def erase_subscriber():
    text = request.form.get("email", "")
    try:
        email, key = normalize(text)
    except InvalidAddress as exc:
        return _subscribers_page(400, error=_not_an_address(text, exc))
    found = subs.get(services().store, key=key)
    if not request.form.get("confirmed"):
        known = _("{email} and everything kept about them (name, language, consent, history) "
                  "will be deleted.").format(email=email) if found else _(
                  "{email} is not in the list: erasing it keeps it from ever being added by "
                  "hand or imported.").format(email=email)
        return _confirm(
            _("Erase this address?"),
            known + " " + _("This cannot be undone. Only a code made from the address is "
                            "kept, so that it is never mailed again."),
            "editor.erase_subscriber", email, _("Erase for good"), url_for("editor.subscribers"))
    outcome = subs.erase(services().store, key)
    record("subscriber erased", detail=f"{_ref(key)} ({outcome.value})")
    done = {subs.Outcome.DONE: "erased", subs.Outcome.ALREADY: "already_erased",
            subs.Outcome.UNKNOWN: "suppressed"}[outcome]
    return redirect(url_for("editor.subscribers", done=done))


@blueprint.get("/subscribers/export")
@requires(Role.ADMIN)
def export_subscribers():
    """The CSV of ``newsletter subscribers export``, with the same filters."""
    config = services().config
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    language = request.args.get("language") if request.args.get("language") in config.languages \
        else None
    handle = io.StringIO(newline="")
    count = subs.write_export(services().store, handle, status, language)
    record("subscribers exported", detail=f"{count} (status {status or 'any'}, "
                                          f"language {language or 'any'})")
    name = "-".join(["subscribers", *(part for part in (status, language) if part),
                     f"{now().astimezone(config.zone):%Y-%m-%d}"]) + ".csv"
    return Response(handle.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- importing a CSV file, in two steps ---------------------------------------------


@blueprint.route("/subscribers/import", methods=["GET", "POST"])
@requires(Role.ADMIN)
def import_subscribers():
    """Upload a CSV file: every row is checked and reported; nothing is imported yet."""
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(400, error=_("Choose the CSV file to import."))
    _forget_upload()
    _forget_old_uploads()
    token = secrets.token_urlsafe(24)
    path = _uploads() / token / (secure_filename(upload.filename) or "subscribers.csv")
    path.parent.mkdir(mode=0o700, parents=True)
    upload.save(path)
    try:
        report = _check(path, dry_run=True)
    except ImportFileError as exc:
        shutil.rmtree(path.parent, ignore_errors=True)
        return _import_page(400, error=_sentence(str(exc).replace(str(path), path.name)))
    session[IMPORT_KEY] = token
    return _import_page(report=report, name=path.name, token=token)


@blueprint.post("/subscribers/import/commit")
@requires(Role.ADMIN)
def commit_import():
    """The second step: import the good rows of the file checked in the first
    (checked again now: the list may have changed meanwhile), or discard it."""
    path = _upload(request.form.get("token", ""))
    if path is None:
        raise Refused(_("This import is no longer waiting (it was imported, discarded or "
                        "started in another session): upload the file again."), 409)
    if request.form.get("discard"):
        _forget_upload()
        return redirect(url_for("editor.import_subscribers"))
    try:
        report = _check(path, dry_run=False)
    except ImportFileError as exc:
        return _import_page(400, error=_sentence(str(exc).replace(str(path), path.name)))
    finally:
        _forget_upload()
    record("subscribers imported", detail=f"{report.imported} from {path.name}")
    return _import_page(report=report, name=path.name, committed=True)


def _check(path: Path, *, dry_run: bool) -> ImportReport:
    config = services().config
    return imports.import_subscribers(services().store, path, languages=config.languages,
                              privacy_version=config.privacy_version, dry_run=dry_run)


def _import_page(status: int = 200, *, report: ImportReport | None = None, name: str = "",
                 token: str = "", committed: bool = False, error: str | None = None):
    return page("subscriber_import.html.j2", status, report=report, name=name, token=token,
                committed=committed, error=error, counts=_import_counts(report) if report else {},
                kind_names=_kind_names(), languages=services().config.languages)


def _import_counts(report: ImportReport) -> dict[str, int]:
    """What became of the lines, as ``subscribers import`` sums them up."""
    return {"lines": report.lines, "imported": report.imported,
            "errors": report.count(*ERROR_KINDS), "duplicate": report.count("duplicate"),
            "subscribed": report.count("subscribed"), "suppressed": report.count("suppressed"),
            "blank": report.blank}


def _kind_names() -> dict[str, str]:
    return {"unreadable": _("cannot be read"), "invalid": _("error"),
            "duplicate": _("duplicate"), "subscribed": _("already in the list"),
            "suppressed": _("suppressed")}


def _uploads() -> Path:
    """Files waiting for their import: with the subscriber data, never in git."""
    return services().config.subscribers_dir / "uploads"


def _upload(token: str) -> Path | None:
    """The file waiting under ``token``, if this session uploaded it."""
    mine = session.get(IMPORT_KEY, "")
    if not token or not mine or not hmac.compare_digest(token, mine):
        return None
    folder = _uploads() / mine
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return files[0] if files else None


def _forget_upload() -> None:
    """Delete this session's waiting file (it holds personal data)."""
    token = session.pop(IMPORT_KEY, None)
    if token:
        shutil.rmtree(_uploads() / token, ignore_errors=True)


def _forget_old_uploads() -> None:
    """Delete the files of imports started and never finished."""
    folder = _uploads()
    if not folder.is_dir():
        return
    oldest = time.time() - UPLOADS_KEPT.total_seconds()
    for waiting in folder.iterdir():
        if waiting.is_dir() and waiting.stat().st_mtime < oldest:
            shutil.rmtree(waiting, ignore_errors=True)
