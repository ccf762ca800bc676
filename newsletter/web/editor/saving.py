"""Saving an edition's source from a form: the file the CLI reads, written
atomically and only if nobody saved it since the form was opened; every
save a revision (who, when), a line in the audit log, and the end of an
approval that no longer matches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g

from newsletter.content.editing import (
    SourceConflict,
    SourceFile,
    open_source,
    save_source,
    save_text,
    unified_diff,
)
from newsletter.core.i18n import _
from newsletter.store import revisions, workflow
from newsletter.web.editor import reading
from newsletter.web.editor.common import record
from newsletter.web.services import services


@dataclass
class Saved:
    source: SourceFile
    voided: bool  # this save ended an approval


@dataclass
class Conflicted:
    """Someone saved the file after this form was opened: nothing was written."""

    source: SourceFile  # the file as it is now
    changes: str  # what they changed (a diff), or why it cannot be shown

    @property
    def message(self) -> str:
        return _("Someone else saved this issue after you opened this page, so nothing was "
                 "saved: what you typed is still in the form below. Look at what they changed, "
                 "then save again.")


def edit(month: str, lang: str, base_version: str, change: Callable[[object], None],
         what: str) -> Saved | Conflicted:
    """Apply ``change`` to the edition's data as it is now and save it, unless
    the file changed since ``base_version``."""
    config = services().config
    current = open_source(config, month, lang)
    if current.version != base_version:
        return _conflict(month, lang, base_version, current)
    change(current.data)
    try:
        saved = save_source(config, month, lang, current.data, base_version)
    except SourceConflict:
        return _conflict(month, lang, base_version, open_source(config, month, lang))
    return _after(month, lang, saved, what)


def replace(month: str, lang: str, base_version: str, text: str, what: str) -> Saved | Conflicted:
    """Save a whole text (restoring a revision)."""
    config = services().config
    try:
        saved = save_text(config, month, lang, text, base_version)
    except SourceConflict:
        return _conflict(month, lang, base_version, open_source(config, month, lang))
    return _after(month, lang, saved, what)


def _after(month: str, lang: str, saved: SourceFile, what: str) -> Saved:
    store = services().store
    reading.keep_saved(month, saved)
    revisions.record(store, month, saved.path.name, g.user.email, saved.text)
    voided = workflow.changed(store, month, g.user.email)
    record("saved", month, f"{saved.path.name}: {what}")
    if voided:
        record("approval voided", month, _("by a change to {file}").format(file=saved.path.name))
    return Saved(saved, voided)


def _conflict(month: str, lang: str, base_version: str, current: SourceFile) -> Conflicted:
    store = services().store
    base = revisions.by_digest(store, month, current.path.name, base_version) \
        if base_version else None
    if base is None:
        changes = _("(the version you started from is not among the saved revisions: see the "
                    "issue's history)")
    else:
        changes = unified_diff(base.text, current.text, _("when you opened the page"),
                               _("now"))
    record("save refused (conflict)", month, current.path.name)
    return Conflicted(current, changes)


OUTSIDE = "-"  # the author of a version written outside the workspace (an editor, git)


def remember(month: str, source: SourceFile) -> None:
    """Keep the file as it is now among the revisions if it was written
    outside the workspace, so that a later conflict can show what changed."""
    store = services().store
    if source.version and revisions.by_digest(store, month, source.path.name,
                                              source.version) is None:
        revisions.record(store, month, source.path.name, OUTSIDE, source.text)
