"""Benchmark: building one edition of the December 2023 issue.

Prints the median time, over repeated in-process runs, of
  - the whole edition (email HTML, plain text, PDF, web page), and
  - the email step alone (Jinja → MJML → mjml-python/MRML → CSS inlining),
and, in the same run, the same MJML compiled by the official ``mjml`` npm
package (``npx mjml``, one process per compilation as a build would run it,
and once more in a warm Node process to isolate compile time), with ratios.

    ./dev test -q tests/test_dates.py   # once, to set up .venv
    npm install --prefix bench          # the official compiler, for comparison
    .venv/bin/python bench/render.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.content.reader import load_issue  # noqa: E402
from newsletter.core.config import load_config  # noqa: E402
from newsletter.render.build import render_edition  # noqa: E402
from newsletter.render.context import edition_view  # noqa: E402
from newsletter.render.email import compile_mjml, inline_css, render_mjml  # noqa: E402

MONTH = "2023-12"
NODE_BIN = ROOT / "bench" / "node_modules" / ".bin" / "mjml"
WARM_NODE = """
const mjml = require('mjml'); const fs = require('fs');
const src = fs.readFileSync(process.argv[2], 'utf8'); const runs = +process.argv[3];
mjml(src); const times = [];
for (let i = 0; i < runs; i++) { const t = process.hrtime.bigint(); mjml(src, {validationLevel: 'soft'});
  times.push(Number(process.hrtime.bigint() - t) / 1e6); }
times.sort((a, b) => a - b); console.log(times[Math.floor(times.length / 2)]);
"""


def median_ms(action, runs: int) -> float:
    action()  # warm-up: caches, font loading
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    config = load_config(ROOT, os.environ)
    issue = load_issue(config, MONTH)
    edition = issue.editions["it"]
    view = edition_view(edition, config, "absolute")
    mjml_source = render_mjml(view, config.templates_dir)

    whole = median_ms(lambda: render_edition(edition, issue, config, ()), max(3, args.runs // 4))
    email = median_ms(lambda: inline_css(compile_mjml(render_mjml(view, config.templates_dir)),
                                         config.templates_dir), args.runs * 5)
    compile_only = median_ms(lambda: compile_mjml(mjml_source), args.runs * 5)

    print(f"edition {MONTH}/it, {len(edition.top_news)} Top News items, median of repeated runs")
    print(f"  whole edition (email + text + PDF + web)   {whole:9.1f} ms")
    print(f"  email step (Jinja + MRML + CSS inlining)    {email:9.2f} ms")
    print(f"  MJML compile alone (mjml-python / MRML)     {compile_only:9.2f} ms")
    official(mjml_source, compile_only, email, args.runs)


def official(mjml_source: str, compile_only: float, email: float, runs: int) -> None:
    if not NODE_BIN.exists() or not shutil.which("node"):
        print("  official mjml: not installed (run `npm install --prefix bench`); no ratio")
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "issue.mjml"
        source.write_text(mjml_source, encoding="utf-8")
        cli = median_ms(lambda: subprocess.run([str(NODE_BIN), str(source), "-s"], check=True,
                                               capture_output=True), max(3, runs // 2))
        script = Path(tmp) / "warm.js"
        script.write_text(WARM_NODE)
        warm = float(subprocess.run(
            ["node", str(script), str(source), str(runs * 5)], check=True, capture_output=True,
            text=True, cwd=ROOT / "bench", env={**os.environ, "NODE_PATH": str(NODE_BIN.parents[1])},
        ).stdout)
    print(f"  official mjml CLI (what `npx mjml` runs)    {cli:9.1f} ms"
          f"   → email step is {cli / email:,.0f}× faster")
    print(f"  official mjml, warm Node process            {warm:9.2f} ms"
          f"   → MRML compile is {warm / compile_only:,.1f}× faster")


if __name__ == "__main__":
    main()
