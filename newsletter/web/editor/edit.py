"""The forms of the primary edition: the issue's own fields (title,
curated-by line, preheader, send time, Approfondimenti, the delegations'
period) and one form per item (a Top News item, a consulate's note, a
delegation received), plus adding, removing and reordering items.

Every form carries the version of the file it was opened from; the save
applies the form's fields to the file as it is now and is refused if
someone saved in between (``saving``). Whatever `check` says about a field
is shown next to it.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from newsletter.content import markdown
from newsletter.content.editing import (
    add_item,
    find_item,
    items_in,
    move_item,
    new_item_id,
    open_source,
    remove_item,
    section_items,
    set_value,
)
from newsletter.content.reader import PLACEHOLDER
from newsletter.content.source_dates import DATE_KINDS, NO_DATE, DateInvalid
from newsletter.core.i18n import _, current_language
from newsletter.store.users import Role
from newsletter.web.editor import forms, images, reading
from newsletter.web.editor.common import blueprint, page, requires
from newsletter.web.editor.fields import SECTIONS, problems_for
from newsletter.web.editor.saving import Conflicted, edit, remember
from newsletter.web.editor.workflow_pages import _month
from newsletter.web.services import services


def _primary() -> str:
    return services().config.primary_language


def _section(section: str) -> str:
    if section not in SECTIONS:
        abort(404)
    return section


# -- the issue's own fields -----------------------------------------------------------


@blueprint.route("/issues/<month>/metadata", methods=["GET", "POST"])
@requires(Role.EDITOR)
def metadata(month: str):
    month, lang = _month(month), _primary()
    if request.method == "GET":
        source = reading.source(month, lang)
        remember(month, source)
        return _metadata_page(month, source.version, forms.metadata_values(source.data))
    values = forms.metadata_from(request.form)
    try:
        changes = forms.metadata_changes(values)
    except DateInvalid as exc:
        return _metadata_page(month, request.form.get("version", ""), values, 400,
                              {exc.field or "period": [str(exc)]})
    result = edit(month, lang, request.form.get("version", ""),
                  lambda data: [set_value(data, path, value) for path, value in changes],
                  _("the issue's fields"))
    if isinstance(result, Conflicted):
        return _metadata_page(month, result.source.version, values, 409, conflict=result)
    return redirect(url_for("editor.metadata", month=month, saved=1, voided=int(result.voided)))


def _metadata_page(month, version, values, status=200, errors=None, conflict=None):
    checked = reading.checked(month)
    found = problems_for(checked.errors, checked.warnings, _primary(), None, None)
    for key, messages in (errors or {}).items():
        found.setdefault(key, []).extend((m, True) for m in messages)
    return page("metadata.html.j2", status, month=month, version=version, values=values,
                problems=found, conflict=conflict, saved=request.args.get("saved"),
                voided=request.args.get("voided") == "1", placeholder=PLACEHOLDER)


# -- one item -----------------------------------------------------------------------------


@blueprint.route("/issues/<month>/items/<section>/new", methods=["GET", "POST"])
@requires(Role.EDITOR)
def new_item(month: str, section: str):
    month, section = _month(month), _section(section)
    if request.method == "GET":
        source = reading.source(month, _primary())
        return _item_page(month, section, None, source.version, forms.empty_item(section))
    values = forms.item_from(section, request.form)
    try:
        entry = forms.item_entry(section, values, month)
    except (DateInvalid, forms.FieldInvalid) as exc:
        return _item_page(month, section, None, request.form.get("version", ""), values, 400,
                          {_field_of(exc): [str(exc)]})
    upload = request.files.get("image_file_upload")
    holder: dict[str, str] = {}

    def add(data) -> None:
        item_id = new_item_id(data, values.get("title") or values.get("name") or section)
        holder["id"] = item_id
        entry["id"] = item_id  # the entry's first key, "id", was reserved by item_entry
        if upload and upload.filename and section == "top_news":
            entry["image"] = {"file": images.save_upload(month, item_id, upload),
                              "alt": values.get("image_alt") or PLACEHOLDER}
        add_item(data, section, entry)

    try:
        result = edit(month, _primary(), request.form.get("version", ""), add,
                      _("a new item in {section}").format(section=section))
    except images.NotAnImage as exc:
        return _item_page(month, section, None, request.form.get("version", ""), values, 400,
                          {"image": [str(exc)]})
    if isinstance(result, Conflicted):
        return _item_page(month, section, None, result.source.version, values, 409,
                          conflict=result)
    return redirect(url_for("editor.item", month=month, section=section, item_id=holder["id"],
                            saved=1, voided=int(result.voided)))


@blueprint.route("/issues/<month>/items/<section>/<item_id>", methods=["GET", "POST"])
@requires(Role.EDITOR)
def item(month: str, section: str, item_id: str):
    month, section = _month(month), _section(section)
    if request.method == "GET":
        source = reading.source(month, _primary())
        index = find_item(source.data, section, item_id)
        if index is None:
            abort(404)
        remember(month, source)
        return _item_page(month, section, item_id, source.version, forms.item_values(
            section, items_in(source.data, section)[index], services().config, month))
    if find_item(reading.source(month, _primary()).data, section, item_id) is None:
        abort(404)
    values = forms.item_from(section, request.form)
    try:
        changes = forms.item_changes(section, values, month)
    except (DateInvalid, forms.FieldInvalid) as exc:
        return _item_page(month, section, item_id, request.form.get("version", ""), values, 400,
                          {_field_of(exc): [str(exc)]})
    upload = request.files.get("image_file_upload")
    if upload and upload.filename:
        try:
            changes.append((("image", "file"), images.save_upload(month, item_id, upload)))
            changes.append((("image", "alt"), values["image_alt"] or None))
        except images.NotAnImage as exc:
            return _item_page(month, section, item_id, request.form.get("version", ""), values,
                              400, {"image": [str(exc)]})

    def change(data) -> None:
        at = find_item(data, section, item_id)
        if at is None:
            return  # removed meanwhile: the version check has refused the save already
        entry = section_items(data, section)[at]
        for path, value in changes:
            if not _same(entry, path, value):
                set_value(entry, path, value)

    result = edit(month, _primary(), request.form.get("version", ""), change,
                  f"{section}[{item_id}]")
    if isinstance(result, Conflicted):
        return _item_page(month, section, item_id, result.source.version, values, 409,
                          conflict=result)
    if request.form.get("then") == "preview":
        return redirect(url_for("editor.preview", month=month, lang=_primary()))
    return redirect(url_for("editor.item", month=month, section=section, item_id=item_id,
                            saved=1, voided=int(result.voided)))


def _field_of(exc: Exception) -> str:
    """The form's field a refused value belongs to (a date's parts are one field)."""
    return exc.field if isinstance(exc, forms.FieldInvalid) else "date"


def _item_page(month, section, item_id, version, values, status=200, errors=None,
               conflict=None):
    config = services().config
    checked = reading.checked(month)
    found = problems_for(checked.errors, checked.warnings, _primary(), section, item_id) \
        if item_id else {}
    for key, messages in (errors or {}).items():
        found.setdefault(key, []).extend((m, True) for m in messages)
    return page("item.html.j2", status, month=month, section=section, item_id=item_id,
                version=version, values=values, problems=found, conflict=conflict,
                kinds=DATE_KINDS, no_date=NO_DATE, shown=forms.dates_shown(values, config, month),
                suggestions=forms.tag_suggestions(config),
                countries=forms.country_options(_primary()),
                place_countries=forms.country_options(current_language()),
                item_kinds=_item_kinds(), no_country=forms.NO_COUNTRY,
                saved=request.args.get("saved"), voided=request.args.get("voided") == "1",
                body_html=markdown.to_html(values.get("body") or "") if values.get("body") else "",
                placeholder=PLACEHOLDER)


def _item_kinds() -> list[tuple[str, str]]:
    labels = {"event": _("event in Torino"), "mission": _("mission abroad"),
              "delegation": _("delegation received"), "call": _("call or deadline"),
              "other": _("other")}
    return [(kind, labels[kind]) for kind in forms.ITEM_KINDS]


@blueprint.post("/issues/<month>/items/<section>/<item_id>/move")
@requires(Role.EDITOR)
def move(month: str, section: str, item_id: str):
    month, section = _month(month), _section(section)
    offset = -1 if request.form.get("direction") == "up" else 1
    result = edit(month, _primary(), request.form.get("version", ""),
                  lambda data: move_item(data, section, item_id, offset),
                  f"{section}[{item_id}] {'↑' if offset < 0 else '↓'}")
    if isinstance(result, Conflicted):
        return redirect(url_for("editor.issue", month=month, conflict=1))
    return redirect(url_for("editor.issue", month=month) + f"#{section}")


@blueprint.post("/issues/<month>/items/<section>/<item_id>/remove")
@requires(Role.EDITOR)
def remove(month: str, section: str, item_id: str):
    month, section = _month(month), _section(section)
    result = edit(month, _primary(), request.form.get("version", ""),
                  lambda data: remove_item(data, section, item_id),
                  _("removed {section}[{item}]").format(section=section, item=item_id))
    if isinstance(result, Conflicted):
        return redirect(url_for("editor.issue", month=month, conflict=1))
    _remove_translations(month, section, item_id)
    return redirect(url_for("editor.issue", month=month) + f"#{section}")


def _remove_translations(month: str, section: str, item_id: str) -> None:
    """A translation keeps only the original's items: the removed one goes too."""
    config = services().config
    for lang in config.languages[1:]:
        source = open_source(config, month, lang)
        if source.version and find_item(source.data, section, item_id) is not None:
            edit(month, lang, source.version,
                 lambda data: remove_item(data, section, item_id),
                 _("removed {section}[{item}]").format(section=section, item=item_id))


@blueprint.post("/markdown")
@requires(Role.EDITOR)
def markdown_preview():
    """A body's rendering, for the preview beside the field (htmx)."""
    name = request.form.get("field", "body")
    text = request.form.get(name if name in ("body", "insights", "text") else "body", "")[:60000]
    return page("markdown_preview.html.j2", body_html=markdown.to_html(text) if text.strip()
                else "")


@blueprint.get("/issues/<month>/date")
@requires(Role.EDITOR)
def date_preview(month: str):
    """The date as each edition prints it, while the editor chooses it (htmx)."""
    values = forms.item_from("top_news", request.args)
    return page("date_shown.html.j2", shown=forms.dates_shown(values, services().config,
                                                              _month(month)))


def _same(entry, path: tuple, value: object) -> bool:
    """The form gives back what the file holds (a body's final line break
    aside): the hand-written form is kept."""
    current: object = entry
    for part in path:
        current = current.get(part) if hasattr(current, "get") else None
    if isinstance(current, str) and isinstance(value, str):
        return current.rstrip() == value.rstrip()
    return False
