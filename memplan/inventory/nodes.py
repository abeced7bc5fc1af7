"""Typed values read from composed YAML nodes, with every problem collected at its position."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import yaml

from memplan.errors import Problem
from memplan.inventory import whatif
from memplan.inventory.fields import (
    ALLOWED_TAGS,
    INT_TAG,
    MAX_NAME_CHARS,
    MAX_NODES,
    STR_TAG,
    TAG,
)
from memplan.inventory.vmlines import PLACEHOLDER, Runs, Slow
from memplan.model import (
    Location,
)
from memplan.units import UnitError, parse_growth, parse_percent, parse_size, suggest

Node = yaml.Node


@dataclass(frozen=True, slots=True)
class Pct:
    """A percentage, resolved later against the VM's configured memory."""

    fraction: Fraction


@dataclass(frozen=True, slots=True)
class Word:
    """A keyword value: all, unlimited."""

    word: str


Field = tuple[Any, Node]
"""A parsed value and the node it came from (for positions of later errors)."""


PLAIN_TAGS: dict[type, str] = {
    yaml.ScalarNode: TAG + "str",
    yaml.SequenceNode: TAG + "seq",
    yaml.MappingNode: TAG + "map",
}
"""The tag a node with a refused tag is read with, after the refusal is reported."""


class NodeReader:
    """Walks composed nodes, collecting problems instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._ctor = yaml.constructor.SafeConstructor()
        self._host_names: dict[str, Node] = {}
        self._vm_names: dict[str, Node] = {}
        self._failover: list[tuple[str, str, Node]] = []
        self._wrong: set[int] = set()
        """Nodes whose value was reported wrong (ids; the tree outlives the reader)."""
        self.defaults_vm: dict[str, Node] = {}
        self._sizes: dict[tuple[str, tuple[str, ...], bool], Any] = {}
        self._shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._defaults_keys: dict[int, tuple[dict[str, Node], tuple[Any, ...] | None]] = {}
        self._line_shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._line_bases: dict[tuple[str, int], tuple[tuple[Any, ...], bool]] = {}
        self._inherited_rates: dict[tuple[str, Any], float] = {}
        self._line_defaults: dict[int, dict[str, Node]] = {}
        self.line_fields: set[str] = set()
        """The distinct texts of the lines' fields after the name (vmlines.splice)."""
        self._field_nodes: dict[str, Node] | None = None
        self.lines: Runs | None = None
        """The fast path's runs of VM lines not yet read, by their placeholder's position
        (vmlines.splice); None when reading every node. With it, a problem raises Slow."""

    def loc(self, node: Node) -> Location:
        mark = node.start_mark
        if mark.name in whatif.LOCATED:  # made by a what-if: the flag is its location
            return Location(mark.name, 1, mark.column + 1)
        return Location(self.path, mark.line + 1, mark.column + 1)

    def error(self, node: Node, message: str, first: bool = False) -> None:
        if self.lines is not None:
            raise Slow  # the ordinary reading reports it, with every other problem
        loc = self.loc(node)
        self.problems.append(Problem(loc.file, loc.line, loc.column, message, first))

    def check_tags(self, root: Node) -> bool:
        """Reject every tag that is not plain YAML, and bound what aliases expand to; False
        when aliases expand beyond the bound (the tree must not be walked).

        A node with a refused tag is then read as the plain string, list or mapping it is
        written as, so that the file's other problems are reported in the same run.
        Each node is visited once; an alias (a node seen again) adds the expanded size of
        what it points at, computed once per node, so an alias bomb is caught in linear time.
        """
        allowed = ALLOWED_TAGS
        mapping, scalar = yaml.MappingNode, yaml.ScalarNode
        order: list[Node] = []
        seen: set[int] = set()
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if node.tag not in allowed:
                tag = node.tag.replace(TAG, "!!")
                message = f"tag {tag!r} is not allowed; memplan reads plain YAML only"
                self.error(node, message, first=True)  # may cause problems reported later
                node.tag = PLAIN_TAGS[type(node)]
            if type(node) is scalar or id(node) in seen:
                continue
            seen.add(id(node))
            order.append(node)
            if type(node) is mapping:
                for k, v in node.value:
                    stack.append(v)
                    stack.append(k)
            else:
                stack.extend(node.value)
        size: dict[int, int] = {}
        for node in reversed(order):  # children before parents
            items = (x for kv in node.value for x in kv) if type(node) is mapping else node.value
            size[id(node)] = 1 + sum(size.get(id(x), 1) for x in items)
            if size[id(node)] > MAX_NODES:
                self.error(root, f"aliases expand to more than {MAX_NODES} YAML nodes")
                return False
        return True

    def scalar(self, node: Node) -> Any:
        """The Python value of a scalar node (str, int, float, bool or None)."""
        tag = node.tag
        if tag == STR_TAG and type(node.value) is str:  # the common case, by far
            return node.value
        if tag == INT_TAG and node.value.isdigit() and len(node.value) < 19:
            return int(node.value)
        if not isinstance(node, yaml.ScalarNode):
            return node  # caller reports the type
        try:
            if node.tag == TAG + "timestamp":
                return node.value
            value = self._ctor.construct_object(node, deep=True)
        except ValueError:  # e.g. '!!int abc', or more digits than Python converts
            if _NUMBER.fullmatch(node.value.replace("_", "")):
                return BadNumber("number is too large")
            tag = node.tag.replace(TAG, "!!")
            return BadNumber(f"{node.value[:40]!r} tagged {tag} is not a number")
        if (
            type(value) is int and value.bit_length() > 10_000
        ):  # 0xfff...: more digits than str() takes
            return BadNumber("number is too large")
        return value

    def mapping(self, node: Node, allowed: tuple[str, ...], what: str) -> dict[str, Node] | None:
        """Keys of a mapping node with their value nodes; reports duplicates and unknowns."""
        if type(node) is yaml.MappingNode:  # the common case: plain keys, all known, once each
            out: dict[str, Node] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if key_node.tag != STR_TAG or key not in allowed or key in out:
                    return self._mapping(node, allowed, what)
                out[key] = value_node
            return out
        return self._mapping(node, allowed, what)

    def _mapping(self, node: Node, allowed: tuple[str, ...], what: str) -> dict[str, Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping, not {describe(node)}")
            return None
        out: dict[str, Node] = {}
        own: dict[str, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == TAG + "merge":
                continue
            key = self.scalar(key_node)
            if not isinstance(key, str):
                self.error(key_node, f"keys of {what} must be text, not {describe(key_node)}")
                continue
            if key in own:
                first = own[key].start_mark.line + 1
                self.error(
                    key_node, f"duplicate key {key!r} in {what} (first at line {first})", True
                )
                continue
            own[key] = key_node
        try:
            self._ctor.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            self.error(node, f"merge key: {exc.problem}")
            return None
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            if not isinstance(key, str):
                continue
            if key not in allowed:
                self.error(key_node, f"unknown field {key!r} in {what}{suggest(key, allowed)}")
                continue
            out[key] = value_node
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag == TAG + "null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list, not {describe(node)}")
            return []
        if self.lines:
            return self._with_lines(node.value)
        return list(node.value)

    def _with_lines(self, items: list[Node]) -> list[Node]:
        """``items`` with each run of VM lines in place of its placeholder (a VMRun:
        vm_run() reads it, and any other use of it as a node raises Slow)."""
        assert self.lines is not None
        out: list[Node] = []
        for item in items:
            if type(item) is yaml.ScalarNode and item.value == PLACEHOLDER:
                mark = item.start_mark
                run = self.lines.pop((mark.line, mark.column), None)
                if run is not None:
                    if item.style:  # pragma: no cover - splice() writes it plain ("" or None)
                        raise Slow
                    out.append(run)
                    continue
            out.append(item)
        return out

    def text(self, node: Node, what: str) -> str | None:
        # Names are what the user typed: "off", "2024" or "1.10" stay as written, though
        # YAML would read them as a boolean or a number.
        if not isinstance(node, yaml.ScalarNode) or node.tag == TAG + "null" or not node.value:
            self.error(node, f"{what} must be non-empty text, not {describe(node)}")
            return None
        text = str(node.value)
        if "\x00" in text:
            self.error(node, f"{what} contains a NUL character (\\0)")
            return None
        return text

    def integer(self, node: Node, what: str, low: int, high: int) -> int | None:
        value = self.scalar(node)
        if isinstance(value, BadNumber) and not value.too_large:
            self.error(node, f"{what}: {value.why}")
            return None
        if isinstance(value, BadNumber) or (isinstance(value, int) and value > high):
            self.error(node, f"{what} is too large (at most {high})")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(node, f"{what} must be a whole number, not {describe(node)}")
            return None
        if value < low:
            self.error(node, f"{what} must be at least {low}, not {value}")
            return None
        return value

    def flag(self, node: Node, what: str) -> bool | None:
        """A YAML boolean (true/false, yes/no, on/off)."""
        value = self.scalar(node)
        if not isinstance(value, bool):
            self.error(node, f"{what} must be true or false, not {describe(node)}")
            return None
        return value

    def size(self, node: Node, what: str, words: tuple[str, ...] = (), pct: bool = False) -> Any:
        """A size in bytes, a Pct when ``pct``, or a Word from ``words``.

        Successful parses are memoised by their text: inventories repeat a handful of
        sizes thousands of times. Errors are never memoised, so each is reported where it is.
        """
        if node.tag == STR_TAG:
            key = (node.value, words, pct)
            hit = self._sizes.get(key)
            if hit is not None:
                return hit
            parsed = self._size(node, what, words, pct)
            if parsed is not None:
                self._sizes[key] = parsed
            return parsed
        return self._size(node, what, words, pct)

    def _size(self, node: Node, what: str, words: tuple[str, ...], pct: bool) -> Any:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, str | int | float | BadNumber):
            self.error(node, f"{what} must be a size such as '16GiB', not {describe(node)}")
            return None
        if isinstance(value, BadNumber):
            self.error(node, f"{what}: {value.why}")
            return None
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                self.error(node, f"{what} must be a finite size, not {node.value!r}")
                return None
            if value < 0:
                self.error(node, f"{what} must not be negative ({node.value})")
                return None
            self.error(node, f"{what} {node.value!r} has no unit; write e.g. '{node.value}GiB'")
            return None
        if isinstance(value, int):
            if value == 0:
                return 0
            if value < 0:
                self.error(node, f"{what} must not be negative ({value})")
                return None
            if value > 10**15:
                self.error(
                    node, f"{what}: a bare number of {len(str(value))} digits; sizes need a unit"
                )
                return None
            self.error(
                node, f"{what} {value} has no unit; did you mean '{value}GiB' or '{value}MiB'?"
            )
            return None
        word = value.strip().lower()
        if word in words:
            return Word(word)
        try:
            if pct and word.endswith("%"):
                return Pct(parse_percent(value, maximum=None))
            return parse_size(value)
        except UnitError as exc:
            hint = f" (or one of: {', '.join(words)})" if words else ""
            self.error(node, f"{what}: {exc}{hint}")
            return None

    def percent(
        self, node: Node, what: str, maximum: Fraction | None = Fraction(1)
    ) -> Fraction | None:
        value = self.scalar(node)
        if not isinstance(value, str):
            self.error(node, f"{what} must be a percentage such as '25%', not {describe(node)}")
            return None
        try:
            return parse_percent(value, maximum=maximum)
        except UnitError as exc:
            self.error(node, f"{what}: {exc}")
            return None

    def date(self, node: Node, what: str) -> date | None:
        value = self.scalar(node)
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.error(node, f"{what} must be a date as YYYY-MM-DD, not {describe(node)}")
            return None

    def timestamp(self, node: Node, what: str) -> datetime | None:
        """A date (midnight) or an ISO 8601 date and time; one with a zone becomes UTC
        without a zone, so that snapshots taken in different zones compare."""
        value = self.scalar(node)
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        else:
            try:
                moment = datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.error(
                    node,
                    f"{what} must be a date (YYYY-MM-DD) or a date and time"
                    f" (YYYY-MM-DDTHH:MM:SS, with an optional zone), not {describe(node)}",
                )
                return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment

    def growth(self, node: Node, what: str) -> float | None:
        """'3%/month' or '20%/year' as a monthly compounding rate."""
        value = self.scalar(node)
        try:
            if not isinstance(value, str):
                raise UnitError(f"must be like '3%/month' or '20%/year', not {describe(node)}")
            return parse_growth(value)
        except UnitError as exc:
            self.error(node, f"{what}: {exc}")
            return None

    def required_text(self, fields: dict[str, Node], node: Node, key: str, what: str) -> str | None:
        if key not in fields:
            self.error(node, f"{what} has no '{key}'")
            return None
        text = self.text(fields[key], f"{what} {key}")
        if text is not None and len(text) > MAX_NAME_CHARS:
            self.error(
                fields[key],
                f"{what} {key} is {len(text):,} characters long; the limit is {MAX_NAME_CHARS}",
            )
            return None
        return text


@dataclass(frozen=True, slots=True)
class BadNumber:
    """A scalar tagged or resolved as a number that cannot be one: too many digits, or
    not a number at all (``!!int abc``)."""

    why: str

    @property
    def too_large(self) -> bool:
        return self.why == "number is too large"


_NUMBER = re.compile(r"[-+]?(?:0x[0-9a-fA-F]+|0o?[0-7]+|0b[01]+|[0-9]+(?::[0-5]?[0-9])*)")
"""YAML 1.1 integers (underscores removed): text that is a number, only too long for Python."""


def null_node() -> Node:
    return yaml.ScalarNode(TAG + "null", "")


def describe(node: Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kind = node.tag.replace(TAG, "")
    if kind == "null":
        return "an empty value"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return {"str": f"{text!r}", "int": f"the number {text}", "float": f"the number {text}",
            "bool": f"the boolean {text}"}.get(kind, f"{text!r}")  # fmt: skip
