"""Translating an edition: the Italian and the English (or French) side by
side, part by part (the preheader, Approfondimenti, each item, each
delegation), each with its state: missing, translated, or stale (the
Italian changed after the translation was saved). The translation's file
is created by the first save; saving a part records which Italian text it
translates (``workflow.mark_translated``)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, redirect, request, url_for

from newsletter.content import markdown
from newsletter.content.editing import (
    add_item,
    find_item,
    items_in,
    open_source,
    section_items,
    set_value,
    source_hashes,
    translation_state,
)
from newsletter.content.language import TO_TRANSLATE, language_name
from newsletter.core.i18n import _
from newsletter.render.labels import LABELS
from newsletter.store import workflow
from newsletter.store.users import Role
from newsletter.web.editor import reading
from newsletter.web.editor.common import blueprint, page, requires
from newsletter.web.editor.fields import problems_for
from newsletter.web.editor.saving import Conflicted, edit, remember
from newsletter.web.editor.workflow_pages import _month
from newsletter.web.services import services

# The fields a translation holds for each kind of part (schema.TranslationSource).
FIELDS = {"top_news": ("title", "body", "image_alt"), "consulates": ("title", "body"),
          "delegations": ("name", "city", "country", "role"), "meta": ("text",)}
META = ("title", "curated_by", "preheader", "insights")
LIMIT = 20000


def _lang(lang: str) -> str:
    config = services().config
    if lang not in config.languages[1:]:
        abort(404)
    return lang


@blueprint.get("/issues/<month>/translate/<lang>")
@requires(Role.EDITOR)
def translate(month: str, lang: str, *, status: int = 200, conflict=None,
              typed: Mapping | None = None, typed_part: str | None = None):
    config, store = services().config, services().store
    month, lang = _month(month), _lang(lang)
    primary = reading.source(month, config.primary_language).data
    source = reading.source(month, lang)
    remember(month, source)
    states = translation_state(primary, source.data if source.version else None,
                               workflow.translation_marks(store, month, lang))
    checked = reading.checked(month, strict=False)
    parts = list(_parts(primary, source.data, states, typed, typed_part))
    counted = [part for part in parts if part["state"] != "optional"]
    done = sum(1 for part in counted if part["state"] == "translated")
    return page("translate.html.j2", status, month=month, lang_shown=lang,
                language=LABELS[lang]["language"], version=source.version,
                primary_language=language_name(config.primary_language), parts=parts,
                done=done, total=len(counted), conflict=conflict, to_translate=TO_TRANSLATE,
                problems=problems_for(checked.errors, checked.warnings, lang, None, None),
                saved=request.args.get("saved"))


def _parts(primary: Mapping, translation: Mapping, states: dict[str, str],
           typed: Mapping | None, typed_part: str | None):
    """Each part of the issue: the original beside the translation's fields."""
    for name in META:
        original = primary.get(name)
        if original in (None, ""):
            continue
        key = f"meta:{name}"
        values = {"text": _str(translation.get(name))}
        yield _part(key, "meta", name, {"text": _str(original)}, values, states, typed,
                    typed_part, markdown_field="text" if name == "insights" else None)
    for section in ("top_news", "consulates", "delegations"):
        translated = {str(entry.get("id")): entry for entry in items_in(translation, section)}
        for entry in items_in(primary, section):
            if not entry.get("id"):
                continue
            item_id = str(entry["id"])
            mine = translated.get(item_id, {})
            original = {"title": _str(entry.get("title")), "body": _str(entry.get("body")),
                        "image_alt": _str((entry.get("image") or {}).get("alt")),
                        "name": _str(entry.get("name")), "city": _str(entry.get("city")),
                        "country": _str(entry.get("country")), "role": _str(entry.get("role"))}
            values = {field: _str(mine.get(field)) for field in FIELDS[section]}
            if section == "top_news" and not entry.get("image"):
                values.pop("image_alt")
            yield _part(f"{section}:{item_id}", section, item_id, original, values, states,
                        typed, typed_part, markdown_field="body")


def _part(key, section, name, original, values, states, typed, typed_part, markdown_field):
    if typed is not None and key == typed_part:
        values = {field: _str(typed.get(field)) for field in values}
    return {"key": key, "section": section, "name": name, "original": original,
            "values": values,
            # the bulletin's title and the curated-by line may stay as they are
            "state": states.get(key) or ("translated" if any(values.values()) else "optional"),
            "original_html": markdown.to_html(original.get(markdown_field) or "")
            if markdown_field and original.get(markdown_field) else ""}


def _str(value: object) -> str:
    return "" if value is None else str(value)


@blueprint.post("/issues/<month>/translate/<lang>")
@requires(Role.EDITOR)
def save_translation(month: str, lang: str):
    config, store = services().config, services().store
    month, lang = _month(month), _lang(lang)
    key = request.form.get("part", "")
    section, _sep, name = key.partition(":")
    if section not in FIELDS or not name:
        abort(400)
    typed = {field: str(request.form.get(field, "") or "")[:LIMIT].replace("\r\n", "\n").strip()
             for field in FIELDS[section]}
    hashes = source_hashes(open_source(config, month, config.primary_language).data)
    if key not in hashes:
        abort(404)  # the part was removed from the Italian meanwhile

    def change(data) -> None:
        if section == "meta":
            set_value(data, (name,), typed["text"] or None)
            return
        at = find_item(data, section, name)
        if at is None:
            add_item(data, section, {"id": name})
            at = find_item(data, section, name)
        entry = section_items(data, section)[at]
        for field in FIELDS[section]:
            if field in request.form:
                set_value(entry, (field,), typed[field] or None)

    result = edit(month, lang, request.form.get("version", ""), change,
                  _("translation of {part}").format(part=key))
    if isinstance(result, Conflicted):
        return translate(month, lang, status=409, conflict=result, typed=typed, typed_part=key)
    if all(TO_TRANSLATE not in value for value in typed.values()):
        workflow.mark_translated(store, month, lang, key, hashes[key])
    anchor = "item-" + key.replace(":", "-")
    return redirect(url_for("editor.translate", month=month, lang=lang, saved=key) + f"#{anchor}")
