"""Photograph the editorial workspace for the README: the dashboard, an
item's form, the translation view and the preview, in Italian, at a
tablet's width (1024 px), in Debian's Chromium driven by Playwright,
against the app served on loopback with a copy of the sample project.

    .venv/bin/python scripts/workspace_screenshots.py    # writes docs/workspace-*.png
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import waitress  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from newsletter.core.config import load_config  # noqa: E402
from newsletter.dispatch.transports import MemoryTransport  # noqa: E402
from newsletter.store import Store  # noqa: E402
from newsletter.store import users as people  # noqa: E402
from newsletter.web import create_app  # noqa: E402

DOCS = ROOT / "docs"
PASSWORD = "una frase lunga e facile"
PAGES = {  # file → (path, height)
    "workspace-dashboard.png": ("/editor/", 700),
    "workspace-item.png": ("/editor/issues/2023-12/items/top_news/polis-network-leuven", 1500),
    "workspace-translation.png": ("/editor/issues/2023-12/translate/en", 1100),
    "workspace-preview.png": ("/editor/issues/2023-12/preview/it", 1100),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        for name in ("newsletter.toml", "templates", "issues"):
            source = ROOT / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
        config = load_config(project, {"NEWSLETTER_SECRET_KEY": "s" * 32,
                                       "NEWSLETTER_BASE_URL": "http://127.0.0.1:8765"})
        store = Store(f"sqlite:///{folder}/shots.sqlite3", config.secret())
        people.add(store, "redazione@example.org", "Giulia Redazione", "editor")
        people.set_password_directly(store, "redazione@example.org", PASSWORD)
        app = create_app(config, store, MemoryTransport, mail_thread=False)
        server = waitress.create_server(app, host="127.0.0.1", port=8765)
        threading.Thread(target=server.run, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
            page = browser.new_page(viewport={"width": 1024, "height": 800}, locale="it-IT")
            page.goto("http://127.0.0.1:8765/editor/login?ui=it")
            page.fill("#email", "redazione@example.org")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/editor/")
            for name, (path, height) in PAGES.items():
                page.set_viewport_size({"width": 1024, "height": height})
                page.goto(f"http://127.0.0.1:8765{path}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(DOCS / name))
                print(f"wrote docs/{name}")
            browser.close()
        server.close()
        store.close()


if __name__ == "__main__":
    main()
