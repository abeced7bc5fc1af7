"""The YAML loader of the inventory layer: libyaml's composer with a cheaper tag resolver.

PyYAML's C loader composes nodes in C but calls back into Python to resolve the implicit
tag of every scalar, trying the resolver's regular expressions each time. Inventories
repeat a handful of plain scalars (keys, sizes, "off") thousands of times and otherwise
hold names, which no implicit resolver can match. So: a plain scalar whose first character
starts no resolver is a string, a known one is looked up, and only the rest go through
PyYAML's own resolver. The tags are exactly PyYAML's, except that a plain ``=`` (YAML 1.1's
"value" key, which no safe loader can construct) reads as the string it looks like.
"""

from __future__ import annotations

from typing import Any

import yaml

TAG = "tag:yaml.org,2002:"
STR = TAG + "str"
SEQ = TAG + "seq"
MAP = TAG + "map"

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER: Any = yaml.resolver.Resolver()
_FIRSTS = frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)
"""First characters that some implicit resolver (int, bool, null, ...) may match."""
_KNOWN: dict[str, str] = {}
"""Tags of plain scalars seen before; bounded, since unique names would only fill it."""
_KNOWN_MAX = 65536


def plain_tag(value: str) -> str:
    """The tag YAML gives the plain (unquoted) scalar ``value``."""
    tag = _KNOWN.get(value)
    if tag is None:
        if value[:1] not in _FIRSTS:
            return STR
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
        if tag == TAG + "value":
            tag = STR
        if len(_KNOWN) < _KNOWN_MAX:
            _KNOWN[value] = tag
    return tag


class Loader(_BASE):  # type: ignore[misc]
    """libyaml's safe composer (PyYAML's pure-Python one without libyaml), resolving tags
    as :func:`plain_tag` does. No path resolvers are used, so descending is a no-op."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:  # plain_tag(), its common cases inlined: a call per scalar
            if not implicit[0]:
                return STR
            tag = _KNOWN.get(value)
            if tag is not None:
                return tag
            return plain_tag(value) if value[:1] in _FIRSTS else STR
        return SEQ if kind is yaml.SequenceNode else MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (PyYAML's exceptions propagate)."""
    node: yaml.Node | None = yaml.compose(text, Loader=Loader)
    return node
