"""Benchmark: the editorial workspace on the December 2023 sample, through
the application in-process (Flask's test client: what waitress adds is
the same for every page). Prints the median and the 90th percentile of:

- the issue's page and an item's edit form, unchanged since the last look
  and right after a save (the file read and checked afresh; aim: well under
  100 ms);
- saving an item's form (the YAML rewritten, a revision, the audit log);
- the email preview right after a save (rendered afresh: aim under 300 ms),
  beside the same email rendered directly by the renderer in the same run
  (the reference: what the preview cannot go below);
- the email preview again, unchanged (served from the preview's cache).

    .venv/bin/python bench/editor.py [--runs 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.content import load_issue  # noqa: E402
from newsletter.core.config import load_config  # noqa: E402
from newsletter.dispatch.transports import MemoryTransport  # noqa: E402
from newsletter.render.build import render_edition_email  # noqa: E402
from newsletter.store import Store  # noqa: E402
from newsletter.store import users as people  # noqa: E402
from newsletter.web import create_app  # noqa: E402
from tests.conftest import make_project  # noqa: E402

PASSWORD = "una frase lunga e facile"
ITEM = "/editor/issues/2023-12/items/top_news/luci-d-artista"


def hidden(page, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page.get_data(as_text=True)).group(1)


def timed(action, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def show(label: str, times: list[float], aim: float | None = None) -> None:
    median = statistics.median(times)
    p90 = sorted(times)[int(len(times) * 0.9) - 1]
    target = f"   (aim: under {aim:.0f} ms)" if aim else ""
    print(f"{label:<52} median {median:7.1f} ms   p90 {p90:7.1f} ms{target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        project = make_project(Path(folder))
        config = load_config(project, {"NEWSLETTER_SECRET_KEY": "k" * 32,
                                       "NEWSLETTER_BASE_URL": "http://localhost"})
        store = Store(f"sqlite:///{folder}/bench.sqlite3", config.secret())
        people.add(store, "edi@example.org", "Edi", "editor")
        people.set_password_directly(store, "edi@example.org", PASSWORD)
        app = create_app(config, store, MemoryTransport, mail_thread=False)
        client = app.test_client()
        login = client.get("/editor/login")
        client.post("/editor/login", data={"email": "edi@example.org", "password": PASSWORD,
                                           "csrf": hidden(login, "csrf")})
        client.get(ITEM)  # warm up: templates compiled, the revision of the file kept
        client.get("/editor/issues/2023-12/")

        show("issue page (/editor/issues/2023-12/)",
             timed(lambda: client.get("/editor/issues/2023-12/"), runs), 100)
        show("item edit form (top_news[luci-d-artista])", timed(lambda: client.get(ITEM), runs),
             100)

        counter = iter(range(10**6))
        saves, fresh_forms, previews = [], [], []

        def save() -> None:
            form = client.get(ITEM)
            start = time.perf_counter()
            answer = client.post(ITEM, data={
                "csrf": hidden(form, "csrf"), "version": hidden(form, "version"),
                "title": f"Luci d'Artista {next(counter)}", "date_kind": "until",
                "date_until": "2024-01-14", "body": "La rassegna torna a illuminare Torino."})
            saves.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 302, answer.status_code
            start = time.perf_counter()
            client.get(ITEM)  # where the save leads: the form, read and checked afresh
            fresh_forms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            preview = client.get("/editor/view/2023-12/it/email.html")
            previews.append((time.perf_counter() - start) * 1000)
            assert preview.status_code == 200

        for _ in range(max(5, runs // 2)):
            save()
        show("save an item's form", saves)
        show("item edit form right after a save (read afresh)", fresh_forms, 100)
        show("email preview after a save (rendered afresh)", previews, 300)
        show("email preview again, unchanged (cached)",
             timed(lambda: client.get("/editor/view/2023-12/it/email.html"), runs))
        edition = load_issue(config, "2023-12").editions["it"]
        reference = timed(lambda: render_edition_email(edition, config), max(5, runs // 2))
        show("reference: the renderer alone (same email)", reference)
        print(f"preview after a save / renderer alone: "
              f"{statistics.median(previews) / statistics.median(reference):.2f}")
        store.close()


if __name__ == "__main__":
    main()
