"""YAML documents read safely: no alias bombs, no crash on deep nesting, and lines for keys and list items."""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml

from routeboard.errors import Problems
from routeboard.io.text import LONE_SURROGATE, valid_unicode

MAX_YAML_NODES = 200_000  # expanded size, so "billion laughs" alias bombs are refused


class YamlDoc(NamedTuple):
    """A parsed document and its node tree (which knows the line of every key)."""

    data: Any
    node: yaml.Node | None


def read_yaml(text: str, problems: Problems) -> YamlDoc | None:
    """The document, or None after noting why it cannot be read (syntax, alias bomb, nesting, bad Unicode)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            problems.add(None, None, "YAML expands to too many nodes (anchor/alias bomb?); write it out plainly")
            return None
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(mark.line + 1 if mark else None, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return None
    except RecursionError:  # PyYAML composes and counts nested nodes recursively
        problems.add(None, None, "YAML nested too deeply to read; flatten the structure")
        return None
    if not valid_unicode(data):
        problems.add(None, None, LONE_SURROGATE)
        return None
    return YamlDoc(data, node)


def _expanded_size(node, memo: dict) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def key_line(node, key) -> int | None:
    """The line of a top-level key of a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return k.start_mark.line + 1
    return None


def item_lines(node, key) -> list[int]:
    """The line of each item of the list under a top-level key."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key and isinstance(v, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in v.value]
    return []
