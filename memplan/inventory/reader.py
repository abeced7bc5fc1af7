"""Read an inventory file into the model. The only module that touches YAML or files.

Design: the file is composed into YAML nodes (not constructed into Python objects), so
that every value keeps its line and column, duplicate keys can be caught (PyYAML's own
loader silently keeps the last one), and no tag can ever construct an object. Every
problem is collected; the caller gets all of them at once in an InventoryError.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

import yaml

from memplan import esxi, whatif, yamlload
from memplan.errors import InventoryError, Problem, UsageError
from memplan.model import (
    VM,
    Cluster,
    HAConfig,
    Host,
    Inventory,
    Location,
    MemState,
    PlannedChange,
    Policy,
    Waiver,
    WhatIf,
)
from memplan.units import UnitError, parse_growth, parse_percent, parse_size, suggest

MAX_FILE_BYTES = 128 * 1024 * 1024
"""Largest inventory read (128 MiB): a 100,000-VM inventory is about 15 MB."""
MAX_NODES = 5_000_000
"""Most YAML nodes visited, aliases expanded (guards against alias bombs)."""
MAX_VCPUS = 768
"""vSphere 8 maximum vCPUs per VM."""

_TAG = "tag:yaml.org,2002:"
_STR_TAG = _TAG + "str"
_INT_TAG = _TAG + "int"
_ALLOWED_TAGS = frozenset(
    _TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)

TOP_FIELDS = ("version", "defaults", "policy", "clusters", "hosts", "planned", "waivers")
WAIVER_FIELDS = ("rule", "subject", "reason", "until")
CLUSTER_FIELDS = ("name", "ha", "growth", "hosts", "vms")
HOST_VALUE_FIELDS = ("memory", "managed", "system_reserved", "esxi")
HOST_FIELDS = ("name", *HOST_VALUE_FIELDS, "growth", "vms")
VM_VALUE_FIELDS = (
    "memory", "vcpus", "power", "reservation", "limit", "shares", "active", "consumed",
    "overhead", "balloon_max", "tags", "growth", "ballooned", "swapped",
)  # fmt: skip
VM_FIELDS = ("name", *VM_VALUE_FIELDS, "host")
POLICY_FIELDS = ("max_overcommit", "reading", "thresholds", "idle_tax")
HA_FIELDS = ("policy", "failures", "percentage", "failover_hosts")
PLANNED_FIELDS = ("at", "add_vm", "add_host", "retire_host")

HA_POLICIES = ("host-failures", "percentage", "slots", "dedicated", "disabled")
SHARE_LEVELS = ("low", "normal", "high")
_POWER_WORDS = {"on": True, "poweredon": True, "off": False, "poweredoff": False}

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


def load(path: str, whatifs: tuple[WhatIf, ...] = (), notes: list[str] | None = None) -> Inventory:
    """Read and validate the inventory at ``path`` with ``whatifs`` applied in memory.

    Raises InventoryError with every problem (those located at a flag are the user's
    command line, not the file), or UsageError for a what-if naming nothing.
    """
    return parse(read_source(path, notes), path, whatifs)


EXPORT_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def read_git(ref: str, path: str) -> bytes:
    """The file ``path`` as it is at git revision ``ref``."""
    import subprocess

    folder, name = os.path.split(os.path.abspath(path))
    try:
        done = subprocess.run(
            ["git", "show", f"{ref}:./{name}"], cwd=folder, capture_output=True, check=False,
            timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"--against-git {ref}: cannot run git ({exc})") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"--against-git {ref}: {why[-1] if why else 'git show failed'}")
    return done.stdout


def read_baseline(path: str) -> frozenset[tuple[str, str, str]]:
    """(rule, kind, subject) of each finding in a baseline: a file written by
    ``--write-baseline``, or any ``memplan check --format json`` report."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        items = doc.get("baseline", doc.get("findings"))
        return frozenset((str(f["rule"]), str(f["kind"]), str(f["subject"])) for f in items)
    except FileNotFoundError:
        raise UsageError(f"--baseline {path}: no such file") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"--baseline {path}: not a memplan baseline or JSON report ({exc.__class__.__name__})"
        ) from None


def is_export(path: str) -> bool:
    """An RVTools workbook, an RVTools CSV tab, or a folder of them."""
    return path.lower().endswith(EXPORT_SUFFIXES) or (
        os.path.isdir(path) and any(f.lower().endswith(".csv") for f in os.listdir(path))
    )


def read_source(path: str, notes: list[str] | None = None) -> bytes:
    """The inventory YAML at ``path``, or an RVTools export imported into YAML in memory
    (then ``notes`` receives every skipped and repaired row and the summary line)."""
    if not is_export(path):
        return read_bytes(path)
    from memplan.importers import common, rvtools

    try:
        result = rvtools.read([path])
    except UsageError as exc:  # here the export is the inventory: unreadable means exit 4
        message = str(exc).removeprefix(f"{path}: ")
        raise InventoryError([Problem(path, 1, 1, message)]) from None
    if notes is not None:
        notes += [*result.skipped, *result.repairs, result.summary()]
    return common.to_yaml(result, f"imported in memory from {path}").encode()


def read_bytes(path: str) -> bytes:
    """Read a regular file of bounded size; every failure becomes an InventoryError."""

    def fail(message: str) -> InventoryError:
        return InventoryError([Problem(path, 1, 1, message)])

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a directory, not an inventory file")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file (a FIFO, socket or device); memplan reads files only")
    if st.st_size > MAX_FILE_BYTES:
        raise fail(f"file is {st.st_size} bytes; the limit is {MAX_FILE_BYTES} bytes (128 MiB)")
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InventoryError(
            [Problem(path, line, col, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")]
        ) from None


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def compose(data: bytes, path: str) -> Node | None:
    """Compose YAML nodes with positions, with libyaml when it is present."""
    text = _decode(data, path)
    if "\x00" in text:
        line, col = _position(text, text.index("\x00"))
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
        line, col = _position(text, exc.position)
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
    path: str, whatifs: tuple[WhatIf, ...], spec: str, notes: list[str] | None = None
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
    root = compose(data, path)
    if root is None:
        raise InventoryError(
            [Problem(path, 1, 1, "file is empty; an inventory starts with 'version: 1'")]
        )
    if _RETAINED is not None:
        _RETAINED.append(root)
    whatif.apply(root, whatifs)
    reader = _Reader(path)
    if _may_have_tags_or_aliases(data, whatifs):
        reader.check_tags(root)
    inventory = reader.inventory(root) if not reader.problems else None
    shape = None
    if spec is not None and inventory is not None:
        shape = reader.vm(whatif.shape(spec), reader.defaults_vm, None, None)
    if reader.problems or inventory is None:
        raise InventoryError(reader.problems)
    return (replace(inventory, whatifs=whatifs) if whatifs else inventory), shape


def _may_have_tags_or_aliases(data: bytes, whatifs: tuple[WhatIf, ...]) -> bool:
    """False when no tag (which YAML writes with '!') and no alias ('*') can be present.

    Most inventories have neither, so the walk that checks them is skipped: finding a
    byte in the file takes milliseconds, the walk most of a second on 100,000 VMs.
    """
    return any(
        b"!" in text or b"*" in text for text in (data, *(w.value.encode() for w in whatifs))
    )


# --- typed values read from nodes ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pct:
    """A percentage, resolved later against the VM's configured memory."""

    fraction: Fraction


@dataclass(frozen=True, slots=True)
class _Word:
    """A keyword value: all, unlimited."""

    word: str


_Field = tuple[Any, Node]
"""A parsed value and the node it came from (for positions of later errors)."""


class _Reader:
    """Walks composed nodes, collecting problems instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._ctor = yaml.constructor.SafeConstructor()
        self._host_names: dict[str, Node] = {}
        self._vm_names: dict[str, Node] = {}
        self._failover: list[tuple[str, str, Node]] = []
        self.defaults_vm: dict[str, Node] = {}
        self._sizes: dict[tuple[str, tuple[str, ...], bool], Any] = {}
        self._shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._defaults_keys: dict[int, tuple[dict[str, Node], tuple[Any, ...] | None]] = {}

    # -- plumbing --

    def loc(self, node: Node) -> Location:
        mark = node.start_mark
        if mark.name in whatif.LOCATED:  # made by a what-if: the flag is its location
            return Location(mark.name, 1, mark.column + 1)
        return Location(self.path, mark.line + 1, mark.column + 1)

    def error(self, node: Node, message: str) -> None:
        loc = self.loc(node)
        self.problems.append(Problem(loc.file, loc.line, loc.column, message))

    def check_tags(self, root: Node) -> None:
        """Reject every tag that is not plain YAML, and bound what aliases expand to.

        Each node is visited once; an alias (a node seen again) adds the expanded size of
        what it points at, computed once per node, so an alias bomb is caught in linear time.
        """
        allowed = _ALLOWED_TAGS
        mapping, scalar = yaml.MappingNode, yaml.ScalarNode
        order: list[Node] = []
        seen: set[int] = set()
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if node.tag not in allowed:
                tag = node.tag.replace(_TAG, "!!")
                self.error(node, f"tag {tag!r} is not allowed; memplan reads plain YAML only")
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
                return

    def scalar(self, node: Node) -> Any:
        """The Python value of a scalar node (str, int, float, bool or None)."""
        tag = node.tag
        if tag == _STR_TAG and type(node.value) is str:  # the common case, by far
            return node.value
        if tag == _INT_TAG and node.value.isdigit() and len(node.value) < 19:
            return int(node.value)
        if not isinstance(node, yaml.ScalarNode):
            return node  # caller reports the type
        try:
            if node.tag == _TAG + "timestamp":
                return node.value
            return self._ctor.construct_object(node, deep=True)
        except ValueError:
            return _TooLarge()

    def mapping(self, node: Node, allowed: tuple[str, ...], what: str) -> dict[str, Node] | None:
        """Keys of a mapping node with their value nodes; reports duplicates and unknowns."""
        if type(node) is yaml.MappingNode:  # the common case: plain keys, all known, once each
            out: dict[str, Node] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if key_node.tag != _STR_TAG or key not in allowed or key in out:
                    return self._mapping(node, allowed, what)
                out[key] = value_node
            return out
        return self._mapping(node, allowed, what)

    def _mapping(self, node: Node, allowed: tuple[str, ...], what: str) -> dict[str, Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping, not {_describe(node)}")
            return None
        out: dict[str, Node] = {}
        own: dict[str, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _TAG + "merge":
                continue
            key = self.scalar(key_node)
            if not isinstance(key, str):
                self.error(key_node, f"keys of {what} must be text, not {_describe(key_node)}")
                continue
            if key in own:
                first = own[key].start_mark.line + 1
                self.error(key_node, f"duplicate key {key!r} in {what} (first at line {first})")
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
        if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list, not {_describe(node)}")
            return []
        return list(node.value)

    # -- scalar kinds; each returns None after reporting a problem --

    def text(self, node: Node, what: str) -> str | None:
        # Names are what the user typed: "off", "2024" or "1.10" stay as written, though
        # YAML would read them as a boolean or a number.
        if not isinstance(node, yaml.ScalarNode) or node.tag == _TAG + "null" or not node.value:
            self.error(node, f"{what} must be non-empty text, not {_describe(node)}")
            return None
        return str(node.value)

    def integer(self, node: Node, what: str, low: int, high: int) -> int | None:
        value = self.scalar(node)
        if isinstance(value, _TooLarge) or (isinstance(value, int) and value > high):
            self.error(node, f"{what} is too large (at most {high})")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(node, f"{what} must be a whole number, not {_describe(node)}")
            return None
        if value < low:
            self.error(node, f"{what} must be at least {low}, not {value}")
            return None
        return value

    def size(self, node: Node, what: str, words: tuple[str, ...] = (), pct: bool = False) -> Any:
        """A size in bytes, a _Pct when ``pct``, or a _Word from ``words``.

        Successful parses are memoised by their text: inventories repeat a handful of
        sizes thousands of times. Errors are never memoised, so each is reported where it is.
        """
        if node.tag == _STR_TAG:
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
        if isinstance(value, bool) or not isinstance(value, str | int | float | _TooLarge):
            self.error(node, f"{what} must be a size such as '16GiB', not {_describe(node)}")
            return None
        if isinstance(value, _TooLarge):
            self.error(node, f"{what}: number is too large")
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
            return _Word(word)
        try:
            if pct and word.endswith("%"):
                return _Pct(parse_percent(value, maximum=None))
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
            self.error(node, f"{what} must be a percentage such as '25%', not {_describe(node)}")
            return None
        try:
            return parse_percent(value, maximum=maximum)
        except UnitError as exc:
            self.error(node, f"{what}: {exc}")
            return None

    # -- the document --

    def inventory(self, root: Node) -> Inventory | None:
        top = self.mapping(root, TOP_FIELDS, "the inventory")
        if top is None:
            return None
        if "version" not in top:
            self.error(root, "missing 'version: 1' at the top of the inventory")
        else:
            v = self.scalar(top["version"])
            if v != 1 or isinstance(v, bool):
                self.error(
                    top["version"],
                    f"unsupported version {top['version'].value!r}; this memplan reads version 1",
                )
        defaults_host, defaults_vm = self.defaults(top.get("defaults"))
        self.defaults_vm = defaults_vm
        policy = self.policy(top["policy"]) if "policy" in top else Policy()
        clusters: list[Cluster] = []
        hosts: list[Host] = []
        vms: list[VM] = []
        cluster_names: dict[str, Node] = {}
        pinned: list[tuple[Node, str, str]] = []  # (VM's host node, host name, cluster)
        cluster_hosts: dict[str, set[str]] = {}
        for cnode in self.sequence(top.get("clusters", _null()), "clusters"):
            c = self.mapping(cnode, CLUSTER_FIELDS, "a cluster")
            if c is None:
                continue
            name = self.required_text(c, cnode, "name", "cluster")
            if name is None:
                continue
            if name in cluster_names:
                first = cluster_names[name].start_mark.line + 1
                self.error(c["name"], f"duplicate cluster name {name!r} (first at line {first})")
            cluster_names[name] = c["name"]
            members = cluster_hosts.setdefault(name, set())
            cluster_growth = c.get("growth")
            for hnode in self.sequence(c.get("hosts", _null()), f"hosts of cluster {name!r}"):
                host, vm_nodes = self.host(hnode, defaults_host, name)
                if host is not None:
                    hosts.append(host)
                    members.add(host.name)
                inherited = whatif.child(hnode, "growth") or cluster_growth
                for vnode in vm_nodes:
                    vm = self.vm(vnode, defaults_vm, _name(host), name, inherited)
                    if vm is not None:
                        vms.append(vm)
            for vnode in self.sequence(c.get("vms", _null()), f"vms of cluster {name!r}"):
                vm = self.vm(vnode, defaults_vm, None, name, cluster_growth)
                if vm is not None:
                    vms.append(vm)
                pin = whatif.child(vnode, "host")  # checked even when the VM has other problems
                if isinstance(pin, yaml.ScalarNode) and pin.value:
                    pinned.append((pin, pin.value, name))
            if cluster_growth is not None:
                self.growth(cluster_growth, f"cluster {name!r} growth")
            ha = self.ha(c["ha"], name) if "ha" in c else None
            clusters.append(Cluster(name, ha, self.loc(cnode)))
        for hnode in self.sequence(top.get("hosts", _null()), "hosts"):
            host, vm_nodes = self.host(hnode, defaults_host, None)
            if host is not None:
                hosts.append(host)
            for vnode in vm_nodes:
                vm = self.vm(vnode, defaults_vm, _name(host), None, whatif.child(hnode, "growth"))
                if vm is not None:
                    vms.append(vm)
        planned = self.planned(top.get("planned"), defaults_host, defaults_vm, cluster_hosts, hosts)
        waivers = self.waivers(top.get("waivers"))
        by_name = {h.name: h for h in hosts}
        for hnode, host_name, cluster in pinned:
            target = by_name.get(host_name)
            if target is None:
                self.error(
                    hnode, f"host {host_name!r} does not exist{suggest(host_name, list(by_name))}"
                )
            elif target.cluster != cluster:
                where = (
                    f"cluster {target.cluster!r}" if target.cluster else "no cluster (standalone)"
                )
                self.error(hnode, f"host {host_name!r} is in {where}, not in cluster {cluster!r}")
        for cluster_name, fh, fnode in self._failover:
            if fh not in cluster_hosts.get(cluster_name, set()):
                members = cluster_hosts.get(cluster_name, set())
                self.error(
                    fnode,
                    f"failover host {fh!r} is not a host of cluster {cluster_name!r}"
                    f"{suggest(fh, members)}",
                )
        if self.problems:
            return None
        return Inventory(
            self.path,
            tuple(clusters),
            tuple(hosts),
            tuple(vms),
            policy,
            tuple(planned),
            waivers=tuple(waivers),
        )

    def planned(
        self,
        node: Node | None,
        defaults_host: dict[str, Node],
        defaults_vm: dict[str, Node],
        cluster_hosts: dict[str, set[str]],
        hosts: list[Host],
    ) -> list[PlannedChange]:
        """Dated changes: add_vm, add_host or retire_host, one per entry, sorted by date."""
        out: list[tuple[date, int, PlannedChange]] = []
        known = {h.name: h.cluster for h in hosts}
        for i, pnode in enumerate(self.sequence(node or _null(), "planned")):
            p = self.mapping(pnode, PLANNED_FIELDS, "a planned change")
            if p is None:
                continue
            actions = [k for k in ("add_vm", "add_host", "retire_host") if k in p]
            if len(actions) != 1:
                self.error(
                    pnode, "a planned change needs exactly one of add_vm, add_host, retire_host"
                )
                continue
            when = self.date(p["at"], "planned.at") if "at" in p else None
            if "at" not in p:
                self.error(pnode, "a planned change needs 'at: YYYY-MM-DD'")
            change = self.planned_change(actions[0], p[actions[0]], defaults_host, defaults_vm,
                                         cluster_hosts, known)  # fmt: skip
            if when is None or change is None:
                continue
            kind, vm, host, target = change
            out.append((when, i, PlannedChange(when, kind, vm, host, target, self.loc(pnode))))
        return [c for _, _, c in sorted(out, key=lambda t: (t[0], t[1]))]

    def planned_change(
        self,
        action: str,
        node: Node,
        defaults_host: dict[str, Node],
        defaults_vm: dict[str, Node],
        cluster_hosts: dict[str, set[str]],
        known: dict[str, str | None],
    ) -> tuple[str, VM | None, Host | None, str | None] | None:
        if action == "retire_host":
            name = self.text(node, "planned.retire_host")
            if name is not None and name not in known:
                self.error(node, f"host {name!r} does not exist{suggest(name, known)}")
                return None
            return None if name is None else ("retire-host", None, None, name)
        cnode = whatif.child(node, "cluster")
        cluster = self.text(cnode, "cluster") if cnode is not None else None
        if cnode is not None and cluster is not None and cluster not in cluster_hosts:
            self.error(
                cnode, f"cluster {cluster!r} does not exist{suggest(cluster, cluster_hosts)}"
            )
            return None
        if action == "add_host":
            host, vm_nodes = self.host(node, defaults_host, cluster, extra=("cluster",))
            if vm_nodes:
                self.error(vm_nodes[0], "a planned host starts empty; plan its VMs with add_vm")
                return None
            if host is None:
                return None
            known[host.name] = cluster
            if cluster is not None:
                cluster_hosts[cluster].add(host.name)
            return "add-host", None, host, None
        hnode = whatif.child(node, "host")
        pin = self.text(hnode, "host") if hnode is not None else None
        if hnode is not None and pin is not None:
            if pin not in known:
                self.error(hnode, f"host {pin!r} does not exist{suggest(pin, known)}")
                return None
            cluster = cluster or known[pin]
        if cluster is None and pin is None:
            self.error(node, "a planned VM needs 'cluster:' or 'host:'")
            return None
        vm = self.vm(node, defaults_vm, pin, cluster, None, extra=("cluster",))
        return None if vm is None else ("add-vm", vm, None, None)

    def waivers(self, node: Node | None) -> list[Waiver]:
        """Accepted findings: rule, subject glob, a required reason, an optional end date."""
        from memplan.rules import RULES

        known = {*RULES, *(r.RULE.name for r in RULES.values())}
        out: list[Waiver] = []
        for wnode in self.sequence(node or _null(), "waivers"):
            w = self.mapping(wnode, WAIVER_FIELDS, "a waiver")
            if w is None:
                continue
            missing = [k for k in ("rule", "subject", "reason") if k not in w]
            if missing:
                self.error(
                    wnode, f"a waiver needs {', '.join(missing)} (reason says why it is accepted)"
                )
                continue
            rule = self.text(w["rule"], "waiver rule")
            subject = self.text(w["subject"], "waiver subject")
            reason = self.text(w["reason"], "waiver reason")
            until = self.date(w["until"], "waiver until") if "until" in w else None
            if rule is not None and rule not in known:
                self.error(w["rule"], f"unknown rule {rule!r}{suggest(rule, known)}")
                continue
            if rule and subject and reason and ("until" not in w or until is not None):
                out.append(Waiver(rule, subject, reason, until, self.loc(wnode)))
        return out

    def date(self, node: Node, what: str) -> date | None:
        value = self.scalar(node)
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.error(node, f"{what} must be a date as YYYY-MM-DD, not {_describe(node)}")
            return None

    def growth(self, node: Node, what: str) -> float | None:
        """'3%/month' or '20%/year' as a monthly compounding rate."""
        value = self.scalar(node)
        try:
            if not isinstance(value, str):
                raise UnitError(f"must be like '3%/month' or '20%/year', not {_describe(node)}")
            return parse_growth(value)
        except UnitError as exc:
            self.error(node, f"{what}: {exc}")
            return None

    def required_text(self, fields: dict[str, Node], node: Node, key: str, what: str) -> str | None:
        if key not in fields:
            self.error(node, f"{what} has no '{key}'")
            return None
        return self.text(fields[key], f"{what} {key}")

    def defaults(self, node: Node | None) -> tuple[dict[str, Node], dict[str, Node]]:
        if node is None:
            return {}, {}
        d = self.mapping(node, ("host", "vm"), "defaults")
        if d is None:
            return {}, {}
        host = self.mapping(d["host"], HOST_VALUE_FIELDS, "defaults.host") if "host" in d else {}
        vm = self.mapping(d["vm"], VM_VALUE_FIELDS, "defaults.vm") if "vm" in d else {}
        return host or {}, vm or {}

    def policy(self, node: Node) -> Policy:
        p = self.mapping(node, POLICY_FIELDS, "policy")
        if p is None:
            return Policy()
        max_oc: float | None = None
        if "max_overcommit" in p:
            n = p["max_overcommit"]
            v = self.scalar(n)
            if isinstance(v, str) and v.strip().endswith("%"):
                frac = self.percent(n, "policy.max_overcommit", maximum=None)
                max_oc = float(frac) if frac is not None else None
            elif isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < float("inf"):
                max_oc = float(v)
            else:
                self.error(
                    n,
                    f"policy.max_overcommit must be a positive ratio such as 1.5 or '150%', not {_describe(n)}",
                )
        reading = esxi.DEFAULT_READING
        if "reading" in p:
            r = self.scalar(p["reading"])
            if r not in ("A", "B"):
                self.error(
                    p["reading"],
                    f"policy.reading must be 'A' or 'B', not {_describe(p['reading'])}",
                )
            else:
                reading = r
        thresholds = None
        if "thresholds" in p:
            thresholds = self.thresholds(p["thresholds"])
        idle_tax = esxi.IDLE_TAX
        if "idle_tax" in p:
            t = self.percent(p["idle_tax"], "policy.idle_tax")
            if t is not None and t >= 1:
                self.error(p["idle_tax"], "policy.idle_tax must be below 100%")
            elif t is not None:
                idle_tax = t
        return Policy(max_oc, reading, thresholds, idle_tax, self.loc(node))

    def thresholds(self, node: Node) -> tuple[tuple[MemState, Fraction], ...] | None:
        names = tuple(s.value for s in MemState)
        t = self.mapping(node, names, "policy.thresholds")
        if t is None:
            return None
        if not {"soft", "hard", "low"} <= set(t) or not ({"high"} <= set(t)):
            self.error(
                node,
                "policy.thresholds needs at least high, soft, hard and low (clear is optional)",
            )
            return None
        out: list[tuple[MemState, Fraction]] = []
        for state in MemState:
            if state.value in t:
                f = self.percent(t[state.value], f"policy.thresholds.{state.value}", maximum=None)
                if f is None:
                    return None
                if out and f >= out[-1][1]:
                    self.error(
                        t[state.value],
                        f"threshold of {state.value} must be below that of {out[-1][0].value}",
                    )
                    return None
                out.append((state, f))
        return tuple(out)

    def ha(self, node: Node, cluster: str) -> HAConfig | None:
        h = self.mapping(node, HA_FIELDS, f"ha of cluster {cluster!r}")
        if h is None:
            return None
        policy = "host-failures"
        if "policy" in h:
            p = self.scalar(h["policy"])
            if p not in HA_POLICIES:
                self.error(
                    h["policy"],
                    f"ha.policy must be one of {', '.join(HA_POLICIES)}{suggest(str(p), HA_POLICIES)}",
                )
                return None
            policy = p
        failures = 1
        if "failures" in h:
            f = self.integer(h["failures"], "ha.failures", 0, 64)
            if f is None:
                return None
            failures = f
        percentage = self.percent(h["percentage"], "ha.percentage") if "percentage" in h else None
        if policy == "percentage" and percentage is None and "percentage" not in h:
            self.error(node, "ha.policy 'percentage' needs ha.percentage, e.g. '25%'")
        failover: list[str] = []
        for fnode in self.sequence(h.get("failover_hosts", _null()), "ha.failover_hosts"):
            name = self.text(fnode, "a failover host")
            if name is not None:
                failover.append(name)
                self._failover.append((cluster, name, fnode))
        if policy == "dedicated" and not failover:
            self.error(node, "ha.policy 'dedicated' needs ha.failover_hosts")
        return HAConfig(policy, failures, percentage, tuple(failover))

    def host(
        self,
        node: Node,
        defaults: dict[str, Node],
        cluster: str | None,
        extra: tuple[str, ...] = (),
    ) -> tuple[Host | None, list[Node]]:
        """The host (None when invalid) and its VM nodes, which are validated either way."""
        h = self.mapping(node, (*HOST_FIELDS, *extra), "a host")
        if h is None:
            return None, []
        name = self.required_text(h, node, "name", "host")
        fields = {**defaults, **{k: v for k, v in h.items() if k in HOST_VALUE_FIELDS}}
        vm_nodes = self.sequence(h.get("vms", _null()), f"vms of host {name!r}")
        if "growth" in h:
            self.growth(h["growth"], f"host {name!r} growth")
        if name is None:
            return None, vm_nodes
        if name in self._host_names:
            first = self._host_names[name].start_mark.line + 1
            self.error(h["name"], f"duplicate host name {name!r} (first at line {first})")
            return None, vm_nodes
        self._host_names[name] = h["name"]
        what = f"host {name!r}"
        if "memory" not in fields:
            self.error(node, f"{what} has no 'memory' (installed memory, e.g. '512GiB')")
            return None, vm_nodes
        memory = self.size(fields["memory"], f"{what} memory")
        managed = self.size(fields["managed"], f"{what} managed") if "managed" in fields else memory
        reserved = (
            self.size(fields["system_reserved"], f"{what} system_reserved")
            if "system_reserved" in fields
            else esxi.DEFAULT_SYSTEM_RESERVED
        )
        version = esxi.DEFAULT_ESXI
        if "esxi" in fields:
            vnode = fields["esxi"]
            raw = self.scalar(vnode)
            text = vnode.value if isinstance(vnode, yaml.ScalarNode) else None
            try:
                if isinstance(raw, bool) or text is None or esxi.parse_version(text) < (3,):
                    raise ValueError(text)
                version = text
            except ValueError:
                self.error(
                    vnode,
                    f"{what} esxi must be a version such as '8.0' or '7.0.3', not {_describe(vnode)}",
                )
        if memory is None or managed is None or reserved is None:
            return None, vm_nodes
        if memory == 0:
            self.error(fields["memory"], f"{what} memory must be above 0")
            return None, vm_nodes
        if managed > memory:
            self.error(fields["managed"], f"{what} managed memory is above its installed memory")
            return None, vm_nodes
        if reserved >= managed:
            self.error(
                fields.get("system_reserved", node),
                f"{what} system_reserved leaves no memory for VMs",
            )
            return None, vm_nodes
        host = Host(
            name, memory, managed, "managed" in fields, reserved, version, cluster, self.loc(node)
        )
        return host, vm_nodes

    def vm(
        self,
        node: Node,
        defaults: dict[str, Node],
        host: str | None,
        cluster: str | None,
        inherited_growth: Node | None = None,
        extra: tuple[str, ...] = (),
    ) -> VM | None:
        """A VM; growth comes from the VM, else its host or cluster, else defaults.vm."""
        v = self.mapping(node, (*VM_FIELDS, *extra) if extra else VM_FIELDS, "a VM")
        if v is None:
            return None
        name = self.required_text(v, node, "name", "VM")
        if name is None:
            return None
        if name in self._vm_names:
            first = self._vm_names[name].start_mark.line + 1
            self.error(v["name"], f"duplicate VM name {name!r} (first at line {first})")
            return None
        self._vm_names[name] = v["name"]
        if "host" in v:
            what = f"VM {name!r}"
            pin = self.text(v["host"], f"{what} host")
            if pin is None:
                return None
            if host is not None and pin != host:
                self.error(
                    v["host"], f"{what} is listed under host {host!r} but says host: {pin!r}"
                )
                return None
            if (
                host is None and cluster is None
            ):  # pragma: no cover - standalone VMs nest under hosts
                return None
            host = pin
        key = self._shape_key(v, defaults, inherited_growth)
        parsed = self._shapes.get(key) if key is not None else None
        if parsed is None:
            what = f"VM {name!r}"
            f = defaults.copy()
            for k, n in v.items():
                if k in VM_VALUE_FIELDS:
                    f[k] = n
            if "growth" not in v and inherited_growth is not None:
                f["growth"] = inherited_growth
            if "memory" not in f:
                self.error(node, f"{what} has no 'memory' (configured size, e.g. '16GiB')")
                return None
            parsed = self._vm_values(f, what)
            if parsed is None:
                return None
            if key is not None and len(self._shapes) < _MAX_SHAPES:
                self._shapes[key] = parsed
        (memory, vcpus, power, res, lim, shares, level, act, act_given, cons, cons_given, ovh,
         est, bmax, tags, growth, ballooned, swapped) = parsed  # fmt: skip
        return VM(
            name, memory, vcpus, power, res, lim, shares, level, act, act_given, cons, cons_given,
            ovh, est, bmax, tags, host, cluster, self.loc(node), growth, ballooned, swapped,
        )  # fmt: skip

    def _shape_key(
        self, v: dict[str, Node], defaults: dict[str, Node], growth: Node | None
    ) -> tuple[Any, ...] | None:
        """What a VM's fields say, apart from its name, host and location: VMs with the
        same key read the same (the defaults that apply and the growth inherited are part
        of it). None when a field is not a scalar (tags: a list), never cached."""
        base = self._defaults_keys.get(id(defaults))
        if base is None:  # once per defaults mapping; kept alive so that its id stays its own
            fields = tuple(defaults.items())
            base = (defaults, _scalars(fields))
            self._defaults_keys[id(defaults)] = base
        if base[1] is None:
            return None
        key: list[Any] = [base[1]]
        if "growth" not in v and growth is not None:
            if type(growth) is not yaml.ScalarNode:
                return None
            key.append(("growth", growth.tag, growth.value))
        for k, n in v.items():
            if k != "name" and k != "host":
                if type(n) is not yaml.ScalarNode:
                    return None
                key.append((k, n.tag, n.value))
        return tuple(key)

    def _vm_values(self, f: dict[str, Node], what: str) -> tuple[Any, ...] | None:
        """The VM's fields after its name, in VM's order, without host, cluster and location
        (which come after tags); None after reporting every problem."""
        ok = True
        values = _VM_DEFAULTS.copy()
        for key, n in f.items():
            value = self._vm_field(key, n, what)
            if value is None:
                ok = False  # reported; the other fields are still read and checked
            values[key] = value
        if not ok:
            return None
        memory, vcpus, power = values["memory"], values["vcpus"], values["power"]
        reservation, limit, shares = values["reservation"], values["limit"], values["shares"]
        active, consumed, overhead = values["active"], values["consumed"], values["overhead"]
        balloon_max, tags, growth = values["balloon_max"], values["tags"], values["growth"]
        ballooned, swapped = values["ballooned"], values["swapped"]
        if memory == 0:
            self.error(f["memory"], f"{what} memory must be above 0")
            return None
        res = memory if isinstance(reservation, _Word) else reservation  # all
        lim = None if isinstance(limit, _Word) else limit  # unlimited
        if res > memory:
            self.error(f["reservation"], f"{what} reservation is above its configured memory")
            ok = False
        if lim is not None and res > lim:
            self.error(f["reservation"], f"{what} reservation is above its limit")
            ok = False
        cons = memory if consumed is None else _resolve(consumed, memory)
        act_given = active is not None
        act = min(cons, memory) if active is None else _resolve(active, memory)
        if act > memory:
            self.error(f["active"], f"{what} active memory is above its configured memory")
            ok = False
        if not ok:
            return None
        if isinstance(shares, str):
            share_count = esxi.SHARES_PER_MIB[shares] * memory // (1 << 20)
            level = shares
        else:
            share_count, level = shares, "custom"
        est = overhead is None
        ovh = esxi.estimate_overhead(memory, vcpus) if est else overhead
        bmax = None if isinstance(balloon_max, _Word) else balloon_max  # unlimited
        return (
            memory, vcpus, power, res, lim, share_count, level, act, act_given, cons,
            consumed is not None, ovh, est, bmax, tags, growth, ballooned, swapped,
        )  # fmt: skip

    def _vm_field(self, key: str, node: Node, what: str) -> Any:
        """One field of a VM (None after reporting a problem); sizes seen before are free."""
        size = _VM_SIZES.get(key)
        if size is not None:
            if node.tag == _STR_TAG:
                hit = self._sizes.get((node.value, *size))
                if hit is not None:
                    return hit
            return self.size(node, f"{what} {key}", *size)
        if key == "vcpus":
            return self.integer(node, f"{what} vcpus", 1, MAX_VCPUS)
        if key == "power":
            return self.power(node, what)
        if key == "shares":
            return self.shares(node, what)
        if key == "tags":
            return self.tags(node, what)
        return self.growth(node, f"{what} growth")

    def power(self, node: Node, what: str) -> bool | None:
        value = self.scalar(node)
        if isinstance(value, bool):  # YAML 1.1 reads on/off as booleans
            return value
        if isinstance(value, str) and value.strip().lower() in _POWER_WORDS:
            return _POWER_WORDS[value.strip().lower()]
        self.error(node, f"{what} power must be 'on' or 'off', not {_describe(node)}")
        return None

    def shares(self, node: Node, what: str) -> str | int | None:
        value = self.scalar(node)
        if isinstance(value, str) and value.strip().lower() in SHARE_LEVELS:
            return value.strip().lower()
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 1_000_000_000:
            return value
        self.error(
            node,
            f"{what} shares must be low, normal, high or a positive number of shares, not {_describe(node)}",
        )
        return None

    def tags(self, node: Node, what: str) -> tuple[str, ...] | None:
        out: list[str] = []
        for t in self.sequence(node, f"{what} tags"):
            text = self.text(t, f"a tag of {what}")
            if text is None:
                return None
            out.append(text)
        return tuple(out)


_VM_SIZES: dict[str, tuple[tuple[str, ...], bool]] = {
    "memory": ((), False),
    "reservation": (("all",), False),
    "limit": (("unlimited",), False),
    "active": ((), True),
    "consumed": ((), True),
    "overhead": ((), False),
    "balloon_max": (("unlimited",), False),
    "ballooned": ((), False),
    "swapped": ((), False),
}
"""VM fields that are sizes: the keywords each accepts, and whether a percentage may be given."""
_VM_DEFAULTS: dict[str, Any] = {
    "vcpus": 1, "power": True, "reservation": 0, "limit": _Word("unlimited"), "shares": "normal",
    "active": None, "consumed": None, "overhead": None, "balloon_max": _Word("unlimited"),
    "tags": (), "growth": 0.0, "ballooned": 0, "swapped": 0,
}  # fmt: skip
"""What a VM field is when neither the VM nor defaults.vm gives it."""


_MAX_SHAPES = 65536
"""Most distinct VM shapes remembered (a bound on memory; more are read one by one)."""


def _scalars(fields: tuple[tuple[str, Node], ...]) -> tuple[tuple[str, str, str], ...] | None:
    """(key, tag, text) of each field, or None when one is not a scalar."""
    if any(type(n) is not yaml.ScalarNode for _, n in fields):
        return None
    return tuple((k, n.tag, n.value) for k, n in fields)


class _TooLarge:
    """A number too large to construct."""


def _resolve(value: int | _Pct, memory: int) -> int:
    """A size, or a percentage of ``memory`` rounded to the nearest byte (ties to even, as
    ``round(Fraction)``), in integer arithmetic."""
    if isinstance(value, _Pct):
        q, r = divmod(value.fraction.numerator * memory, value.fraction.denominator)
        twice = 2 * r
        den = value.fraction.denominator
        return q + 1 if twice > den or (twice == den and q & 1) else q
    return value


def _name(host: Host | None) -> str:
    """The host's name, or a placeholder that lets its VMs be validated anyway."""
    return host.name if host is not None else "<invalid host>"


def _null() -> Node:
    return yaml.ScalarNode(_TAG + "null", "")


def _describe(node: Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kind = node.tag.replace(_TAG, "")
    if kind == "null":
        return "an empty value"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return {"str": f"{text!r}", "int": f"the number {text}", "float": f"the number {text}",
            "bool": f"the boolean {text}"}.get(kind, f"{text!r}")  # fmt: skip
