"""Read an inventory file into the model: the pipeline from bytes to a validated Inventory.

Design: the file is composed into YAML nodes (not constructed into Python objects), so
that every value keeps its line and column, duplicate keys can be caught (PyYAML's own
loader silently keeps the last one), and no tag can ever construct an object. Every
problem is collected; the caller gets all of them at once in an InventoryError.

Most of a large inventory is one-line VM entries (``- {name: vm1, memory: 4GiB}``): where
the file has no tags, aliases or what-ifs, they are read from the text and libyaml composes
the rest (vmlines.py); at the first problem the document is read again node by node, so
that every problem is reported as before.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import yaml

from memplan.errors import InventoryError, Problem
from memplan.inventory import vmlines, whatif, yamlload
from memplan.inventory.document import Reader
from memplan.inventory.sources import decode, position, read_source
from memplan.model import (
    VM,
    Inventory,
    Note,
)

if TYPE_CHECKING:
    from memplan.model.occasional import WhatIf

Node = yaml.Node


_RETAINED: list[Node] | None = None
"""Composed trees kept alive, when retain_parse_trees() asked for it."""


def retain_parse_trees() -> None:
    """Keep every composed YAML tree until the process ends instead of freeing it node by
    node once it is read (about 0.08 s per 100,000 VMs, for nothing when the process exits
    right after). For a short-lived process that ends with os._exit, as the CLI does; a
    long-lived caller should not, as it would keep every tree it ever read."""
    global _RETAINED
    if _RETAINED is None:
        _RETAINED = []


def release_parse_trees() -> None:
    """Free the trees kept so far and keep no more: for a command that parses many
    documents it then drops (collect validates each snapshot it writes)."""
    global _RETAINED
    _RETAINED = None


def load(path: str, whatifs: tuple[WhatIf, ...] = (), notes: list[Note] | None = None) -> Inventory:
    """Read and validate the inventory at ``path`` with ``whatifs`` applied in memory.

    Raises InventoryError with every problem (those located at a flag are the user's
    command line, not the file), or UsageError for a what-if naming nothing.
    """
    return parse(read_source(path, notes), path, whatifs)


def compose(data: bytes, path: str) -> Node | None:
    """Compose YAML nodes with positions, with libyaml when it is present."""
    return _compose(decode(data, path), path)


def _compose(text: str, path: str) -> Node | None:
    if "\x00" in text:
        line, col = position(text, text.index("\x00"))
        raise InventoryError([Problem(path, line, col, "binary data (a NUL byte) in a YAML file")])
    try:
        return yamlload.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}: {what}"
        raise InventoryError([Problem(path, line, col, f"YAML syntax: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line, col = position(text, exc.position)
        raise InventoryError([Problem(path, line, col, f"YAML syntax: {exc.reason}")]) from None
    except RecursionError:
        raise InventoryError([Problem(path, 1, 1, "YAML nested too deeply")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        raise InventoryError([Problem(path, 1, 1, f"YAML: {exc}")]) from None


def parse(data: bytes, path: str, whatifs: tuple[WhatIf, ...] = ()) -> Inventory:
    """Validate composed YAML into an Inventory, collecting every problem."""
    return _parse(data, path, whatifs, None)[0]


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Building a million nodes triggers garbage-collector passes that find nothing to free
    (there are no cycles to break) and more than double the time; pause them meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_with_shape(
    path: str, whatifs: tuple[WhatIf, ...], spec: str, notes: list[Note] | None = None
) -> tuple[Inventory, VM]:
    """The inventory, and the VM shape ``spec`` read with the inventory's VM defaults."""
    inv, vm = _parse(read_source(path, notes), path, whatifs, spec)
    assert vm is not None
    return inv, vm


def _parse(
    data: bytes, path: str, whatifs: tuple[WhatIf, ...], spec: str | None
) -> tuple[Inventory, VM | None]:
    with _no_gc():
        return _parse_nodes(data, path, whatifs, spec)


def _parse_nodes(
    data: bytes, path: str, whatifs: tuple[WhatIf, ...], spec: str | None
) -> tuple[Inventory, VM | None]:
    text = decode(data, path)
    tagged = _may_have_tags_or_aliases(data, whatifs)
    if not whatifs and not tagged:
        fast = _parse_lines(text, path, spec)
        if fast is not None:
            return fast
    root = _compose(text, path)
    if root is None:
        raise InventoryError(
            [Problem(path, 1, 1, "file is empty; an inventory starts with 'version: 1'")]
        )
    if _RETAINED is not None:
        _RETAINED.append(root)
    whatif.apply(root, whatifs)
    reader = Reader(path)
    walkable = not tagged or reader.check_tags(root)
    inventory = reader.inventory(root) if walkable else None
    shape = None
    if spec is not None and inventory is not None:
        shape = reader.vm(whatif.shape(spec), reader.defaults_vm, None, None)
    if reader.problems or inventory is None:
        raise InventoryError(reader.problems)
    return (replace(inventory, whatifs=whatifs) if whatifs else inventory), shape


def _parse_lines(text: str, path: str, spec: str | None) -> tuple[Inventory, VM | None] | None:
    """The fast path (vmlines): the inventory with its VM lines read from the text, or None
    when it does not apply or finds a problem (the caller then reads every node, which
    reports it). Only for a document without tags, aliases or what-ifs."""
    spliced = vmlines.splice(text)
    if spliced is None:
        return None
    body, lines, fields = spliced
    try:
        root = yamlload.compose(body)
    except (yaml.YAMLError, RecursionError):
        return None
    if root is None:
        return None
    reader = Reader(path)
    reader.lines, reader.line_fields = lines, fields
    try:
        inventory = reader.inventory(root)
        shape = None
        if spec is not None and inventory is not None:
            shape = reader.vm(whatif.shape(spec), reader.defaults_vm, None, None)
    except vmlines.Slow:
        return None
    if lines or reader.problems or inventory is None:  # a run unread: not where it was put
        return None
    if _RETAINED is not None:
        _RETAINED.append(root)
    return inventory, shape


def _may_have_tags_or_aliases(data: bytes, whatifs: tuple[WhatIf, ...]) -> bool:
    """False when no tag (which YAML writes with '!') and no alias ('*') can be present.

    Most inventories have neither, so the walk that checks them is skipped: finding a
    byte in the file takes milliseconds, the walk most of a second on 100,000 VMs.
    """
    return any(
        b"!" in text or b"*" in text for text in (data, *(w.value.encode() for w in whatifs))
    )
