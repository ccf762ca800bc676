"""Where the title ends and the body begins, in an entry whose markup was
lost ("Urban Mobility DaysThe City of Torino took part…").

Every place where the text could have been glued together is a candidate:
a lower-case letter, a digit or a closing mark right before a capital
(``DaysThe``, ``2015The``, ``(Italy)The``), the end of an acronym
(``MEDEXThe``: a capital followed by a capital and a lower-case letter), an
opening quotation mark right after a word (``Summit“The``). Each candidate
is scored: the body starting with a word that commonly opens a sentence in
the page's language (The, La, Una, Dal…) counts most, then the words after
it reading as prose, and a title that would hold a whole sentence, or be
very long, counts against. Not splitting at all is a candidate too, strong
for a short text that reads like a title. The split is certain only when
the best candidate clearly beats the next one; otherwise it is the best
guess, with the reason, for the editors' review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsletter.core.i18n import _

STARTERS = {
    "en": """The A An In On At As By For From During After Before Since Until Following
        This These Those That Last Next Over With Within Among Under Thanks It Its Our We They
        He She Today Yesterday Once Two Three Several Many More Some Each Every Both All
        Monday Tuesday Wednesday Thursday Friday Saturday Sunday""",
    "fr": """Le La Les L' Un Une Des Du De D' Dans En Au Aux À Ce Cet Cette Ces Depuis
        Pendant Lors Après Avant Pour Par Sur Il Elle Ils Elles On Nous Grâce Suite Avec Entre
        Parmi Chaque Plusieurs Deux Trois C'est Ainsi Lundi Mardi Mercredi Jeudi Vendredi Samedi
        Dimanche""",
    "it": """Il Lo La L' I Gli Le Un Uno Una Un' Dal Dallo Dalla Dall' Dai Dagli Dalle Da
        Nel Nello Nella Nell' Nei Negli Nelle In Con Per Durante Dopo Prima Si Sono È E' Alla
        Al Allo All' Ai Agli Alle A Questo Questa Questi Queste Grazie Tra Fra Sul Sulla Sull'
        Oltre Anche Ieri Oggi Presso Su Come Ecco Due Tre Numerosi Numerose Diversi Ogni Del
        Della Dell' Degli Delle Lunedì Martedì Mercoledì Giovedì Venerdì Sabato Domenica""",
}
_STARTERS = {lang: set(words.split()) for lang, words in STARTERS.items()}

_OPENING_QUOTES = "“«„\""
_CLOSING_MARKS = ".,;:!?)]}”»\"…"
_BASE = {"glued": 2.0, "acronym": 2.0, "quote": 2.0, "punct": 1.5, "number": 1.0,
         "spaced": -1.0}
_WORD = re.compile(r"[^\W\d_]+(?:['’](?=[^\W\d_]))?")
_SENTENCE = re.compile(r"([^\W\d_]{2,})[.!?…][\"”»)]?\s+[\"“«]?([^\W\d_])")
_ENDS_LIKE_SENTENCE = re.compile(r"([^\W\d_]{2,})[.][\"”»)]?$")
_ABBREVIATIONS = {"Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Sig", "Dott", "Ing", "Avv", "Mme",
                  "Mlle", "Jr", "Sr", "Co", "Inc", "Ltd", "Gen", "Av", "Ave"}
CERTAIN_SCORE, CERTAIN_MARGIN = 5.0, 3.0


@dataclass(frozen=True)
class Split:
    """The title and body of an entry; ``problem`` says why the split is a guess."""

    title: str
    body: str
    problem: str = ""


@dataclass(frozen=True)
class _Cut:
    at: int | None  # where the body starts; None: no body, the text is all title
    score: float
    kind: str = ""


def split_title(text: str, lang: str) -> Split:
    text = " ".join(text.split())
    cuts = sorted(_candidates(text, lang), key=lambda cut: -cut.score)
    best = cuts[0]
    runner_up = cuts[1].score if len(cuts) > 1 else 0.0
    certain = best.score >= CERTAIN_SCORE and best.score - runner_up >= CERTAIN_MARGIN
    title, body = _parts(text, best.at)
    if certain:
        return Split(title, body)
    return Split(title, body, _why(text, best, cuts[1:]))


def clearly_split(text: str, lang: str) -> Split | None:
    """The split of ``text`` if it certainly holds a body glued to its title, else None."""
    found = split_title(text, lang)
    return found if found.body and not found.problem else None


def _candidates(text: str, lang: str) -> list[_Cut]:
    marks = [(i, kind) for i in range(1, len(text)) if (kind := _glue(text, i, lang))]
    if not marks:
        marks = [(i, "spaced") for i in range(2, len(text))
                 if text[i - 1] == " " and _starter_at(text, i, lang)]
    cuts = [_Cut(i, _score(text, i, kind, lang), kind) for i, kind in marks]
    return [*cuts, _Cut(None, 5.0 if _reads_like_a_title(text) else 0.0)]


def _glue(text: str, i: int, lang: str) -> str | None:
    """The kind of boundary at ``i`` if two pieces of text could be glued there."""
    char, before = text[i], text[i - 1]
    if before.isspace():
        return None
    if char in _OPENING_QUOTES and _opens(text, i) and text[i + 1:].lstrip()[:1].isupper():
        return "quote"
    if char.isdigit():
        return "number" if before.islower() else None
    if not char.isupper():
        return None
    if before.islower() or before.isdigit():
        return "glued"
    if before.isupper():
        following = text[i + 1:i + 2]
        return "acronym" if following.islower() or _starter_at(text, i, lang) else None
    if before in _CLOSING_MARKS and not (before in _OPENING_QUOTES and _opens(text, i - 1)):
        return "punct"
    return None


def _opens(text: str, i: int) -> bool:
    """Whether the quotation mark at ``i`` opens a quotation (a straight one
    opens when an even number of them comes before)."""
    return text[i] != '"' or text[:i].count('"') % 2 == 0


def _score(text: str, at: int, kind: str, lang: str) -> float:
    title, body = text[:at], text[at:].lstrip(_OPENING_QUOTES + " ")
    score = _BASE[kind]
    if _starter_at(body, 0, lang):
        single_after_capital = kind == "acronym" and len(_WORD.match(body)[0]) == 1
        score += 1.0 if single_after_capital else 4.0  # "MEDEXA delegation": MEDEXA or MEDEX?
    if any(word.isalpha() and word.islower() and len(word) > 1 for word in body.split()[1:4]):
        score += 1.0
    if _holds_a_sentence(title):
        score -= 3.0
    if len(title.split()) > 20:
        score -= 2.0
    if len(title.strip()) < 3:
        score -= 3.0
    return score


def _starter_at(text: str, i: int, lang: str) -> bool:
    """Whether a word that commonly opens a sentence in ``lang`` starts at ``i``."""
    found = _WORD.match(text, i)
    if not found:
        return False
    word = found[0].replace("’", "'")
    alone = word.endswith("'") or text[found.end():found.end() + 1] in (" ", "\u00a0", ",")
    return alone and word in _STARTERS.get(lang, _STARTERS["en"])


def _reads_like_a_title(text: str) -> bool:
    ending = _ENDS_LIKE_SENTENCE.search(text)
    return (len(text.split()) <= 15 and not _holds_a_sentence(text)
            and not (ending and ending[1] not in _ABBREVIATIONS))


def _holds_a_sentence(text: str) -> bool:
    """A full stop followed by a capital, not after an abbreviation ("Dr. Rossi")."""
    return any(found[1] not in _ABBREVIATIONS for found in _SENTENCE.finditer(text))


def _parts(text: str, at: int | None) -> tuple[str, str]:
    if at is None:
        return text.strip(), ""
    return text[:at].strip(" -–—:|"), text[at:].strip()


def _why(text: str, best: _Cut, others: list[_Cut]) -> str:
    title, body = _parts(text, best.at)
    if best.at is None:
        return _("No clear boundary between the title and the body was found; the whole text "
                 "was taken as the title.")
    rival = next((cut for cut in others if cut.at is not None
                  and cut.score > best.score - CERTAIN_MARGIN), None)
    if rival is not None:
        other = _parts(text, rival.at)[0]
        return _("The title was taken as “{title}”; it could also be “{other}”.").format(
            title=title, other=other)
    if best.kind == "acronym":
        letter = text[best.at]
        return _("The title was taken as “{title}”; the capital “{letter}” after it could also "
                 "belong to the title.").format(title=title, letter=letter)
    start = " ".join(body.split()[:4])
    return _("The title was taken as “{title}”, but the body's first words, “{start}”, do not "
             "clearly begin a sentence.").format(title=title, start=start)
