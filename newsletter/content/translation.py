"""``newsletter translate``: the file of a translation, ready to translate.

Every part of the primary edition is there with its id; each text field
reads ``DA TRADURRE`` (``language.TO_TRANSLATE``), with the Italian text
in a comment just above it. A part that still reads DA TRADURRE counts as
not translated, so a half-done file never stops the Italian edition: its
own edition stays incomplete (built only with --allow-incomplete) until
every part is written.

An existing file is never overwritten unless asked: ``force`` starts it
again from scratch; ``update`` rewrites it keeping every translation it
holds and adding the parts it lacks (new items of the Italian edition),
with the Italian comments refreshed — the file's other comments are not
kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from newsletter.content.language import TO_TRANSLATE, language_name
from newsletter.content.located import read_yaml
from newsletter.content.reader import check_issue, display_path
from newsletter.core.config import Config
from newsletter.core.errors import IssueInvalid, NewsletterError
from newsletter.core.i18n import _

HEADER = """\
# Work in Progress — {month}, edizione {name} ({lang}): la traduzione di {primary}.yaml.
# Ogni testo da tradurre dice {marker}, con il testo originale nel commento
# sopra: scrivi la traduzione al suo posto (Markdown come nell'originale).
# Finché un testo dice {marker}, la sua parte non è tradotta e l'edizione
# {lang} resta incompleta: `newsletter check {month}` elenca che cosa manca.
# Date, tag e immagini vengono da {primary}.yaml: qui solo i testi.
"""
SECTIONS = ("top_news", "consulates")
ITEM_FIELDS = ("title", "body")
DELEGATION_FIELDS = ("name", "city", "country", "role")
BLOCK_FIELDS = {"body", "insights"}  # written as literal blocks


class TranslationExists(NewsletterError):
    pass


@dataclass
class Written:
    path: Path
    added: list[str] = field(default_factory=list)  # parts written as DA TRADURRE
    kept: list[str] = field(default_factory=list)  # parts whose translation was kept
    dropped: list[str] = field(default_factory=list)  # ids no longer in the primary edition


def write_translation(config: Config, month: str, lang: str, *, force: bool = False,
                      update: bool = False) -> Written:
    """Write ``issues/YYYY-MM/<lang>.yaml`` for translating the primary edition."""
    primary = config.primary_language
    if lang == primary or lang not in config.languages:
        raise NewsletterError(_(
            "--lang {lang}: choose a translation of this bulletin ({choices}); {primary} is "
            "the original").format(lang=lang, primary=primary,
                                   choices=", ".join(config.languages[1:]) or _("none configured")))
    checked = check_issue(config, month)
    path = config.issues_dir / month / f"{lang}.yaml"
    if path.exists() and not (force or update):
        file = display_path(config, path)
        raise TranslationExists(_(
            "{file} already exists: translate it there (`newsletter check {month}` lists what "
            "is missing), add the parts it lacks with --update (every translation in it is "
            "kept), or start again with --force (it is overwritten)").format(file=file,
                                                                              month=month))
    blocking = [p for p in checked.errors if not (force and str(p.file).endswith(path.name))]
    if blocking:
        raise IssueInvalid(blocking)
    original = _data(path.with_name(f"{primary}.yaml"))
    existing = _data(path) if update and path.exists() else {}
    written = Written(path)
    text = _Writer(original, existing, written, primary).text(
        HEADER.format(month=month, lang=lang, primary=primary, marker=TO_TRANSLATE,
                      name=language_name(lang, "it")))  # the file speaks Italian
    path.write_text(text, encoding="utf-8")
    return written


def _data(path: Path) -> dict:
    located, _problems = read_yaml(path, path.name)
    return located.data if located is not None and isinstance(located.data, dict) else {}


class _Writer:
    """The translation's text: each field to translate, the original above it."""

    def __init__(self, original: dict, existing: dict, written: Written, primary: str):
        self.original, self.existing, self.written = original, existing, written
        self.primary = primary
        self.lines: list[str] = []

    def text(self, header: str) -> str:
        self.lines = [*header.rstrip("\n").split("\n"), ""]
        self._header()
        for section in SECTIONS:
            self._section(section, ITEM_FIELDS + (("image_alt",) if section == "top_news" else ()))
        if self.original.get("insights"):
            self.lines.append("")
            self._field("insights", self.original["insights"], self.existing.get("insights"), 0)
            self._count("insights", self.existing.get("insights"))
        self._delegations()
        return "\n".join(self.lines) + "\n"

    def _header(self) -> None:
        if self.existing.get("title"):
            self.lines.append(f"title: {_scalar(self.existing['title'])}")
        for name in ("curated_by", "preheader"):
            if self.original.get(name):
                self._field(name, self.original[name], self.existing.get(name), 0)
                self._count(name, self.existing.get(name))

    def _section(self, section: str, fields: tuple[str, ...]) -> None:
        entries = [e for e in self.original.get(section) or [] if isinstance(e, dict)]
        translated = self._existing_entries(section, {e.get("id") for e in entries})
        if not entries:
            return
        self.lines += ["", f"{section}:"]
        for number, entry in enumerate(entries):
            if number:
                self.lines.append("")
            mine = translated.get(entry["id"], {})
            self.lines.append(f"  - id: {entry['id']}")
            for name in fields:
                source = entry.get("image", {}).get("alt") if name == "image_alt" \
                    else entry.get(name)
                if source:
                    self._field(name, source, mine.get(name), 4)
            self._count(entry["id"], mine or None)

    def _delegations(self) -> None:
        received = (self.original.get("delegations") or {}).get("received") or []
        entries = [e for e in received if isinstance(e, dict)]
        translated = self._existing_entries("delegations", {e.get("id") for e in entries})
        if not entries:
            return
        self.lines += ["", "delegations:"]
        for entry in entries:
            mine = translated.get(entry["id"], {})
            self.lines.append(f"  - id: {entry['id']}")
            for name in DELEGATION_FIELDS:
                if entry.get(name):
                    self._field(name, entry[name], mine.get(name), 4)
            self._count(entry["id"], mine or None)

    def _existing_entries(self, section: str, ids: set) -> dict[str, dict]:
        entries = [e for e in self.existing.get(section) or [] if isinstance(e, dict)]
        self.written.dropped += [e.get("id") for e in entries if e.get("id") not in ids]
        return {e.get("id"): e for e in entries if e.get("id") in ids}

    def _field(self, name: str, source: str, value: str | None, indent: int) -> None:
        pad = " " * indent
        self.lines += _comment(str(source), pad, self.primary)
        value = value if isinstance(value, str) and value.strip() else None
        if name in BLOCK_FIELDS:
            self.lines.append(f"{pad}{name}: |")
            text = value or TO_TRANSLATE
            self.lines += [f"{pad}  {line}" if line.strip() else ""
                           for line in text.rstrip("\n").split("\n")]
        else:
            self.lines.append(f"{pad}{name}: {_scalar(value or TO_TRANSLATE)}")

    def _count(self, part: str, existing: object) -> None:
        (self.written.kept if existing else self.written.added).append(part)


def _comment(source: str, pad: str, lang: str) -> list[str]:
    """The original text as a comment: ``# it: …``, or ``# it: |`` and its lines."""
    lines = source.rstrip("\n").split("\n")
    if len(lines) == 1:
        return [f"{pad}# {lang}: {lines[0]}"]
    return [f"{pad}# {lang}: |"] + [f"{pad}#   {line}".rstrip() for line in lines]


def _scalar(value: str) -> str:
    """One line of YAML: plain when it reads back the same, else in double quotes."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)
