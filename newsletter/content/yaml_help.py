"""YAML mistakes explained in an editor's words, on the line where the
mistake is.

PyYAML reports what its scanner expected ("while scanning for the next
token; found character '\\t'", "mapping values are not allowed here"), often
on the line after the mistake. The editor's usual mistakes each leave a
recognisable trace in the text around the mark: this module reads that
trace and says what to change. What it does not recognise keeps PyYAML's
own words, with the line of the mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml import MarkedYAMLError

from newsletter.core.i18n import _

CURLY_QUOTES = "“”‘’«»„‚"
_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<dash>-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s|$)(?P<value>.*)$")


@dataclass(frozen=True)
class Explained:
    line: int | None  # 1-based
    message: str


def explain(text: str, exc: MarkedYAMLError) -> Explained:
    lines = text.splitlines()
    problem = exc.problem_mark
    context = exc.context_mark
    at = problem.line if problem else (context.line if context else None)
    column = problem.column if problem else 0
    what = exc.problem or ""
    for reader in (_tab, _missing_colon, _unclosed_quote, _colon_in_text, _indented_more,
                   _not_lined_up):
        found = reader(lines, what, exc.context or "", at, column, context.line if context else None)
        if found:
            return found
    mark = context or problem
    generic = "; ".join(filter(None, (exc.context, exc.problem))) or "malformed"
    return Explained(mark.line + 1 if mark else None, _(
        "YAML syntax error: {what} (check the indentation, and put text containing ': ' "
        "in quotes)").format(what=generic))


def _tab(lines, what, context, at, column, context_at):
    if "'\\t'" not in what or at is None:
        return None
    line = lines[at] if at < len(lines) else ""
    if not line[:column + 1].strip():  # only white space up to the tab: indentation
        return Explained(at + 1, _(
            "replace the tab at the start of line {line} with spaces: YAML indents with "
            "spaces only").format(line=at + 1))
    return Explained(at + 1, _(
        "replace the tab in line {line} (after {before!r}) with a space: YAML does not "
        "accept tabs").format(line=at + 1, before=line[:column].strip()[-20:]))


def _missing_colon(lines, what, context, at, column, context_at):
    if "could not find expected ':'" not in what or context_at is None:
        return None
    line = lines[context_at].strip() if context_at < len(lines) else ""
    dash = "- " if line.startswith("- ") else ""
    words = line.removeprefix("- ").split(maxsplit=1)
    if not words:
        return None
    suggestion = f"{dash}{words[0]}: {words[1]}" if len(words) > 1 else f"{dash}{words[0]}:"
    return Explained(context_at + 1, _(
        "line {line} has no colon after the field name: write it as `{suggestion}` "
        "(the name, a colon, a space, then the text)").format(
        line=context_at + 1, suggestion=suggestion))


def _unclosed_quote(lines, what, context, at, column, context_at):
    if "quoted scalar" not in context or context_at is None:
        return None
    return Explained(context_at + 1, _(
        "the quote opened on line {line} is never closed: end the text with the same "
        "quote mark on that line (or remove the opening one)").format(line=context_at + 1))


def _colon_in_text(lines, what, context, at, column, context_at):
    if "mapping values are not allowed" not in what or at is None or at >= len(lines):
        return None
    line = lines[at]
    found = _KEY_LINE.match(line)
    if not found or column <= found.end("key"):
        return None
    key, value = found.group("key"), found.group("value").strip()
    if value[:1] in CURLY_QUOTES:
        inner = value.strip(CURLY_QUOTES + " ")
        return Explained(at + 1, _(
            "the text of `{key}:` is between curly quotes ({quotes}), which YAML does not "
            "understand as quotes: write {key}: {fixed}").format(
            key=key, quotes=value[0] + "…" + value[-1], fixed=_quoted(inner)))
    return Explained(at + 1, _(
        "the text of `{key}:` contains a colon followed by a space, which YAML reads as a "
        "new field: put the whole text in quotes, {key}: {fixed}").format(
        key=key, fixed=_quoted(value)))


def _indented_more(lines, what, context, at, column, context_at):
    if "mapping values are not allowed" not in what or at is None or at >= len(lines):
        return None
    above = _line_above(lines, at)
    if above is None:
        return None
    previous = lines[above]
    dashed = re.match(r"^(\s*)-(\S)", previous)
    if dashed:  # "-id: a": the dash needs a space after it
        return Explained(above + 1, _(
            "put a space after the dash on line {line}: `{fixed}`").format(
            line=above + 1, fixed=previous.strip().replace("-", "- ", 1)))
    found = _KEY_LINE.match(previous)
    if found and _indent(lines[at]) > _indent(previous):
        return Explained(at + 1, _(
            "line {line} is indented more than the `{key}:` above it (line {above}): "
            "start it at the same column as `{key}:`").format(
            line=at + 1, key=found.group("key"), above=above + 1))
    return None


def _not_lined_up(lines, what, context, at, column, context_at):
    if "expected <block end>" not in what or at is None or at >= len(lines):
        return None
    above = _line_above(lines, at)
    if above is None:
        return None
    found = _KEY_LINE.match(lines[above])
    here = _KEY_LINE.match(lines[at])
    if not found:
        return None
    key_column = len(found.group("indent")) + len(found.group("dash") or "")
    if here is None:
        return Explained(at + 1, _(
            "line {line} is not a field: write it as `name: text`, lined up with the "
            "`{key}:` above it (line {above})").format(
            line=at + 1, key=found.group("key"), above=above + 1))
    return Explained(at + 1, _(
        "line {line} starts at column {column}, the `{key}:` above it (line {above}) at "
        "column {key_column}: the fields of one entry start at the same column").format(
        line=at + 1, column=_indent(lines[at]) + 1, key=found.group("key"), above=above + 1,
        key_column=key_column + 1))


def _line_above(lines: list[str], at: int) -> int | None:
    for index in range(min(at, len(lines)) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _quoted(text: str) -> str:
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"
