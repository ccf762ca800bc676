"""A person in a real browser (Debian's Chromium driven by Playwright)
against ``newsletter serve`` on loopback: subscribe → open the confirmation
email from the outbox → confirm → ask for the unsubscribe link →
unsubscribe."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed; "
                       "./dev test installs it when run as root"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(project):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NEWSLETTER_BASE_URL": base, "NEWSLETTER_SECRET_KEY": "b" * 32}
    env.pop("NEWSLETTER_SMTP_URL", None)
    newsletter = Path(sys.executable).with_name("newsletter")
    process = subprocess.Popen([str(newsletter), "serve", "--port", str(port)], cwd=project,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/subscribe", timeout=5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    yield base, project / "outbox"
    process.terminate()
    process.wait(timeout=10)


def newest_mail(outbox: Path, count: int):
    deadline = time.monotonic() + 10
    while len(files := sorted(outbox.glob("*.eml"))) < count:
        assert time.monotonic() < deadline, "no email reached the outbox"
        time.sleep(0.1)
    return message_from_bytes(files[-1].read_bytes(), policy=policy.default)


def test_subscribe_confirm_and_unsubscribe_in_a_browser(server, tmp_path):
    base, outbox = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(locale="en-GB")
        page.goto(f"{base}/subscribe")
        assert page.locator("html").get_attribute("lang") == "en"

        page.get_by_label("E-mail address").fill("giulia@example.org")
        page.get_by_label("Name (optional)").fill("Giulia")
        page.get_by_label("Language of the bulletin").select_option("it")
        page.get_by_label("I have read the privacy notice").check()
        page.get_by_role("button", name="Subscribe").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
        page.screenshot(path=str(tmp_path / "after-subscribe.png"))

        confirmation = newest_mail(outbox, 1)
        assert confirmation["To"] == "Giulia <giulia@example.org>"
        link = re.search(rf"{re.escape(base)}/confirm/\S+", confirmation.get_content()).group(0)
        page.goto(link)
        page.get_by_role("button", name="Conferma l'iscrizione").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Iscrizione confermata"

        page.goto(f"{base}/unsubscribe?lang=it")
        page.get_by_label("Indirizzo email").fill("Giulia@Example.org")
        page.get_by_role("button", name="Inviami il link").click()
        unsubscribe = re.search(rf"{re.escape(base)}/unsubscribe/\S+",
                                newest_mail(outbox, 2).get_content()).group(0)
        page.goto(unsubscribe)
        page.get_by_role("button", name="Annulla l'iscrizione").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Iscrizione annullata"
        browser.close()


def test_keyboard_only_subscription_form(server):
    base, _ = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(locale="it-IT")
        page.goto(f"{base}/subscribe")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Vai al contenuto"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")  # the skip link lands on main; next stop is the form
        page.get_by_label("Indirizzo email").press_sequentially("sbagliato")
        page.get_by_role("button", name="Iscriviti").press("Enter")
        summary = page.get_by_role("alert")
        assert "Correggi i campi indicati" in summary.inner_text()
        assert page.get_by_label("Indirizzo email").get_attribute("aria-invalid") == "true"
        browser.close()
