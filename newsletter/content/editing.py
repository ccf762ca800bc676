"""Edit an issue's sources as the workspace's forms do, keeping the files in
``issues/`` the source of truth.

A source is read into a round-trip map (ruamel.yaml) that keeps the
comments, the key order and the quoting of a hand-written file; the forms
change that map through the helpers below, and a save writes it back
atomically. Each save names the version it started from (the SHA-256 of
the file as it was read): when the file has changed since, the save is
refused (``SourceConflict``) and nothing is written, so two people editing
the same issue never overwrite each other.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import CommentMark
from ruamel.yaml.error import YAMLError as RoundTripError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
)
from ruamel.yaml.tokens import CommentToken

from newsletter.content import yaml_help
from newsletter.content.language import TO_TRANSLATE
from newsletter.content.reader import display_path, issue_folder
from newsletter.content.source_dates import (
    DATE_KINDS,
    NO_DATE,
    DateInvalid,
    DateKind,
    date_from_source,
    date_shown,
    date_to_source,
)
from newsletter.core.config import Config
from newsletter.core.errors import NewsletterError
from newsletter.core.i18n import _

__all__ = [
    "DATE_KINDS", "NO_DATE", "SECTIONS", "DateInvalid", "DateKind", "SourceConflict", "SourceFile",
    "SourceUnreadable", "add_item", "date_from_source", "date_shown", "date_to_source", "dump",
    "find_item", "item_source_hash", "move_item", "new_item_id", "open_source", "remove_item",
    "save_source", "save_text", "section_items", "set_value", "source_hashes", "translation_state",
    "unified_diff",
]

SECTIONS = ("top_news", "consulates", "delegations")  # "delegations": its ``received`` list
SECTION_KEYS = {"top_news", "consulates", "insights", "delegations"}  # set apart by blank lines
FLOW_KEYS = {"date", "image", "period"}  # small maps written on one line, as `new` does
ITEM_TEXT = ("title", "body", "image")
DELEGATION_TEXT = ("name", "city", "country")
META_PARTS = ("preheader", "insights")
ID_LENGTH = 48


class _PlainLoader(yaml.SafeLoader):
    """The issue reader's YAML (located.py): dates stay text."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# -- the files -------------------------------------------------------------------


class SourceConflict(NewsletterError):
    """The file changed after it was opened: nothing was saved."""

    def __init__(self, path: Path, base_version: str, current_version: str, current_text: str,
                 file: str | None = None):
        self.path, self.base_version = path, base_version
        self.current_version, self.current_text = current_version, current_text
        super().__init__(_(
            "{file} was changed by someone else after you opened it, so nothing was saved: "
            "compare your changes with the current text, then save again").format(
            file=file or path.name))


class SourceUnreadable(NewsletterError):
    """The file is not a YAML map of fields; ``text`` and ``version`` let it be
    corrected as text (``save_text``)."""

    def __init__(self, message: str, text: str = "", version: str = ""):
        super().__init__(message)
        self.text, self.version = text, version


@dataclass
class SourceFile:
    """One language's source as read: its text, its version (the SHA-256 of its
    bytes, "" when the file does not exist yet) and its round-trip map."""

    path: Path
    lang: str
    text: str
    version: str
    data: CommentedMap


WIDTH = 4096  # long lines are left as they are: no hand-written line is re-wrapped


class _Resolver(VersionedResolver):
    """Dates stay text, as the issue reader reads them (located.py)."""

    def add_version_implicit_resolver(self, version, tag, regexp, first) -> None:
        if tag != "tag:yaml.org,2002:timestamp":
            super().add_version_implicit_resolver(version, tag, regexp, first)


def _round_trip() -> YAML:
    """A fresh YAML handler (they are not thread-safe), writing as the samples are
    written: 2-space maps, ``  - `` lists, unicode as it is, quotes kept."""
    handler = YAML()
    handler.Resolver = _Resolver
    handler.preserve_quotes = True
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.width = WIDTH
    handler.allow_unicode = True
    return handler


def dump(data: CommentedMap) -> str:
    """The YAML text of a source's map, comments and order included."""
    out = io.StringIO()
    _round_trip().dump(data, out)
    return out.getvalue()


def _parse(text: str, file: str, *, empty: bool = True) -> CommentedMap:
    """The map of ``text`` (an ``empty`` one for a text of comments only, if
    allowed), or SourceUnreadable saying, in the editor's words, why not."""
    try:
        yaml.load(text, Loader=_PlainLoader)  # the reader's parser: its errors are explained
        data = _round_trip().load(text)
    except yaml.MarkedYAMLError as exc:
        explained = yaml_help.explain(text, exc)
        raise SourceUnreadable(f"{file}:{explained.line}: {explained.message}", text) from None
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise SourceUnreadable(_("{file}:{line}: this field appears twice in the same place; "
                                 "keep one").format(file=file, line=line), text) from None
    except (yaml.YAMLError, RoundTripError) as exc:
        raise SourceUnreadable(f"{file}: {exc}", text) from None
    if data is None and empty:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise SourceUnreadable(_("{file}: expected fields (key: value), one per line").format(
            file=file), text)
    return data


def _source_path(config: Config, month: str, lang: str) -> Path:
    if lang not in config.languages:
        raise NewsletterError(_("{lang!r} is not a language of this bulletin ({choices})").format(
            lang=lang, choices=", ".join(config.languages)))
    return issue_folder(config, month) / f"{lang}.yaml"


def _read(path: Path) -> tuple[bytes, str]:
    """The bytes and version of ``path``; (b"", "") when it does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return b"", ""
    return raw, hashlib.sha256(raw).hexdigest()


def open_source(config: Config, month: str, lang: str) -> SourceFile:
    """The source of ``lang`` for ``month`` (a translation not written yet: empty,
    version "", created by the first save)."""
    path = _source_path(config, month, lang)
    file = display_path(config, path)
    raw, version = _read(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceUnreadable(_("{file}: not UTF-8 text ({reason} at byte {byte}): save the file "
                                 "as UTF-8").format(file=file, reason=exc.reason, byte=exc.start),
                               raw.decode("utf-8", errors="replace"), version) from None
    try:
        data = _parse(text, file)
    except SourceUnreadable as exc:
        exc.version = version
        raise
    return SourceFile(path, lang, text, version, data)


def save_source(config: Config, month: str, lang: str, data: CommentedMap,
                base_version: str) -> SourceFile:
    """Write ``data`` as the source of ``lang``, unless the file is no longer the
    version ``base_version`` it was opened at (SourceConflict, nothing written)."""
    return save_text(config, month, lang, dump(data), base_version)


def save_text(config: Config, month: str, lang: str, text: str, base_version: str) -> SourceFile:
    """Write ``text`` (a revision restored, a correction made as text) as the
    source of ``lang``: it must be a YAML map of fields (SourceUnreadable, nothing
    written); the same conflict check as ``save_source``."""
    path = _source_path(config, month, lang)
    file = display_path(config, path)
    data = _parse(text, file, empty=False)
    content = text.encode("utf-8")
    with _locked(path):
        current_bytes, current = _read(path)
        if current != base_version:
            raise SourceConflict(path, base_version, current,
                                 current_bytes.decode("utf-8", errors="replace"), file)
        _write_atomically(path, content)
    return SourceFile(path, lang, text, hashlib.sha256(content).hexdigest(), data)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One save at a time per file, across threads and processes: an exclusive
    lock on a dotfile beside it (``.it.yaml.lock``, which no reader takes for an
    edition), released when it is closed."""
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _write_atomically(path: Path, content: bytes) -> None:
    """Readers see the old file or the new one, never half of it, even after a crash."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def unified_diff(old_text: str, new_text: str, old_name: str, new_name: str) -> str:
    """What changed from one text to another, as ``diff -u`` shows it."""
    old, new = (_lines(text) for text in (old_text, new_text))
    return "".join(difflib.unified_diff(old, new, old_name, new_name))


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


# -- values as they are written ---------------------------------------------------


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _reads_back(value: str) -> bool:
    """``value`` written plain reads back the same to the issue reader (YAML 1.1:
    not ``yes``, ``no``, ``1_000``, ``12:30``, nor text with ": " or " #")."""
    try:
        return yaml.load(f"k: {value}", Loader=_PlainLoader) == {"k": value}
    except yaml.YAMLError:
        return False


def _scalar(value: str) -> str:
    """Several lines: a literal block; one line: plain when it reads back the
    same, else double-quoted. Line ends from a browser's form become ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in value:
        return LiteralScalarString(value)
    return value if _reads_back(value) else DoubleQuotedScalarString(value)


def _to_yaml(value: object, key: object = None) -> object:
    """A value from a form or a dict, ready for the round-trip map."""
    if isinstance(value, CommentedMap | CommentedSeq | bool | int | float) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _scalar(value)
    if isinstance(value, Mapping):
        mapped = CommentedMap((k, _to_yaml(v, k)) for k, v in value.items() if not _is_empty(v))
        if key in FLOW_KEYS:
            mapped.fa.set_flow_style()
        return mapped
    items = CommentedSeq(_to_yaml(v) for v in value)  # type: ignore[attr-defined]
    if all(not isinstance(v, Mapping | list) for v in items):
        items.fa.set_flow_style()  # tags: [Torino, Milano]
    return items


# -- blank lines ----------------------------------------------------------------
#
# ruamel keeps the blank lines after an entry as a comment token on the entry's
# last scalar ("\n" per blank line after a block scalar, which ends its own line;
# one more for any other value), or before the next entry of a list. A change of
# structure moves them, so that entries stay separated as they were and a section
# stays separated from the next one.


def _tail(container, key) -> tuple[CommentedMap | CommentedSeq, object]:
    """Where the blank lines after the entry ``key`` of ``container`` are kept."""
    value = container[key]
    while isinstance(value, CommentedMap | CommentedSeq) and len(value) \
            and not value.fa.flow_style():
        container, key = value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
        value = container[key]
    return container, key


def _last(node) -> object:
    return list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1


def _blanks_after(container, key) -> int | None:
    """The blank lines after an entry; None when a comment is there too."""
    node, at = _tail(container, key)
    slot = 2 if isinstance(node, CommentedMap) else 0
    token = (node.ca.items.get(at) or [None] * 4)[slot]
    if token is None:
        return 0
    if token.value.strip():
        return None
    return token.value.count("\n") - (0 if _is_block(node[at]) else 1)


def _set_blanks_after(container, key, count: int) -> None:
    """Leave ``count`` blank lines after an entry (a comment there stays as it is)."""
    node, at = _tail(container, key)
    slot = 2 if isinstance(node, CommentedMap) else 0
    comments = node.ca.items.setdefault(at, [None] * 4)
    if comments[slot] is not None and comments[slot].value.strip():
        return
    lines = count + (0 if _is_block(node[at]) else 1) if count > 0 else 0
    comments[slot] = CommentToken("\n" * lines, CommentMark(0), None) if lines else None
    if not any(comments):
        del node.ca.items[at]


def _is_block(value: object) -> bool:
    return isinstance(value, LiteralScalarString | FoldedScalarString)


def _blanks_before(items: CommentedSeq, index: int) -> int | None:
    tokens = (items.ca.items.get(index) or [None] * 4)[1]
    if not tokens:
        return 0
    if any(token.value.strip() for token in tokens):
        return None
    return sum(token.value.count("\n") for token in tokens)


def _set_blanks_before(items: CommentedSeq, index: int, count: int) -> None:
    comments = items.ca.items.setdefault(index, [None] * 4)
    if comments[1] and any(token.value.strip() for token in comments[1]):
        return
    comments[1] = [CommentToken("\n", CommentMark(0), None) for _ in range(count)] or None
    if not any(comments):
        del items.ca.items[index]


@contextmanager
def _respaced(items: CommentedSeq, spacing: int, end: int = 0) -> Iterator[None]:
    """Around a change of a list's entries: the same blank lines between entries
    (``spacing`` when the list has too few to tell) and after the last one
    (``end`` when it has none yet)."""
    gaps = [(_blanks_after(items, i - 1) or 0) + (_blanks_before(items, i) or 0)
            for i in range(1, len(items))]
    between = max(gaps) if gaps else spacing
    if items:
        end = _blanks_after(items, len(items) - 1) or 0
    for i in range(len(items)):
        _set_blanks_after(items, i, 0)
        if i:
            _set_blanks_before(items, i, 0)
    yield
    for i in range(len(items)):
        _set_blanks_after(items, i, between if i < len(items) - 1 else end)


# -- changing the map -------------------------------------------------------------

# The order of fields in the sources (the schema's, as `new` and `translate`
# write them): a new field goes to its place among the fields already there.
FIELD_ORDER = ("month", "id", "title", "name", "city", "country", "country_code", "role",
               "curated_by", "preheader", "send_at", "date", "recurring", "image", "tags", "file",
               "alt", "cities", "countries", "networks", "projects", "period", "received", "from",
               "to", "until", "by", "top_news", "consulates", "body", "kind", "places",
               "highlight", "image_alt", "insights", "delegations")


def _rank(key: object) -> int:
    return FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)


def _put(mapping: CommentedMap, key: str, value: object) -> None:
    """Set ``key`` in its place, keeping the blank lines around it as they were."""
    if key in mapping:
        blanks = _blanks_after(mapping, key)
        mapping[key] = value
        if blanks is not None:
            _set_blanks_after(mapping, key, blanks)
        return
    keys = list(mapping)
    position = next((i for i, k in enumerate(keys) if _rank(k) > _rank(key)), len(keys))
    blanks = 0
    if position:
        # A line joins the entry before it (preheader, then send_at), taking the blank
        # lines after it; a section or a block of text is spaced as that entry is,
        # and a section always follows a blank line.
        before = keys[position - 1]
        blanks = _blanks_after(mapping, before) or 0
        if position == len(keys) or (not isinstance(value, Mapping | list) and not _is_block(value)):
            _set_blanks_after(mapping, before, 0)
        if key in SECTION_KEYS and not _blanks_after(mapping, before):
            _set_blanks_after(mapping, before, 1)
    mapping.insert(position, key, value)
    if not isinstance(value, Mapping | list) or value:  # an empty list: its entries will say
        _set_blanks_after(mapping, key, blanks)


def _pop(mapping: CommentedMap, key: object, carried: int = 0) -> int:
    """Remove ``key``; the blank lines after the map stay after it. Returns them
    when the map is left empty (its parent keeps them)."""
    if key not in mapping:
        return 0
    blanks = carried
    if key == _last(mapping):
        blanks = max(blanks, _blanks_after(mapping, key) or 0)
    del mapping[key]
    if not mapping:
        return blanks
    if blanks:
        _set_blanks_after(mapping, _last(mapping), blanks)
    return 0


def set_value(data: CommentedMap, path: tuple[str | int, ...], value: object) -> None:
    """Set the value at ``path`` (keys and list indexes), creating the maps on
    the way; None or "" (or an empty list) removes the key, and a map left
    empty with it. An unchanged value keeps its hand-written form."""
    *parents, last = path
    if _is_empty(value):
        _remove(data, tuple(parents), last)
        return
    node = data
    for part in parents:
        if isinstance(node, list):
            node = node[part]  # type: ignore[index]
            continue
        if not isinstance(node.get(part), Mapping | list):
            _put(node, part, _to_yaml({}, part))  # type: ignore[arg-type]
        node = node[part]
    if isinstance(node, list):
        node[last] = _to_yaml(value, last)  # type: ignore[index]
    elif node.get(last) != value:
        _put(node, last, _to_yaml(value, last))  # type: ignore[arg-type]


def _remove(data: CommentedMap, parents: tuple, last: object) -> None:
    chain = [data]
    for part in parents:
        node = chain[-1]
        if not (isinstance(node, list) or isinstance(node.get(part), Mapping | list)):
            return  # nothing there to remove
        chain.append(node[part])
    if isinstance(chain[-1], list):
        del chain[-1][last]
        return
    carried = _pop(chain[-1], last)
    for depth in range(len(parents), 0, -1):
        node, parent = chain[depth], chain[depth - 1]
        if node or isinstance(parent, list):
            break
        carried = _pop(parent, parents[depth - 1], carried)


def _items(data: Mapping, section: str, create: bool = False) -> CommentedSeq | None:
    if section not in SECTIONS:
        raise NewsletterError(_("{section!r} is not a section with items: use one of {sections}")
                              .format(section=section, sections=", ".join(SECTIONS)))
    holder, key = data, section
    # The primary edition's delegations are {period, received}; a translation's, a list.
    if section == "delegations" and not isinstance(data.get(section), list) \
            and (isinstance(data.get(section), Mapping) or "month" in data):
        if not isinstance(data.get(section), Mapping):
            if not create:
                return None
            _put(data, section, CommentedMap())  # type: ignore[arg-type]
        holder, key = data[section], "received"
    if not isinstance(holder.get(key), list):
        if not create:
            return None
        _put(holder, key, CommentedSeq())  # type: ignore[arg-type]
    return holder[key]


def _spacing(section: str) -> int:
    """Blank lines between the entries of a new list, as `new` writes them."""
    return 0 if section == "delegations" else 1


def _end(data: Mapping, section: str) -> int:
    """Blank lines after a section's first entry: one, unless it ends the file."""
    return 0 if section == "delegations" or list(data)[-1] == section else 1


def items_in(data: Mapping | None, section: str) -> list[Mapping]:
    """The items of ``section`` as the file has them (nothing created): the
    primary's ``delegations.received``, or a translation's ``delegations`` list."""
    found = _items(data, section) if isinstance(data, Mapping) else None
    return [item for item in found or [] if isinstance(item, Mapping)]


def section_items(data: CommentedMap, section: str) -> CommentedSeq:
    """The items of ``section`` (``top_news``, ``consulates``, ``delegations``:
    the delegations received), created empty if the file has none."""
    return _items(data, section, create=True)  # type: ignore[return-value]


def find_item(data: Mapping, section: str, item_id: str) -> int | None:
    """The index of the item ``item_id`` in ``section``, or None."""
    items = _items(data, section) or []
    return next((i for i, item in enumerate(items)
                 if isinstance(item, Mapping) and item.get("id") == item_id), None)


def _index(data: Mapping, section: str, item_id: str) -> int:
    index = find_item(data, section, item_id)
    if index is None:
        raise NewsletterError(_("there is no item {id!r} in {section}: it may have been removed "
                                "in the meantime").format(id=item_id, section=section))
    return index


def add_item(data: CommentedMap, section: str, item: Mapping, position: int | None = None) -> int:
    """Insert ``item`` in ``section`` (at the end unless ``position``) and give its
    index; without an id it gets one made from its title (or name)."""
    entry = _to_yaml(item)
    assert isinstance(entry, CommentedMap)
    if not entry.get("id"):
        entry.insert(0, "id", new_item_id(data, str(item.get("title") or item.get("name") or "")))
    elif entry["id"] in _ids(data):
        raise NewsletterError(_("{id!r} is already used by another item: ids must be unique")
                              .format(id=entry["id"]))
    items = section_items(data, section)
    index = len(items) if position is None else max(0, min(position, len(items)))
    with _respaced(items, _spacing(section), _end(data, section)):
        items.insert(index, entry)
    return index


def remove_item(data: CommentedMap, section: str, item_id: str) -> CommentedMap:
    """Take the item ``item_id`` out of ``section``; it is returned."""
    items = section_items(data, section)
    index = _index(data, section, item_id)
    with _respaced(items, _spacing(section), _end(data, section)):
        return items.pop(index)


def move_item(data: CommentedMap, section: str, item_id: str, offset: int) -> int:
    """Move an item ``offset`` places (-1: up, +1: down), within the section,
    with the comments above it; its new index is returned."""
    items = section_items(data, section)
    index = _index(data, section, item_id)
    target = max(0, min(index + offset, len(items) - 1))
    if target != index:
        with _respaced(items, _spacing(section), _end(data, section)):
            comments = items.ca.items.pop(index, None)
            entry = items.pop(index)
            items.insert(target, entry)
            if comments:
                items.ca.items[target] = comments
    return target


def _ids(data: Mapping) -> set[str]:
    return {str(item.get("id")) for section in SECTIONS for item in _items(data, section) or []
            if isinstance(item, Mapping) and item.get("id")}


def new_item_id(data: Mapping, title: str) -> str:
    """A new id made from ``title`` ("Luci d'Artista" → ``luci-d-artista``), with
    ``-2``, ``-3``… when an item of any section already has it."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "notizia"
    if len(slug) > ID_LENGTH:
        slug = slug[:ID_LENGTH + 1].rsplit("-", 1)[0] if "-" in slug[:ID_LENGTH] else \
            slug[:ID_LENGTH]
    taken = _ids(data)
    found, number = slug, 1
    while found in taken:
        number += 1
        found = f"{slug}-{number}"
    return found


# -- translations ---------------------------------------------------------------


def item_source_hash(item: Mapping, fields: tuple[str, ...] = ITEM_TEXT) -> str:
    """SHA-256 of an item's translatable text (of an image, its alt text): a
    translation made from another text than the current one is stale."""
    texts = []
    for name in fields:
        value = item.get(name)
        if isinstance(value, Mapping):
            value = value.get("alt")
        texts.append(None if value is None else str(value))
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _parts(source: Mapping) -> Iterator[tuple[str, Mapping, tuple[str, ...]]]:
    """Each translatable part: its key, the map holding its text, the text's fields."""
    for name in META_PARTS:
        if not _is_empty(source.get(name)):
            yield f"meta:{name}", source, (name,)
    for section in SECTIONS:
        fields = DELEGATION_TEXT if section == "delegations" else ITEM_TEXT
        for item in _items(source, section) or []:
            if isinstance(item, Mapping) and item.get("id"):
                yield f"{section}:{item['id']}", item, fields


def source_hashes(primary: Mapping) -> dict[str, str]:
    """``item_source_hash`` of every translatable part of the primary edition, by
    the keys of ``translation_state``: what to mark a part with when it is translated."""
    return {key: item_source_hash(holder, fields) for key, holder, fields in _parts(primary)}


def translation_state(primary: Mapping, translation: Mapping | None,
                      marks: Mapping[str, str]) -> dict[str, str]:
    """For each part of the primary edition (``top_news:<id>``, ``consulates:<id>``,
    ``delegations:<id>``, ``meta:preheader``, ``meta:insights``): ``missing`` (absent,
    still DA TRADURRE, or an image without its alt text), ``translated``, or ``stale``
    when ``marks`` holds the hash of another original text than the current one."""
    theirs = {key: holder for key, holder, _fields in _parts(translation or {})}
    state = {}
    for key, holder, fields in _parts(primary):
        if key not in theirs or _untranslated(theirs[key], holder, fields):
            state[key] = "missing"
        elif key in marks and marks[key] != item_source_hash(holder, fields):
            state[key] = "stale"
        else:
            state[key] = "translated"
    return state


def _untranslated(translated: Mapping, original: Mapping, fields: tuple[str, ...]) -> bool:
    if fields == ITEM_TEXT:  # a translation's item has its own image_alt (TranslatedItem)
        if isinstance(original.get("image"), Mapping) and not translated.get("image_alt"):
            return True
        fields = ("title", "body", "image_alt")
    return any(TO_TRANSLATE in str(translated.get(name) or "") for name in fields)
