"""The palette of the email and web page: every text colour against its
background reaches WCAG AA contrast (4.5:1), in light and dark mode."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# (text, background, where it is used)
PAIRS = [
    ("#1c1f23", "#ffffff", "body text on the card"),
    ("#4a5663", "#ffffff", "dates"),
    ("#0b57a4", "#ffffff", "links"),
    ("#0b3a6e", "#ffffff", "section headings"),
    ("#ffffff", "#0b3a6e", "masthead"),
    ("#3b4450", "#e9edf2", "footer and top line"),
    ("#0b4f94", "#e9edf2", "links on the page background"),
    ("#2b323a", "#e9edf2", "PDF contact block"),
    ("#e6e9ed", "#1f2329", "dark mode: body text"),
    ("#b8c2cc", "#1f2329", "dark mode: dates"),
    ("#8fbcf0", "#1f2329", "dark mode: links"),
    ("#9cc4f2", "#1f2329", "dark mode: headings"),
    ("#c3cad2", "#15181c", "dark mode: footer"),
    ("#000000", "#ffffff", "web page, printed"),
    ("#8fbcf0", "#15181c", "dark mode: links on the page"),
    ("#a4161a", "#ffffff", "subscription form: errors"),
    ("#ff9b9b", "#15181c", "dark mode: errors"),
    ("#ffffff", "#2f6db0", "dark mode: buttons"),
]

# Borders of form fields need 3:1 against the page (WCAG 1.4.11, non-text contrast).
UI_PAIRS = [
    ("#8a96a3", "#ffffff", "field border"),
    ("#6b7785", "#15181c", "dark mode: field border"),
]


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("text", "background", "use"), PAIRS, ids=[p[2] for p in PAIRS])
def test_contrast_is_at_least_4_5(text, background, use):
    assert contrast(text, background) >= 4.5


@pytest.mark.parametrize(("border", "background", "use"), UI_PAIRS, ids=[p[2] for p in UI_PAIRS])
def test_form_field_borders_are_visible(border, background, use):
    assert contrast(border, background) >= 3


def test_every_colour_in_the_templates_is_covered():
    """A new colour in a template must be added to PAIRS (and so be checked)."""
    used = set()
    for path in [*TEMPLATES.glob("email/*"), *TEMPLATES.glob("web/*"), *TEMPLATES.glob("pdf/*"),
                 *TEMPLATES.glob("site/*")]:
        used |= {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", path.read_text())}
    known = {c for pair in PAIRS + UI_PAIRS for c in pair[:2]}
    decorative = {"#d5dbe2", "#39414a", "#f0b400"}  # rules, borders, focus ring: not text
    assert used - known - decorative == set()
