"""Every save of an issue is a revision (who, when, the whole file): the
history, what each revision changed, and restoring one (itself a new
revision, refused like any save if someone saved in between)."""

from __future__ import annotations

from pathlib import PurePath

from flask import abort, redirect, request, url_for

from newsletter.content.editing import SourceUnreadable, open_source, unified_diff
from newsletter.core.i18n import _
from newsletter.store import revisions
from newsletter.store.users import Role
from newsletter.web.editor.common import blueprint, page, requires
from newsletter.web.editor.saving import OUTSIDE, Conflicted, replace
from newsletter.web.editor.workflow_pages import _month
from newsletter.web.services import services


@blueprint.get("/issues/<month>/revisions")
@requires(Role.EDITOR)
def history(month: str):
    found = revisions.listing(services().store, _month(month))
    return page("revisions.html.j2", month=month, revisions=found, outside=OUTSIDE)


@blueprint.get("/issues/<month>/revisions/<int:revision_id>")
@requires(Role.EDITOR)
def revision(month: str, revision_id: int, *, status: int = 200, conflict=None):
    config, store = services().config, services().store
    shown = _revision(_month(month), revision_id)
    earlier = [r for r in revisions.listing(store, month, shown.file) if r.id < shown.id]
    before = earlier[0].text if earlier else ""
    lang = PurePath(shown.file).stem
    current = open_source(config, month, lang)
    return page("revision.html.j2", status, month=month, revision=shown, outside=OUTSIDE,
                changes=unified_diff(before, shown.text, _("before"), _("this revision")),
                against_now=unified_diff(shown.text, current.text, _("this revision"), _("now")),
                version=current.version, conflict=conflict)


@blueprint.post("/issues/<month>/revisions/<int:revision_id>/restore")
@requires(Role.EDITOR)
def restore(month: str, revision_id: int):
    shown = _revision(_month(month), revision_id)
    lang = PurePath(shown.file).stem
    result = replace(month, lang, request.form.get("version", ""), shown.text,
                     _("restored the revision of {at}").format(
                         at=f"{shown.at.astimezone(services().config.zone):%Y-%m-%d %H:%M}"))
    if isinstance(result, Conflicted):
        return revision(month, revision_id, status=409, conflict=result)
    return redirect(url_for("editor.history", month=month, restored=revision_id))


def _revision(month: str, revision_id: int) -> revisions.Revision:
    found = revisions.get(services().store, revision_id)
    if found is None or found.month != month:
        abort(404)
    return found


# -- a source that no form can read ------------------------------------------------------


@blueprint.errorhandler(SourceUnreadable)
def _unreadable(exc: SourceUnreadable):
    """A hand-edited file with a mistake in its YAML: correct it as text."""
    month = (request.view_args or {}).get("month", "")
    lang = (request.view_args or {}).get("lang") or services().config.primary_language
    return redirect(url_for("editor.source", month=month, lang=lang))


@blueprint.route("/issues/<month>/source/<lang>", methods=["GET", "POST"])
@requires(Role.EDITOR)
def source(month: str, lang: str):
    """The whole file as text, with what is wrong in it; saved as any form is."""
    config = services().config
    month = _month(month)
    if lang not in config.languages:
        abort(404)
    path = config.issues_dir / month / f"{lang}.yaml"
    if request.method == "POST":
        text = request.form.get("text", "").replace("\r\n", "\n")
        try:
            result = replace(month, lang, request.form.get("version", ""), text,
                             _("corrected as text"))
        except SourceUnreadable as exc:
            return page("source.html.j2", 400, month=month, lang_shown=lang, text=text,
                        version=request.form.get("version", ""), problem=str(exc),
                        conflict=None)
        if isinstance(result, Conflicted):
            return page("source.html.j2", 409, month=month, lang_shown=lang, text=text,
                        version=result.source.version, problem=None, conflict=result)
        return redirect(url_for("editor.issue", month=month))
    try:
        opened = open_source(config, month, lang)
        text, version, problem = opened.text, opened.version, None
    except SourceUnreadable as exc:
        text, version, problem = exc.text, exc.version, str(exc)
    if not path.is_file():
        abort(404)
    return page("source.html.j2", month=month, lang_shown=lang, text=text, version=version,
                problem=problem, conflict=None)
