"""Golden files: the December 2023 issue rendered and compared with the
committed output, so a template change shows up as a reviewable diff.

After an intended change: ``./dev test tests/test_golden.py --update-golden``
and review ``git diff tests/golden``.
"""

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "2023-12"
DATA_URL = re.compile(r"data:font/woff2;base64,[A-Za-z0-9+/=]+")
BLOCK_START = re.compile(r"(?<!\n)(<(?:table|tr|td|div|p|h[1-6]|ul|li|style|!--)\b)")

CASES = [
    ("it", "email.txt"),
    ("it", "email.html"),
    ("it", "index.html"),
    ("en", "email.txt"),
    ("en", "email.html"),
]


def comparable(name: str, text: str) -> str:
    """The output as committed: MJML writes long lines, so the email gets a
    line break before each block tag (for readable diffs); the web page's
    embedded font is replaced by a marker."""
    if name == "email.html":
        return BLOCK_START.sub(r"\n\1", text)
    if name == "index.html":
        return DATA_URL.sub("data:font/woff2;base64,…", text)
    return text


@pytest.mark.parametrize(("lang", "name"), CASES, ids=[f"{lang}/{name}" for lang, name in CASES])
def test_rendering_matches_golden_file(sample, request, lang, name):
    rendered = sample[1][lang]
    text = comparable(name, {"email.txt": rendered.email_text, "email.html": rendered.email_html,
                             "index.html": rendered.web_html}[name])
    golden = GOLDEN / lang / name
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run with --update-golden"
    expected = golden.read_text(encoding="utf-8")
    assert text == expected, f"{lang}/{name} differs from {golden}; if intended, --update-golden"
