"""Read a YAML source file keeping the line of every value, so that each
error can say ``file:line``.

PyYAML's composer gives nodes with positions; we build plain Python data
from them ourselves. Dates are deliberately left as text (no implicit
timestamps) so that an impossible day such as 2023-11-31 becomes a clear
error of ours instead of a crash inside the YAML library.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from newsletter.content import yaml_help
from newsletter.core.errors import Problem
from newsletter.core.i18n import _

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: dates stay strings."""


# libyaml's parser when PyYAML has it (several times faster: the workspace checks
# an issue after every save); a syntax error is parsed again by the Python one,
# whose messages ``yaml_help`` knows how to explain.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same, parsed by libyaml."""


for _loader in (_Loader, _FastLoader):
    _loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class LocatedData:
    """The data of one YAML file and the line of each path within it."""

    def __init__(self, path: Path, data: object, lines: dict[Path_, int]):
        self.path, self.data, self.lines = path, data, lines

    def line_of(self, where: Path_) -> int | None:
        """The line of ``where`` or, if it is absent, of its nearest parent."""
        for cut in range(len(where), -1, -1):
            if where[:cut] in self.lines:
                return self.lines[where[:cut]]
        return None


def read_yaml(path: Path, display: str) -> tuple[LocatedData | None, list[Problem]]:
    """Parse ``path``; on a syntax error return the problem instead of data."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, None, "", _(
            "not UTF-8 text ({reason} at byte {byte}): save the file as UTF-8").format(
            reason=exc.reason, byte=exc.start))]
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            explained = yaml_help.explain(text, exc)
            return None, [Problem(display, explained.line, "", explained.message)]
    finally:
        loader.dispose()
    if node is None:
        return LocatedData(path, {}, {(): 1}), []
    builder = _Builder(loader, display)
    data = builder.build(node, ())
    return LocatedData(path, data, builder.lines), builder.problems


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, display: str):
        self.loader, self.display = loader, display
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, where: Path_) -> object:
        self.lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, where)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*where, i)) for i, child in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, where: Path_) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            key = str(key) if not isinstance(key, str) else key
            line = key_node.start_mark.line + 1
            if key in result:
                first = self.lines[(*where, key)]
                field = dotted((*where, key))
                self.problems.append(Problem(self.display, line, field, _(
                    "appears twice (first at line {first}); keep one").format(first=first)))
                continue
            self.lines[(*where, key)] = line
            result[key] = self.build(value_node, (*where, key))
            self.lines[(*where, key)] = line
        return result


def dotted(where: Path_, data: object = None) -> str:
    """A field path an editor can follow: ``top_news[luci-d-artista].date.to``
    (an entry is named by its id when ``data`` has one, else ``[#3]``)."""
    text, node = "", data
    for part in where:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            item_id = entry.get("id") if isinstance(entry, dict) else None
            text += f"[{item_id}]" if isinstance(item_id, str) else f"[#{part + 1}]"
            node = entry
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text
