"""Benchmark: bounces classified per second from a Maildir.

Generates a SQLite store of fictitious subscribers (example.org) with one
delivery, and a Maildir of 10 000 messages that came back: the formats of
the test corpus (tests/fixtures/bounces: Postfix, Exim, Office 365, Gmail,
Yahoo, ARF reports, out-of-office replies), each sent back to the VERP
address of a subscriber of its own. Then times, in this process:

- parse only: each message read from the Maildir and classified;
- with the store: ``newsletter bounces process --maildir`` through click's
  CliRunner (classification, bounce scoring or complaint, removal).

    .venv/bin/python bench/bounces.py [--messages N]
"""

from __future__ import annotations

import argparse
import mailbox
import re
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.cli import cli  # noqa: E402
from newsletter.core.verp import Verp  # noqa: E402
from newsletter.dispatch.feedback.classify import classify  # noqa: E402
from newsletter.store import Store  # noqa: E402
from newsletter.store import deliveries as ledger  # noqa: E402
from newsletter.store import subscribers as subs  # noqa: E402
from newsletter.store.imports import import_subscribers  # noqa: E402
from tests import bounce_corpus as corpus  # noqa: E402

SECRET = "bench-secret-" + "b" * 20
# The mix: mostly DSNs, as a bounce mailbox receives them.
FORMATS = (["postfix-5.1.1-user-unknown.eml"] * 3 + ["gmail-5.1.1-does-not-exist.eml"] * 2
           + ["office365-5.1.10-recipient-not-found.eml"] * 2
           + ["postfix-4.4.1-delayed.eml", "exim-permanent-error.eml", "yahoo-554-no-account.eml",
              "arf-yahoo-aol-abuse.eml", "arf-microsoft-jmrp.eml", "out-of-office.eml"])


def project(folder: Path) -> Path:
    text = (ROOT / "newsletter.toml").read_text(encoding="utf-8")
    setting = f'address = "{corpus.BOUNCE_ADDRESS}"\n'
    if re.search(r"^\[bounces\]$", text, flags=re.M):
        text = re.sub(r"^\[bounces\]\n", lambda m: m[0] + setting, text, flags=re.M)
    else:
        text += "\n[bounces]\n" + setting
    (folder / "newsletter.toml").write_text(text, encoding="utf-8")
    return folder


def subscribers(store: Store, folder: Path, count: int) -> list[int]:
    csv_path = folder / "subscribers.csv"
    csv_path.write_text("email,language\n" + "".join(
        f"persona.{n}@example.org,it\n" for n in range(count)), encoding="utf-8")
    report = import_subscribers(store, csv_path, languages=("it",), privacy_version="bench")
    assert report.imported == count, report.problems[:3]
    return [subscriber.id for subscriber in subs.listing(store, "active", "it")]


def maildir(folder: Path, verp: Verp, delivery_id: int, subscriber_ids: list[int]) -> Path:
    box = mailbox.Maildir(folder / "Maildir", create=True)
    templates = {name: (corpus.FOLDER / name).read_text(encoding="utf-8") for name in FORMATS}
    for n, subscriber_id in enumerate(subscriber_ids):
        text = templates[FORMATS[n % len(FORMATS)]].replace(
            "{verp}", verp.address(delivery_id, subscriber_id))
        text = re.sub(r"(?im)^Message-Id: .*$", f"Message-ID: <bench-{n}@mail.example.org>",
                      text, count=1)
        box.add(text.encode("utf-8"))
    return folder / "Maildir"


def parse_only(box: Path, verp: Verp) -> tuple[int, float]:
    start = time.perf_counter()
    paths = [path for sub in ("new", "cur") for path in (box / sub).iterdir()]
    kinds = [classify(path.read_bytes(), verp).kind for path in paths]
    return len(kinds), time.perf_counter() - start


def with_the_store(root: Path, box: Path, url: str) -> tuple[str, float]:
    env = {"NEWSLETTER_DATABASE_URL": url, "NEWSLETTER_SECRET_KEY": SECRET}
    start = time.perf_counter()
    result = CliRunner(env=env).invoke(cli, ["--project", str(root), "bounces", "process",
                                             "--maildir", str(box)], catch_exceptions=False)
    seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    return result.output.strip(), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    count = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as tmp:
        root = project(Path(tmp))
        url = f"sqlite:///{root / 'bench.sqlite3'}"
        store = Store(url, SECRET.encode())
        verp = Verp(SECRET.encode(), corpus.BOUNCE_ADDRESS)
        delivery = ledger.create(store, "2024-03", "it", "Work in Progress")
        box = maildir(root, verp, delivery.id, subscribers(store, root, count))
        store.close()
        parsed, parse_seconds = parse_only(box, verp)
        print(f"parse only        {parsed:,} messages  {parse_seconds:6.2f} s   "
              f"({parsed / parse_seconds:,.0f} classified/s)")
        summary, seconds = with_the_store(root, box, url)
        print(f"with the store    {count:,} messages  {seconds:6.2f} s   "
              f"({count / seconds:,.0f} processed/s, SQLite)")
        print(f"  {summary}")
        left = sum(1 for sub in ("new", "cur") for _ in (box / sub).iterdir())
        print(f"  left in the Maildir: {left}")


if __name__ == "__main__":
    main()
