"""Render the December 2023 sample and photograph it for the README:
the email at 600 px (desktop) and 375 px (phone) in headless Chromium, the
web page and the subscription form on a phone, and the first PDF pages
through pdftoppm.

    .venv/bin/python scripts/screenshots.py      # writes docs/*.png
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import threading  # noqa: E402

import waitress  # noqa: E402

from newsletter.core.config import load_config  # noqa: E402
from newsletter.dispatch.transports import MemoryTransport  # noqa: E402
from newsletter.render.build import build_issue  # noqa: E402
from newsletter.store import Store  # noqa: E402
from newsletter.web import create_app  # noqa: E402

DOCS = ROOT / "docs"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]


def shoot(page: Path, target: Path, width: int, height: int, profile: Path) -> None:
    subprocess.run([shutil.which("chromium") or "chromium", *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}", f"--window-size={width},{height}",
                    f"--screenshot={target}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    config = load_config(ROOT, os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        out, profile = Path(tmp) / "out", Path(tmp) / "profile"
        build_issue(config, "2023-12", out)
        edition = out / "2023-12" / "it"
        shoot(edition / "email.html", DOCS / "email-600.png", 600, 1600, profile)
        shoot(edition / "email.html", DOCS / "email-375.png", 375, 1300, profile)
        shoot(edition / "index.html", DOCS / "web-375.png", 375, 1300, profile)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2",
                        str(edition / "issue.pdf"), str(DOCS / "pdf-page")], check=True)
        for page in sorted(DOCS.glob("pdf-page-*.png")):
            print(f"wrote {page.relative_to(ROOT)}")
        subscribe_page(config, Path(tmp), profile)
        archive_pages(config, Path(tmp), profile)


def archive_pages(config, tmp: Path, profile: Path) -> None:
    """The archive site, with the legacy sample imported, as a reader sees it."""
    from newsletter.archive.legacy import read_legacy, write_months
    from newsletter.archive.site import build_archive

    project = tmp / "archive-project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".git", ".venv", "out", "site", "outbox", "subscribers", "node_modules"))
    legacy = ROOT / "tests" / "fixtures" / "legacy-archive-2007.en.txt"
    write_months(read_legacy(legacy.read_text(), "en"), project / "archive" / "legacy", legacy.name)
    local = load_config(project, os.environ)
    build_archive(local, project / "site")
    shoot(project / "site" / "it" / "index.html", DOCS / "archive-home.png", 800, 1000, profile)
    shoot(project / "site" / "it" / "archive.html", DOCS / "archive-index.png", 800, 700, profile)


def subscribe_page(config, tmp: Path, profile: Path) -> None:
    """The subscription form, served for a moment on loopback."""
    store = Store(f"sqlite:///{tmp / 'shots.sqlite3'}", b"screenshots")
    server = waitress.create_server(create_app(config, store, MemoryTransport),
                                    host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/subscribe?lang=it"
    subprocess.run([shutil.which("chromium") or "chromium", *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}", "--window-size=375,900",
                    f"--screenshot={DOCS / 'subscribe-375.png'}", url],
                   check=True, capture_output=True, timeout=120)
    print("wrote docs/subscribe-375.png")
    server.close()
    store.close()


if __name__ == "__main__":
    main()
