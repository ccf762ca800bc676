"""Benchmark: the subscriber store on SQLite and PostgreSQL.

Generates a CSV of 100 000 subscribers (fictitious example.org addresses),
imports it (validation, duplicate and suppression checks, one transaction)
and lists the active subscribers of each language, printing the figures.
PostgreSQL is measured when reachable (NEWSLETTER_BENCH_POSTGRES_URL, default
the local server), in a schema of its own that is dropped afterwards.

    .venv/bin/python bench/subscribers.py [--rows N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.store import Store  # noqa: E402
from newsletter.store import subscribers as subs  # noqa: E402
from newsletter.store.imports import import_subscribers  # noqa: E402

LANGS = ("it", "en", "fr")
POSTGRES = os.environ.get("NEWSLETTER_BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def generate(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("email,name,language\n")
        for n in range(rows):
            handle.write(f"persona.{n}@example.org,Persona {n},{LANGS[n % 3]}\n")


def measure(label: str, url: str, csv_path: Path, rows: int) -> None:
    store = Store(url, b"bench-secret")
    try:
        start = time.perf_counter()
        report = import_subscribers(store, csv_path, languages=LANGS, privacy_version="bench")
        imported = time.perf_counter() - start
        assert report.imported == rows, report.problems[:3]
        print(f"{label:<11} import {rows:,} rows   {imported:7.2f} s   "
              f"({rows / imported:,.0f} rows/s)")
        for lang in LANGS:
            start = time.perf_counter()
            count = sum(1 for _ in subs.listing(store, "active", lang))
            listed = time.perf_counter() - start
            print(f"{label:<11} list active {lang}       {listed:7.2f} s   "
                  f"({count:,} subscribers, {count / listed:,.0f}/s)")
    finally:
        store.close()


def postgres_schema() -> tuple[str, str] | None:
    try:
        engine = sqlalchemy.create_engine(POSTGRES, connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except sqlalchemy.exc.OperationalError as exc:
        print(f"postgresql  not measured: {POSTGRES} unreachable ({exc.orig})")
        return None
    url = sqlalchemy.engine.make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop(schema: str) -> None:
    engine = sqlalchemy.create_engine(POSTGRES)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "subscribers.csv"
        generate(csv_path, args.rows)
        measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", csv_path, args.rows)
        if found := postgres_schema():
            url, schema = found
            try:
                measure("postgresql", url, csv_path, args.rows)
            finally:
                drop(schema)


if __name__ == "__main__":
    main()
