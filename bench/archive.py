"""Benchmark: the archive of 200 issues (17 years × 12, the size of the
December 2023 issue each): full build, incremental rebuild after one issue
changed, no-op rebuild. Prints the figures.

    .venv/bin/python bench/archive.py [--issues 200]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.archive.site import build_archive  # noqa: E402
from newsletter.core.config import load_config  # noqa: E402

SAMPLE = yaml.safe_load((ROOT / "issues" / "2023-12" / "it.yaml").read_text(encoding="utf-8"))


def issue_source(year: int, month: int) -> str:
    """The sample's 16 items, dated within the month, as an issue of that month."""
    data = {key: value for key, value in SAMPLE.items() if key not in ("send_at",)}
    data["month"] = f"{year}-{month:02}"
    items = []
    for n, item in enumerate(SAMPLE["top_news"]):
        day = 1 + n % 28
        items.append({**item, "date": f"{year}-{month:02}-{day:02}"})
    data["top_news"] = items
    data["consulates"] = [{**c, "date": f"{year}-{month:02}"} if "date" in c else c
                          for c in SAMPLE["consulates"]]
    first = date(year, month, 1)
    previous = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    data["delegations"] = {**SAMPLE["delegations"], "period": {
        "from": previous.isoformat(), "to": (first.replace(day=1)).isoformat()}}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copy(ROOT / "newsletter.toml", project / "newsletter.toml")
        shutil.copytree(ROOT / "templates", project / "templates")
        months = [(2008 + n // 12, 1 + n % 12) for n in range(args.issues)]
        for year, month in months:
            folder = project / "issues" / f"{year}-{month:02}"
            folder.mkdir(parents=True)
            (folder / "it.yaml").write_text(issue_source(year, month), encoding="utf-8")
        config = load_config(project, {})
        out = project / "site"
        full = build_archive(config, out)
        assert not full.problems, full.problems[:3]
        print(f"{len(full.rebuilt)} issues   full build            {full.seconds:8.2f} s "
              f"({full.seconds / len(full.rebuilt) * 1000:.0f} ms per issue: email, text, PDF, web)")
        year, month = months[len(months) // 2]
        source = project / "issues" / f"{year}-{month:02}" / "it.yaml"
        source.write_text(source.read_text(encoding="utf-8").replace(
            "Luci d'Artista", "Luci d'Artista (aggiornato)", 1), encoding="utf-8")
        one = build_archive(config, out)
        print(f"{len(full.rebuilt)} issues   one issue changed     {one.seconds:8.2f} s "
              f"(rebuilt: {', '.join(one.rebuilt)}; indexes rewritten: {one.indexes})")
        started = time.perf_counter()
        none = build_archive(config, out)
        print(f"{len(full.rebuilt)} issues   nothing changed       {none.seconds:8.2f} s "
              f"({none.seconds / len(full.rebuilt) * 100:.3f} s per 100 issues; rebuilt: "
              f"{len(none.rebuilt)}, indexes rewritten: {none.indexes})")
        assert time.perf_counter() - started >= none.seconds


if __name__ == "__main__":
    main()
