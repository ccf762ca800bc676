"""Is a translation's text really in its language? A field of ``en.yaml`` or
``fr.yaml`` counts as not translated when it still reads the marker that
``newsletter translate`` leaves (DA TRADURRE), when an offline language
identifier (py3langid, whose model ships inside the package) is confident
that it is in another language — Italian pasted into ``fr.yaml`` — or when
it is the original's text copied; an item with an image needs alt text of
its own.

Short texts must not give false alarms: a title of a few words or a proper
name ("Lyon Light Festival Forum", "Paysalia Lione") reads alike in every
language, and an English sentence full of Italian names ("Visit of the
Delegazione della Città Metropolitana di Lione") reads as Italian. So a
text is judged only from ``MIN_WORDS`` words on, only when the identifier's
confidence reaches ``CONFIDENCE``, and, below ``LONG_TEXT`` words, only when
it also shares most of its words with the original (pasted, not written).
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from newsletter.core.i18n import _, current_language

TO_TRANSLATE = "DA TRADURRE"  # what `newsletter translate` leaves in each field
MIN_WORDS = 8
LONG_TEXT = 30
CONFIDENCE = 0.95
SHARED = 0.5  # below LONG_TEXT words: the share of its words found in the original
# The identifier chooses among these only: the bulletin's languages and
# their neighbours, so that a Spanish text is named as such rather than
# taken for Italian; fewer candidates also make short texts more reliable.
CANDIDATES = ("it", "en", "fr", "de", "es", "pt")
TEXT_FIELDS = ("title", "body", "name", "city", "country")
HEADER_FIELDS = ("curated_by", "preheader", "insights")

# Addresses, link targets and Markdown punctuation say nothing about the language.
_NOT_WORDS = re.compile(r"\]\([^)]*\)|<[^>]*>|https?://\S+|www\.\S+|\S+@\S+|[*_#`\[\]()]")


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CANDIDATES))
    return identifier


def words(text: str) -> list[str]:
    """The words of a text, without its addresses and Markdown marks."""
    return [w for w in _NOT_WORDS.sub(" ", text).split() if any(c.isalpha() for c in w)]


def detect(text: str) -> str | None:
    """The language of ``text``, when it is long enough to judge and the
    identifier is confident; otherwise None (no opinion)."""
    found = words(text)
    if len(found) < MIN_WORDS:
        return None
    lang, confidence = _identifier().classify(" ".join(found))
    return lang if confidence >= CONFIDENCE else None


def language_name(code: str, speaking: str | None = None) -> str:
    """The name of the language ``code`` in ``speaking`` (default: the language
    of the messages)."""
    return Locale.parse(code).get_language_name(speaking or current_language())


def untranslated_text(text: str | None, original: str | None, lang: str) -> str | None:
    """Why ``text``, a field of the ``lang`` translation, is not translated; None if it is
    (or cannot be judged). ``original`` is the same field in the primary edition.

    A text still reading DA TRADURRE is not translated *yet*, which needs no
    explanation: its reason is empty (the incomplete-translation warning lists
    the part)."""
    if not text:
        return None
    if TO_TRANSLATE in text:
        return ""
    language = language_name(lang)
    found = detect(text)
    if found and found != lang and (len(words(text)) >= LONG_TEXT or _shares(text, original)):
        other = language_name(found)
        return _("this text is in {other}, not in {language}: translate it; until then it "
                 "counts as not translated").format(other=other, language=language)
    # Copied as it is: a long text only (a title may rightly be the same in
    # both editions), and not when it reads as the edition's own language.
    if original and _same(text, original) and len(words(text)) >= LONG_TEXT and found != lang:
        return _("this text is the original's, copied: translate it into {language}; until "
                 "then it counts as not translated").format(language=language)
    return None


def untranslated_entry(entry, original, lang: str) -> dict[str, str]:
    """The fields of one translated entry (a Top News item, a consulate's note,
    a delegation) that are not translated, each with the reason (empty when
    there is nothing to explain).

    ``entry`` is the translation's source entry, ``original`` the primary
    edition's Item or Delegation with the same id."""
    found = {}
    for name in TEXT_FIELDS:
        why = untranslated_text(getattr(entry, name, None), getattr(original, name, None), lang)
        if why is not None:
            found[name] = why
    image = getattr(original, "image", None)
    if image is not None:
        why = _untranslated_alt(getattr(entry, "image_alt", None), image.alt, lang)
        if why is not None:
            found["image_alt"] = why
    return found


def untranslated_header(source, base, lang: str) -> dict[str, str]:
    """The edition-wide texts of a translation (curated-by line, preheader,
    Approfondimenti) that are not translated, each with the reason; ``base``
    is the primary Edition."""
    found = {}
    for name in HEADER_FIELDS:
        why = untranslated_text(getattr(source, name, None), getattr(base, name, None), lang)
        if why is not None:
            found[name] = why
    return found


def _untranslated_alt(alt: str | None, original: str, lang: str) -> str | None:
    language = language_name(lang)
    if alt is None:
        return _("the image has no alt text in {language}: add image_alt, saying what the "
                 "image shows, for readers who cannot see it").format(language=language)
    if _same(alt, original):
        return _("the alt text is the original's, copied: describe the image in {language}"
                 ).format(language=language)
    return untranslated_text(alt, original, lang)


def _shares(text: str, original: str | None) -> bool:
    """Most of the words of ``text`` are in ``original``."""
    if not original:
        return False
    theirs = {w.casefold() for w in words(original)}
    mine = [w.casefold() for w in words(text)]
    return sum(w in theirs for w in mine) >= SHARED * len(mine)


def _same(text: str, other: str) -> bool:
    return " ".join(text.split()).casefold() == " ".join(other.split()).casefold()
