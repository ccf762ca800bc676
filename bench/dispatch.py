"""Benchmark: deliver one edition to generated subscribers through Postfix's
``smtp-sink`` on loopback, and in the same run Postfix's ``smtp-source``
pushing the same message over the same number of connections to the same
sink: the physical limit of this machine. Prints messages/second for both,
the ratio (target: at least 0.9 on SQLite, with the lease, the fencing and
the per-message unsubscription check in place), the sender's peak memory
for 20 000 and 100 000 recipients, and the rate on PostgreSQL with one
worker and with two (two ``send --resume`` processes sharing a delivery).

    apt-get install postfix           # provides smtp-sink and smtp-source
    .venv/bin/python bench/dispatch.py [--recipients 20000] [--connections 4]
                                       [--skip-100k] [--postgres URL | --no-postgres]

The sender runs as ``newsletter send`` in its own process (SQLite store in a
temporary folder; on PostgreSQL, a schema of its own, dropped at the end);
its rate is the dispatcher's own (from the first claim to the last answer),
its wall time includes Python's start-up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.content.reader import load_issue  # noqa: E402
from newsletter.core.config import load_config  # noqa: E402
from newsletter.dispatch import prepare  # noqa: E402
from newsletter.dispatch.message import Personal, message_id  # noqa: E402
from newsletter.render.build import build_issue  # noqa: E402
from newsletter.render.context import subject  # noqa: E402
from newsletter.store import Store  # noqa: E402
from newsletter.store import deliveries as ledger  # noqa: E402
from newsletter.store.imports import import_subscribers  # noqa: E402

NEWSLETTER = str(Path(sys.executable).with_name("newsletter"))
MONTH = "2023-12"
BOUNCES = "bounces@comune.torino.it"  # the sender's domain: VERP return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project(folder: Path) -> Path:
    # The shipped configuration, but speaking English (the summary line is read
    # below) and with VERP on: each message its own signed return path.
    shipped = (ROOT / "newsletter.toml").read_text(encoding="utf-8")
    english = re.sub(r'^language = "\w+"', 'language = "en"', shipped, flags=re.MULTILINE)
    verp = re.sub(r'^# address = ".*?"', f'address = "{BOUNCES}"', english, count=1,
                  flags=re.MULTILINE)
    if verp == english:
        sys.exit("newsletter.toml has no commented [bounces] address to turn VERP on with")
    (folder / "newsletter.toml").write_text(verp, encoding="utf-8")
    shutil.copytree(ROOT / "templates", folder / "templates")
    shutil.copytree(ROOT / "issues" / MONTH, folder / "issues" / MONTH)
    return folder


def subscribers(folder: Path, count: int, env: dict) -> None:
    csv = folder / "people.csv"
    with csv.open("w") as handle:
        handle.write("email,name,language\n")
        handle.writelines(f"persona.{n}@example.org,Persona {n},it\n" for n in range(count))
    config = load_config(folder, env)
    store = Store(config.database_url, config.secret())
    import_subscribers(store, csv, languages=config.languages, privacy_version="bench")
    store.close()


def sink(port: int) -> subprocess.Popen:
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = subprocess.Popen(["smtp-sink", *user, f"127.0.0.1:{port}", "1024"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    return process


def our_send(folder: Path, env: dict, port: int, connections: int,
             *extra: str) -> tuple[float, float, int, int]:
    """(dispatcher rate, wall seconds, messages, peak RSS in KiB) of `newsletter send`.

    The peak is the child's own VmHWM, read from /proc while it runs: the
    ru_maxrss that wait4 reports counts the parent's memory copied at fork."""
    started = time.monotonic()
    process = start_send(folder, env, port, connections, *extra)
    peak = 0
    while process.poll() is None:
        peak = max(peak, high_water_mark(process.pid))
        time.sleep(0.05)
    wall = time.monotonic() - started
    sent, seconds = sent_now(process)
    return sent / seconds, wall, sent, peak


def start_send(folder: Path, env: dict, port: int, connections: int, *extra: str):
    return subprocess.Popen(
        [NEWSLETTER, "send", MONTH, "--lang", "it", "--quiet", "--connections", str(connections),
         *extra], cwd=folder, env={**env, "NEWSLETTER_SMTP_URL": f"smtp://127.0.0.1:{port}"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sent_now(process) -> tuple[int, float]:
    """(messages, seconds) from a finished `newsletter send`'s summary line."""
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"newsletter send failed: {err}")
    found = re.search(r"(\d+) sent now in ([\d.]+) s", out)
    return int(found.group(1)), float(found.group(2))


def high_water_mark(pid: int) -> int:
    """VmHWM in KiB (0 once the process is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


def the_message(folder: Path, env: dict) -> bytes:
    config = load_config(folder, env)
    issue = load_issue(config, MONTH)
    message = prepare(config, issue, issue.editions["it"], folder / "out")
    return message.compose(Personal("persona.1@example.org", "Persona 1",
                                    f"{config.base_url}/unsubscribe/{'x' * 86}",
                                    message_id(1, 1, "comune.torino.it", b"k" * 32)))


def smtp_source(message: bytes, port: int, count: int, connections: int, tmp: Path) -> float:
    path = tmp / "message.eml"
    path.write_bytes(message)
    started = time.monotonic()
    subprocess.run(["smtp-source", "-d", "-s", str(connections), "-m", str(count), "-F", str(path),
                    "-f", "international.affairs@comune.torino.it", "-t", "persona@example.org",
                    f"127.0.0.1:{port}"], check=True)
    return count / (time.monotonic() - started)


def run(count: int, connections: int, compare: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = project(Path(tmp))
        env = {**os.environ, "NEWSLETTER_SECRET_KEY": "bench" * 8,
               "NEWSLETTER_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"}
        env.pop("NEWSLETTER_SMTP_URL", None)
        subscribers(folder, count, env)
        build_issue(load_config(folder, env), MONTH, folder / "out")
        port = free_port()
        server = sink(port)
        try:
            rate, wall, sent, peak = our_send(folder, env, port, connections)
            print(f"{count:>7,} recipients  newsletter send  {rate:8,.0f} msg/s "
                  f"({sent:,} in {sent / rate:.1f} s; wall {wall:.1f} s)  peak memory "
                  f"{peak / 1024:.0f} MiB")
            if compare:
                message = the_message(folder, env)
                limit = smtp_source(message, port, count, connections, Path(tmp))
                print(f"{count:>7,} messages    smtp-source      {limit:8,.0f} msg/s "
                      f"(same {len(message) / 1024:.0f} KiB message, {connections} connections)")
                print(f"ratio newsletter send / smtp-source: {rate / limit:.2f} (target ≥ 0.9)")
        finally:
            server.terminate()
            server.wait()


def postgres(url: str, count: int, connections: int) -> None:
    """The rate on PostgreSQL with one worker, then two sharing the delivery."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except sqlalchemy.exc.OperationalError as exc:
        print(f"PostgreSQL not measured: cannot connect to {url} ({exc.orig})")
        return
    scoped = str(sqlalchemy.engine.make_url(url).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False))
    try:
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                folder = project(Path(tmp))
                env = {**os.environ, "NEWSLETTER_SECRET_KEY": "bench" * 8,
                       "NEWSLETTER_DATABASE_URL": scoped}
                env.pop("NEWSLETTER_SMTP_URL", None)
                with admin.begin() as connection:  # a fresh list and ledger each time
                    connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
                    connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
                subscribers(folder, count, env)
                config = load_config(folder, env)
                build_issue(config, MONTH, folder / "out")
                store = Store(config.database_url, config.secret())
                issue = load_issue(config, MONTH)
                delivery = ledger.create(store, MONTH, "it", subject(issue.editions["it"]))
                ledger.enqueue(store, delivery.id, ["it"])
                store.close()
                port = free_port()
                server = sink(port)
                try:
                    started = time.monotonic()
                    processes = [start_send(folder, env, port, connections, "--resume")
                                 for _ in range(workers)]
                    results = [sent_now(process) for process in processes]
                    wall = time.monotonic() - started
                finally:
                    server.terminate()
                    server.wait()
                sent = sum(n for n, _ in results)
                seconds = max(s for _, s in results)
                print(f"{count:>7,} recipients  PostgreSQL, {workers} worker{'s' if workers > 1 else ' '} "
                      f"{sent / seconds:8,.0f} msg/s ({sent:,} in {seconds:.1f} s; "
                      f"{' + '.join(f'{n:,}' for n, _ in results)}; wall {wall:.1f} s; "
                      f"{connections} connections each)")
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--skip-100k", action="store_true", help="Skip the 100 000 memory run.")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="A PostgreSQL database to measure in (a schema of its own).")
    parser.add_argument("--no-postgres", action="store_true", help="Skip the PostgreSQL runs.")
    args = parser.parse_args()
    missing = [tool for tool in ("smtp-sink", "smtp-source") if not shutil.which(tool)]
    if missing:
        sys.exit(f"{' and '.join(missing)} not found: install Debian's postfix package "
                 "(apt-get install postfix) and run again")
    local, domain = BOUNCES.split("@")
    print(f"VERP on: each message's MAIL FROM is its own {local}+d…s…k…@{domain}")
    run(args.recipients, args.connections, compare=True)
    if not args.no_postgres:
        postgres(args.postgres, args.recipients, args.connections)
    if not args.skip_100k:
        run(100_000, args.connections, compare=False)


if __name__ == "__main__":
    main()
