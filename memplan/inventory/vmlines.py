"""VM lines read from the text, not from YAML nodes: the loader's fast path.

A 100,000-VM inventory is mostly lines like ``- {name: vm0000001, memory: 4GiB, vcpus: 4}``,
as benchmarks/generate.py and every importer write them. libyaml composes each into about
eight nodes and the reader then walks them: most of the load. :func:`splice` finds runs of
such lines that a strict grammar vouches for, and hands libyaml the rest of the document:

- a line of a run is one block-sequence entry, a flow mapping on one line: ``name`` first,
  then fields of a VM's shape (``memory``, ``vcpus``, ...; not ``host`` or ``seen_on``),
  then optionally ``uuid`` and ``seen_on``; values are plain scalars of safe characters, quoted scalars
  without escapes or line breaks, or flow lists of those;
- a run is consecutive such lines at the same indentation, and the line after it is blank
  or indented no deeper (so that it cannot continue the last entry);
- the run's first line becomes the entry ``- _`` at the same place and its other lines
  become blank, so libyaml sees the same structure and every other node keeps its line and
  column.

The reader's ``sequence()`` puts the run back in place of its placeholder (found by its
position), and ``vm_run()`` reads each of its lines from the text it matched: the fields after the
name are composed and validated as YAML once per distinct text (with the defaults and
growth that apply), so a line gives exactly the VM its nodes would.

The fast path answers only for a document without problems. At the first problem, a
placeholder the reader does not find where it was put, or a run left unread, the loader
reads the original text the ordinary way, which reports every problem as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NoReturn

import yaml

from memplan.inventory import yamlload
from memplan.inventory.fields import VM_VALUE_FIELDS

PLACEHOLDER = "_"
"""The plain scalar a run's first entry becomes."""

_PLAIN = r"[A-Za-z0-9_][A-Za-z0-9_.%/+\-]*"
"""A plain scalar that ends at ', ' or '}' in flow context and needs no resolution to split."""
_PRINTABLE = r"\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
"""Non-ASCII characters libyaml reads as themselves (no line breaks, BOM or surrogates)."""
_OUTSIDE = "[\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
"""The characters above U+009F that are not _PRINTABLE: splice() leaves a text with any of
them to libyaml, so that the quoted scalars' classes need only exclude those below
(compiled when a text is not ASCII: 1 ms)."""
_UNPRINTABLE = r"\x00-\x1f\x7f-\x9f"
"""What is neither printable ASCII nor _PRINTABLE nor _OUTSIDE. Classes written as this
complement compile as a map of 256 bits; written as _PRINTABLE's ranges, re spent 36 ms of
every command's start on LINE's twelve of them (tests/test_startup.py: on any text
splice() reads, the same characters)."""
_DQ = rf'"[^"\\{_UNPRINTABLE}]*"'
"""A double-quoted scalar without escapes: no backslash, no double quote inside."""
_SQ = rf"'[^'{_UNPRINTABLE}]*'"
"""A single-quoted scalar without a quote inside ('' would be one)."""
_SCALAR = rf"(?:{_PLAIN}|{_DQ}|{_SQ})"
_VALUE = rf"(?:{_SCALAR}|\[(?:{_SCALAR}(?:, {_SCALAR})*)?\])"
_KEYS = "|".join(VM_VALUE_FIELDS)
LINE = re.compile(
    rf"\n( +)- \{{name: ({_SCALAR})((?:, (?:{_KEYS}): {_VALUE})*)"
    rf"(?:, uuid: ({_SCALAR}))?(?:, seen_on: ({_SCALAR}))?\}} *(?=\n|\Z)"
)
"""One VM line, after the line break before it: indentation, the name's scalar, the
shape's fields (each after ', '), the uuid's and the seen_on's scalars (as importers write
them: common.py's _vm_line). Searched for in the whole text: a search from line break to
line break runs in C, where a loop over 100,000 lines took 0.2 s."""

NULLS = frozenset(("null", "Null", "NULL"))
"""Plain scalars of _PLAIN that YAML reads as null."""


class Slow(Exception):
    """The fast path cannot answer: read the document the ordinary way."""


def slow() -> NoReturn:
    raise Slow


class VMRun(yaml.Node):
    """A run of VM lines, standing in for their mapping nodes among a sequence's items.
    Reading any attribute of a node from it (its tag, value or position) means some code
    treats it as a node, not as VMs: the fast path gives up (Slow) rather than guess."""

    def __init__(self, start: int, column: int, matches: list[re.Match[str]]) -> None:
        self.start = start  # and no Node attributes
        """0-based line of the first, as libyaml counts."""
        self.column = column
        """1-based column of each line's mapping (its '{')."""
        self.matches = matches
        """LINE's match of each line, in order."""

    def __getattr__(self, name: str) -> Any:
        raise Slow


def scalar_text(token: str) -> str:
    """The text of a scalar matched by _SCALAR (plain, or quoted without escapes)."""
    return token[1:-1] if token[0] in "\"'" else token


Runs = dict[tuple[int, int], VMRun]
"""Each run by the (line, column) of its placeholder's scalar."""


def splice(text: str) -> tuple[str, Runs, set[str]] | None:
    """The text with every run of VM lines replaced by a placeholder entry, the runs, and
    the distinct texts of their fields after the name; None when the fast path does not
    apply: characters libyaml counts lines or columns by differently than one line per
    "\\n" (CR, NEL, LS, PS), tabs, NUL, or any other of _OUTSIDE (a BOM inside, U+FFFE)."""
    if any(c in text for c in ("\r", "\x85", "\t", "\x00")):
        return None
    if not text.isascii() and re.search(_OUTSIDE, text):
        return None
    runs: Runs = {}
    fields: set[str] = set()
    pieces: list[str] = []
    done = counted = line = 0  # text copied up to done; line: line breaks before counted
    matches = LINE.finditer(text)
    m = next(matches, None)
    while m is not None:
        first = m.start() + 1  # the run's first character
        indent = m.end(1) - m.start(1)
        found = [m]
        end = m.end()  # at the line break after the run, or the end of the text
        m = next(matches, None)
        while m is not None and m.start() == end and m.end(1) - m.start(1) == indent:
            found.append(m)
            end = m.end()
            m = next(matches, None)
        if end < len(text):
            stop = text.find("\n", end + 1)
            after = text[end + 1 : stop if stop >= 0 else len(text)]
            body = after.lstrip(" ")
            if body and len(after) - len(body) > indent:
                continue  # the next line might continue the last entry: leave the run be
        line += text.count("\n", counted, first)
        counted = first
        pieces += (text[done:first], " " * indent, "- ", PLACEHOLDER, "\n" * (len(found) - 1))
        done = end
        runs[(line, indent + 2)] = VMRun(line, indent + 3, found)
        fields.update(m[3] for m in found)
    if not runs:
        return None
    pieces.append(text[done:])
    return "".join(pieces), runs, fields


def compose_fields(fields: Iterable[str]) -> dict[str, yaml.Node]:
    """The mapping node of each text of fields (as LINE matched them, each after ', '),
    composed as entries of one sequence: one libyaml run for every distinct shape."""
    order = list(fields)
    root = yamlload.compose("".join(f"- {{{f[2:]}}}\n" for f in order))
    if not isinstance(root, yaml.SequenceNode) or len(root.value) != len(order):
        raise Slow  # pragma: no cover - LINE matched each text
    return dict(zip(order, root.value, strict=True))
