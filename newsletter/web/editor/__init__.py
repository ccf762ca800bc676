"""The editorial workspace, under ``/editor/``: editors write, translate,
preview and submit an issue; approvers approve, schedule and cancel;
administrators manage people and subscribers. Server-rendered forms that
work without JavaScript, with htmx (served from ``/assets/``) for the small
conveniences (a body's preview as it is typed, a delivery's live counts).

The files in ``issues/`` stay the source of truth: the forms read and write
them (``content.editing``), keeping a hand-edited file's comments.
"""

from newsletter.web.editor import (  # noqa: F401 - each module adds its routes
    access,
    admin,
    dashboard,
    edit,
    preview,
    revisions_pages,
    translate,
    workflow_pages,
)
from newsletter.web.editor.common import blueprint

__all__ = ["blueprint"]
