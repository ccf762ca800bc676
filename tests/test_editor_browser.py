"""An editor and an approver in a real browser (Debian's Chromium driven by
Playwright) against ``newsletter serve`` and ``scheduler.py`` on loopback,
with a real SMTP server: February 2024 is written from January, with an
item of each kind of date and a picture, translated into English,
previewed at a phone's width and submitted; approved and scheduled; an edit
after the approval voids it and the scheduler refuses; approved again, it
is delivered. And axe-core finds nothing on the workspace's pages."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from newsletter.cli import cli
from newsletter.core.config import load_config
from newsletter.store import Store
from newsletter.store import deliveries as ledger
from newsletter.store import subscribers as subs
from newsletter.store import users as people

from .conftest import REPO
from .smtp_server import SMTPServer, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed; "
                       "./dev test installs it when run as root"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "una frase lunga e facile"
KINDS = {  # kind → the fields the form asks for
    "day": {"Day (a day)": "2024-02-06"},
    "range": {"From": "2024-02-12", "To": "2024-02-16"},
    "until": {"Until": "2024-03-10"},
    "from": {"From": "2024-02-20"},
    "by": {"By (deadline)": "2024-02-28"},
    "month": {"Month (the whole month)": "2024-02"},
}
KIND_LABELS = {"day": "a day", "range": "from one day to another", "until": "until a day",
               "from": "from a day on (open-ended)", "by": "by a deadline",
               "month": "the whole month"}


@pytest.fixture
def office(project, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["--project", str(project), "new", "2024-01", "--from",
                               "2023-12"]).exit_code == 0
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text().replace("poll_seconds = 30", "poll_seconds = 0.3"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    with SMTPServer() as smtp:
        env = {**os.environ, "NEWSLETTER_BASE_URL": base, "NEWSLETTER_SECRET_KEY": "b" * 32,
               "NEWSLETTER_DATABASE_URL": database, "NEWSLETTER_SMTP_URL": smtp.url}
        config = load_config(project, env)
        store = Store(database, config.secret())
        for who, role in (("edi@example.org", "editor"), ("appro@example.org", "approver")):
            people.add(store, who, who.split("@")[0].title(), role)
            people.set_password_directly(store, who, PASSWORD)
        for n, lang in enumerate(["it", "it", "en"]):
            subs.add(store, f"reader{n}@example.org", f"reader{n}@example.org", None, lang,
                     subs.Consent("cli", "1"))
        newsletter = Path(sys.executable).with_name("newsletter")
        server = subprocess.Popen([str(newsletter), "serve", "--port", str(port)], cwd=project,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_for(f"{base}/editor/login", server)
        scheduler = subprocess.Popen([sys.executable, str(REPO / "scheduler.py")], cwd=project,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        try:
            yield base, store, smtp, project
        finally:
            for process in (server, scheduler):
                process.send_signal(signal.SIGTERM)
                process.communicate(timeout=30)
            store.close()


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)


def wait_until(condition, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def sign_in(browser, base: str, email: str):
    page = browser.new_page(locale="en-GB", viewport={"width": 1024, "height": 900})
    page.goto(f"{base}/editor/login?ui=en")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/editor/")
    return page


def add_item(page, base: str, kind: str, picture: Path | None = None) -> None:
    page.goto(f"{base}/editor/issues/2024-02/items/top_news/new")
    page.get_by_label("Title").fill(f"Notizia {kind}")
    page.get_by_label("Kind of date").select_option(kind)
    for label, value in KINDS[kind].items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Text", exact=True).fill(f"Il testo della notizia *{kind}*.")
    if picture:
        page.get_by_label("Add a picture (JPEG, PNG, WebP or GIF)").set_input_files(str(picture))
        page.get_by_label("What the picture shows (for people who cannot see it)").fill(
            "La Mole Antonelliana illuminata")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**saved=1**")


def schedule_soon(page, base: str, seconds: int = 4) -> None:
    page.goto(f"{base}/editor/issues/2024-02/")
    moment = datetime.now().astimezone(_zone()) + timedelta(seconds=seconds)
    page.get_by_label("Send the Italian edition to subscribers whose language has no "
                      "complete edition").check()
    page.locator("#at").evaluate(f"e => {{ e.step = 1; e.value = '{moment:%Y-%m-%dT%H:%M:%S}'; }}")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**done=scheduled**")


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Rome")


def test_an_issue_from_the_browser_to_the_subscribers(office, tmp_path):
    base, store, smtp, project = office
    picture = tmp_path / "mole.png"
    Image.new("RGB", (2400, 1600), (30, 60, 120)).save(picture)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        editor = sign_in(browser, base, "edi@example.org")
        # Start February from January.
        editor.get_by_label("Month").fill("2024-02")
        editor.get_by_label("the 2024-01 issue", exact=False).check()
        editor.get_by_role("button", name="Start the issue").click()
        editor.wait_for_url(f"{base}/editor/issues/2024-02/**")
        assert "The issue was created" in editor.content()
        # An item with each kind of date, the first with a picture.
        for n, kind in enumerate(KINDS):
            add_item(editor, base, kind, picture if n == 0 else None)
        image = next((project / "issues" / "2024-02").glob("notizia-day*.png"))
        assert Image.open(image).width <= 1280  # reduced to twice the email's width
        # The delegation left as a placeholder: its error links to its form.
        editor.goto(f"{base}/editor/issues/2024-02/")
        editor.get_by_role("link", name="delegations.received[prima-delegazione].name").click()
        editor.get_by_label("Name of the delegation").fill("Delegazione di Lione")
        editor.get_by_label("City").fill("Lione")
        editor.get_by_label("Country").select_option("FR")
        editor.get_by_role("button", name="Save", exact=True).click()
        editor.wait_for_url("**saved=1**")
        # Translate what is missing into English, part by part.
        editor.goto(f"{base}/editor/issues/2024-02/translate/en")
        while editor.locator("section:has(.state-missing)").count():
            part = editor.locator("section:has(.state-missing)").first
            for field in part.locator("input[type=text], textarea").all():
                field.fill("Delegation from Lyon" if "delegations" in (part.get_attribute("id"))
                           else "News of the month, in English.")
            part.get_by_role("button", name="Save this part").click()
            editor.wait_for_load_state()
        assert "state-stale" not in editor.content()
        # The English email on a phone: nothing wider than the screen.
        editor.goto(f"{base}/editor/issues/2024-02/preview/en")
        phone = editor.frame_locator("iframe.frame-phone")
        phone.locator("body").wait_for()
        frame = editor.frames[1]
        assert frame.evaluate("document.documentElement.scrollWidth") <= 375
        assert "News of the month, in English." in frame.content()
        # Submit.
        editor.goto(f"{base}/editor/issues/2024-02/")
        editor.get_by_role("button", name="Submit for review").click()
        editor.wait_for_url("**done=submitted**")

        approver = sign_in(browser, base, "appro@example.org")
        approver.goto(f"{base}/editor/issues/2024-02/")
        approver.get_by_role("button", name="Approve").click()
        approver.wait_for_url("**done=approved**")
        schedule_soon(approver, base, seconds=6)
        # An edit after the approval voids it; the scheduler refuses to send.
        editor.goto(f"{base}/editor/issues/2024-02/items/top_news/notizia-day")
        editor.get_by_label("Title").fill("Notizia del giorno, corretta")
        editor.get_by_role("button", name="Save", exact=True).click()
        editor.wait_for_url("**voided=1**")
        assert "voided the issue" in editor.content()
        wait_until(lambda: all(d.state == "paused" for d in ledger.listing(store, "2024-02")))
        assert all("approv" in d.note for d in ledger.listing(store, "2024-02"))
        assert not smtp.recorder.received
        # The English translation of the changed item is stale: brought up to date.
        editor.goto(f"{base}/editor/issues/2024-02/translate/en")
        part = editor.locator("section:has(.state-stale)")
        assert part.count() == 1
        part.get_by_label("Title (en)").fill("News of the day, corrected")
        part.get_by_role("button", name="Save this part").click()
        editor.wait_for_load_state()
        assert "state-stale" not in editor.content()
        # Submitted and approved again, it is delivered.
        editor.goto(f"{base}/editor/issues/2024-02/")
        editor.get_by_role("button", name="Submit for review").click()
        approver.goto(f"{base}/editor/issues/2024-02/")
        approver.get_by_role("button", name="Approve").click()
        approver.wait_for_url("**done=approved**")
        schedule_soon(approver, base, seconds=3)
        wait_until(lambda: len(smtp.recorder.received) == 3)
        wait_until(lambda: all(d.state == "done" for d in ledger.listing(store, "2024-02")))
        approver.goto(f"{base}/editor/issues/2024-02/")
        assert "state-sent" in approver.content()
        browser.close()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install --prefix tests/js)")
def test_the_workspace_pages_have_no_accessibility_violations(office):
    base = office[0]
    paths = ["/editor/", "/editor/issues/2023-12/", "/editor/issues/2023-12/metadata",
             "/editor/issues/2023-12/items/top_news/luci-d-artista",
             "/editor/issues/2023-12/items/delegations/lione",
             "/editor/issues/2023-12/translate/en", "/editor/issues/2023-12/preview/it",
             "/editor/issues/2023-12/revisions"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        login = browser.new_page(bypass_csp=True)
        login.goto(f"{base}/editor/login")
        problems = _axe(login)
        page = sign_in(browser, base, "edi@example.org")
        context_page = browser.new_context(bypass_csp=True, storage_state=page.context.storage_state()
                                           ).new_page()
        for path in paths:
            context_page.goto(f"{base}{path}")
            problems += [f"{path}: {problem}" for problem in _axe(context_page)]
        browser.close()
    assert problems == []


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['html'][:160]})"
            for v in result["violations"]]
