"""Every message people read has its Italian translation, and the compiled
catalog is the one in git: `scripts/messages` extracts, merges and compiles
(README, "Messages and translations")."""

import gettext

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from newsletter.core.i18n import DOMAIN, LOCALE_DIR

from .conftest import REPO

PO = LOCALE_DIR / "it" / "LC_MESSAGES" / f"{DOMAIN}.po"


# What scripts/messages extracts (babel.cfg): the Python code, and the
# workspace's templates with Jinja2's extractor (silent=False: a template it
# cannot parse fails here instead of hiding its strings).
SOURCES = (
    (REPO / "newsletter", [("**.py", "python")], {}),
    (REPO / "templates" / "editor", [("**.j2", "jinja2")], {"**.j2": {"silent": "false"}}),
)


def source_messages() -> set[str]:
    found = set()
    for directory, method_map, options_map in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                directory, method_map=method_map, options_map=options_map,
                keywords={"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_its_italian_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    missing = sorted(source_messages() - translated)
    assert missing == [], "run scripts/messages, translate these in the .po, run it again: " \
        + "; ".join(missing[:10])


def test_the_compiled_catalog_matches_the_po():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    compiled = gettext.translation(DOMAIN, LOCALE_DIR, languages=["it"])
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            found = compiled.pgettext(message.context, message.id) if message.context \
                else compiled.gettext(message.id)
            assert found == message.string, \
                f"the .mo is older than the .po: run scripts/messages ({message.id!r})"


def test_placeholders_agree_between_english_and_italian():
    import string
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    names = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)  # noqa: E731
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            assert names(message.id) == names(message.string), message.id
