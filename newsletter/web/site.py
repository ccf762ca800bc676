"""The archive's static site (``newsletter archive build``) served at the
root, and the assets of the subscription pages."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, send_from_directory

from newsletter.web.services import services as _services

blueprint = Blueprint("site", __name__)
EDITOR_ASSETS = ("editor.css", "htmx.min.js")  # the workspace's look and its one script


@blueprint.route("/")
def home():
    """The archive in the reader's language, or the subscribe page without one."""
    if _services().archive is None:
        return redirect("/subscribe")
    return redirect(f"/{g.lang}/")


@blueprint.route("/assets/<path:name>")
def asset(name: str):
    services = _services()
    if services.archive and (services.archive / "assets" / name).is_file():
        return send_from_directory(services.archive / "assets", name, max_age=3600)
    if name in EDITOR_ASSETS:
        return send_from_directory(services.config.templates_dir / "editor", name, max_age=3600)
    if name != "site.css" and not name.startswith("fonts/"):
        abort(404)
    folder = services.config.templates_dir / ("site" if name == "site.css" else "")
    return send_from_directory(folder, name, max_age=86400)


@blueprint.route("/<path:name>")
def archive(name: str):
    folder = _services().archive
    if folder is None:
        abort(404)
    if name.endswith("/") or (folder / name).is_dir():
        if not name.endswith("/"):
            return redirect(f"/{name}/")
        name += "index.html"
    if name.startswith(".") or "/." in name:
        abort(404)  # the manifest and temporary folders are not for the public
    return send_from_directory(folder, name, max_age=600)
