"""What-if flags, applied to the composed YAML nodes before validation (inventory layer).

Each flag edits the node tree in memory, so what it adds goes through exactly the same
validation and defaults as the file, and every node it creates carries the flag as its
location (``--add-vm:1:23``). The inventory file is never written. A flag that names
something that does not exist is a UsageError that suggests the closest name.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from memplan.errors import Problem, UsageError
from memplan.inventory import yamlload
from memplan.units import clip, suggest

if TYPE_CHECKING:
    from memplan.model.occasional import WhatIf

Node = yaml.Node
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_RANGE = re.compile(r"\{(\d+)\.\.(\d+)\}")
MAX_ADDED = 10_000
"""Most VMs one --add-vm may add."""

FLAGS = ("--add-vm", "--remove-vm", "--power-off", "--add-host", "--remove-host", "--set")
LOCATED = (*FLAGS, "--vm")
"""Flags whose values become YAML nodes located at the flag."""
SHAPE_NAME = "<new VM>"
NAMED = 3
"""Names one error gives when the same problem at a flag hits many VMs or hosts."""
"""Name of the VM shape of ``memplan headroom --vm``."""


def shape(spec: str) -> yaml.MappingNode:
    """``--vm 16GiB,vcpus=4,active=30%`` as a VM mapping node (a bare first item is memory)."""
    head, _, _ = spec.partition(",")
    text = spec if "=" in head else f"memory={spec}"
    shift = len(text) - len(spec)
    fields = [(k, v, max(0, o - shift)) for k, v, o in _split(text, "--vm", shift)]
    if any(k == "name" for k, _, _ in fields):
        raise UsageError("--vm: a shape has no name; give memory and the other fields")
    return _mapping([("name", SHAPE_NAME, 0), *fields], "--vm")


@dataclass
class _Place:
    """A VM or host node and the list that holds it."""

    node: yaml.MappingNode
    owner: yaml.SequenceNode
    cluster: yaml.MappingNode | None
    host: yaml.MappingNode | None


def _mark(flag: str, offset: int = 0) -> yaml.Mark:
    """A position on the command line: the flag's name, column ``offset`` of its value."""
    return yaml.Mark(flag, offset, 0, offset, None, 0)


def child(node: Node | None, key: str) -> Node | None:
    """The value node of ``key`` in a mapping node, or None (also used by the reader)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: Node = v
            return found
    return None


def _name(node: Node) -> str:
    n = child(node, "name")
    return n.value if isinstance(n, yaml.ScalarNode) else ""


def _set(node: yaml.MappingNode, key: str, value: Node) -> None:
    for i, (k, _) in enumerate(node.value):
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            node.value[i] = (k, value)
            return
    node.value.append((yaml.ScalarNode(_STR, key, value.start_mark, value.end_mark), value))


def _drop(node: yaml.MappingNode, key: str) -> None:
    node.value = [
        (k, v) for k, v in node.value if not (isinstance(k, yaml.ScalarNode) and k.value == key)
    ]


def _seq(node: yaml.MappingNode, key: str, mark: yaml.Mark) -> yaml.SequenceNode:
    found = child(node, key)
    if isinstance(found, yaml.SequenceNode):
        return found
    seq = yaml.SequenceNode(_SEQ, [], mark, mark)
    _set(node, key, seq)
    return seq


def _items(node: Node | None) -> list[yaml.MappingNode]:
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [n for n in node.value if isinstance(n, yaml.MappingNode)]


def hosts(root: yaml.MappingNode) -> list[_Place]:
    """Every host node with its list and cluster."""
    out = []
    for c in _items(child(root, "clusters")):
        seq = child(c, "hosts")
        if isinstance(seq, yaml.SequenceNode):
            out += [_Place(h, seq, c, None) for h in _items(seq)]
    top = child(root, "hosts")
    if isinstance(top, yaml.SequenceNode):
        out += [_Place(h, top, None, None) for h in _items(top)]
    return out


def vms(root: yaml.MappingNode) -> list[_Place]:
    """Every VM node with its list, cluster and host."""
    out = []
    for h in hosts(root):
        seq = child(h.node, "vms")
        if isinstance(seq, yaml.SequenceNode):
            out += [_Place(v, seq, h.cluster, h.node) for v in _items(seq)]
    for c in _items(child(root, "clusters")):
        seq = child(c, "vms")
        if isinstance(seq, yaml.SequenceNode):
            out += [_Place(v, seq, c, None) for v in _items(seq)]
    return out


def _matching(places: list[_Place], pattern: str, what: str, flag: str) -> list[_Place]:
    found = [p for p in places if fnmatch.fnmatchcase(_name(p.node), pattern)]
    if not found:
        names = [_name(p.node) for p in places]
        raise UsageError(f"{flag} {pattern}: no {what} matches{suggest(pattern, names)}")
    return found


def _split(spec: str, flag: str, shift: int = 0) -> list[tuple[str, str, int]]:
    """'a=1,b={1..3},c=[x, y]' -> [(key, value, offset of value)], commas in brackets kept.
    A bracket left open is an error that says so (it would swallow every later comma);
    ``shift`` characters at the start of ``spec`` are not the user's."""
    out: list[tuple[str, str, int]] = []
    opened: list[int] = []
    start = 0
    for i, ch in enumerate(spec):
        if ch in "[{":
            opened.append(i)
        elif ch in "]}" and opened:
            opened.pop()
    if opened:
        at = opened[0]
        example = "name=web{1..3}" if spec[at] == "{" else "tags=[a, b]"
        raise UsageError(
            f"{flag} {clip(spec[shift:])}: the {spec[at]!r} at character {at - shift + 1} is"
            f" never closed (e.g. {example})"
        )
    depth = 0
    for i, ch in enumerate(spec + ","):
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            part = spec[start:i]
            key, eq, value = part.partition("=")
            if not eq or not key.strip():
                raise UsageError(
                    f"cannot read {part.strip()!r}: write key=value, e.g. memory=16GiB"
                )
            offset = start + len(key) + 1 + (len(value) - len(value.lstrip()))
            out.append((key.strip(), value.strip(), offset))
            start = i + 1
    return out


def _scalar(value: str, flag: str, offset: int) -> Node:
    """A node for ``value`` as YAML would read it, located at the flag."""
    try:
        node = yamlload.compose(value or "''")
    except yaml.YAMLError as exc:
        raise UsageError(f"{flag}: cannot read {clip(value)!r}: {exc}") from None
    if node is None:
        node = yaml.ScalarNode("tag:yaml.org,2002:null", "")
    _relocate(node, flag, offset)
    return node


def _relocate(node: Node, flag: str, offset: int) -> None:
    mark = _mark(flag, offset)
    node.start_mark = node.end_mark = mark
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _relocate(k, flag, offset)
            _relocate(v, flag, offset)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            _relocate(v, flag, offset)


def _mapping(fields: list[tuple[str, str, int]], flag: str) -> yaml.MappingNode:
    mark = _mark(flag)
    node = yaml.MappingNode(_MAP, [], mark, mark)
    for key, value, offset in fields:
        _set(node, key, _scalar(value, flag, offset))
    return node


def _names(template: str, count: int | None) -> list[str]:
    m = _RANGE.search(template)
    if m:
        if max(len(m.group(1)), len(m.group(2))) > 9:
            raise UsageError(
                f"--add-vm: range {clip(m.group(0), 30)} must count up, at most {MAX_ADDED}"
            )
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi < lo or hi - lo >= MAX_ADDED:
            raise UsageError(f"--add-vm: range {m.group(0)} must count up, at most {MAX_ADDED}")
        width = len(m.group(1)) if m.group(1).startswith("0") else 0
        return [
            template[: m.start()] + str(i).zfill(width) + template[m.end() :]
            for i in range(lo, hi + 1)
        ]
    if count is None:
        return [template]
    if not 1 <= count <= MAX_ADDED:
        raise UsageError(f"--add-vm: count must be 1 to {MAX_ADDED}")
    return [f"{template}{i}" for i in range(1, count + 1)]


def _cluster(root: yaml.MappingNode, name: str, flag: str) -> yaml.MappingNode:
    clusters = _items(child(root, "clusters"))
    for c in clusters:
        if _name(c) == name:
            return c
    raise UsageError(f"{flag}: no cluster {name!r}{suggest(name, [_name(c) for c in clusters])}")


def _host(root: yaml.MappingNode, name: str, flag: str) -> _Place:
    places = hosts(root)
    for p in places:
        if _name(p.node) == name:
            return p
    raise UsageError(f"{flag}: no host {name!r}{suggest(name, [_name(p.node) for p in places])}")


def _add_vm(root: yaml.MappingNode, w: WhatIf) -> None:
    fields = _split(w.value, w.flag)
    keys = {k: v for k, v, _ in fields}
    if "name" not in keys:
        raise UsageError(
            f"{w.flag}: give name=..., e.g. name=web{{1..3}},memory=16GiB,cluster=prod"
        )
    count = None
    if "count" in keys:
        try:
            count = int(keys["count"]) if len(keys["count"]) <= 9 else MAX_ADDED + 1
        except ValueError:
            raise UsageError(f"{w.flag}: count must be a whole number") from None
    rest = [(k, v, o) for k, v, o in fields if k not in ("name", "count", "cluster")]
    mark = _mark(w.flag)
    if "cluster" in keys:
        target = _seq(_cluster(root, keys["cluster"], w.flag), "vms", mark)
    elif "host" in keys:
        place = _host(root, keys["host"], w.flag)
        rest = [(k, v, o) for k, v, o in rest if k != "host"]
        target = _seq(place.node, "vms", mark)
    else:
        raise UsageError(f"{w.flag}: give cluster=NAME or host=NAME")
    offset = next(o for k, _, o in fields if k == "name")
    for name in _names(keys["name"], count):
        vm = _mapping([("name", name, offset), *rest], w.flag)
        target.value.append(vm)


def _add_host(root: yaml.MappingNode, w: WhatIf) -> None:
    fields = _split(w.value, w.flag)
    keys = {k: v for k, v, _ in fields}
    mark = _mark(w.flag)
    rest = [(k, v, o) for k, v, o in fields if k != "cluster"]
    if "cluster" in keys:
        target = _seq(_cluster(root, keys["cluster"], w.flag), "hosts", mark)
    else:
        target = _seq(root, "hosts", mark)
    target.value.append(_mapping(rest, w.flag))


def _remove_host(root: yaml.MappingNode, w: WhatIf) -> None:
    for place in _matching(hosts(root), w.value, "host", w.flag):
        name = _name(place.node)
        place.owner.value.remove(place.node)
        nested = _items(child(place.node, "vms"))
        if place.cluster is not None:
            # Its VMs become cluster VMs without a host: memplan places them again.
            mark = _mark(w.flag)
            cluster_vms = _seq(place.cluster, "vms", mark)
            cluster_vms.value.extend(nested)
            for vm in _items(cluster_vms):
                pin = child(vm, "host")
                if isinstance(pin, yaml.ScalarNode) and pin.value == name:
                    _drop(vm, "host")
            ha = child(place.cluster, "ha")
            spares = child(ha, "failover_hosts")
            if isinstance(spares, yaml.SequenceNode):
                spares.value = [s for s in spares.value if getattr(s, "value", None) != name]


def _set_field(root: yaml.MappingNode, w: WhatIf) -> None:
    path, eq, value = w.value.partition("=")
    if not eq:
        raise UsageError(
            f"{w.flag} {w.value}: write TARGET.FIELD=VALUE, e.g. host:esx01.memory=1TiB"
        )
    offset = len(path) + 1
    node = _scalar(value.strip(), w.flag, offset)
    kind, colon, rest = path.partition(":")
    mark = _mark(w.flag)
    if colon and kind in ("host", "vm", "cluster"):
        pattern, dot, field = rest.rpartition(".")
        if not dot or not pattern or not field:
            raise UsageError(f"{w.flag} {w.value}: write {kind}:NAME.FIELD=VALUE")
        if kind == "cluster":
            places = [
                _Place(c, yaml.SequenceNode(_SEQ, []), c, None)
                for c in _items(child(root, "clusters"))
            ]
        else:
            places = hosts(root) if kind == "host" else vms(root)
        for place in _matching(places, pattern, kind, w.flag):
            _set(place.node, field, node)
        return
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "defaults" and parts[1] in ("host", "vm"):
        defaults = child(root, "defaults")
        if not isinstance(defaults, yaml.MappingNode):
            defaults = yaml.MappingNode(_MAP, [], mark, mark)
            _set(root, "defaults", defaults)
        section = child(defaults, parts[1])
        if not isinstance(section, yaml.MappingNode):
            section = yaml.MappingNode(_MAP, [], mark, mark)
            _set(defaults, parts[1], section)
        _set(section, parts[2], node)
        return
    if len(parts) == 2 and parts[0] == "policy":
        policy = child(root, "policy")
        if not isinstance(policy, yaml.MappingNode):
            policy = yaml.MappingNode(_MAP, [], mark, mark)
            _set(root, "policy", policy)
        _set(policy, parts[1], node)
        return
    raise UsageError(
        f"{w.flag} {w.value}: the target must be host:NAME.FIELD, vm:NAME.FIELD,"
        " cluster:NAME.FIELD, defaults.host.FIELD, defaults.vm.FIELD or policy.FIELD"
    )


def apply(root: Node, whatifs: tuple[WhatIf, ...]) -> None:
    """Apply ``whatifs`` to the node tree in order; UsageError for a name that is not there."""
    if not whatifs:
        return
    if not isinstance(root, yaml.MappingNode):
        return  # the reader reports what is wrong with the file itself
    for w in whatifs:
        if w.flag == "--add-vm":
            _add_vm(root, w)
        elif w.flag == "--add-host":
            _add_host(root, w)
        elif w.flag == "--remove-vm":
            for place in _matching(vms(root), w.value, "VM", w.flag):
                place.owner.value.remove(place.node)
        elif w.flag == "--power-off":
            for place in _matching(vms(root), w.value, "VM", w.flag):
                _set(place.node, "power", _scalar("off", w.flag, 0))
        elif w.flag == "--remove-host":
            _remove_host(root, w)
        elif w.flag == "--set":
            _set_field(root, w)
        else:  # pragma: no cover - the CLI only builds the flags above
            raise UsageError(f"unknown what-if {w.flag}")


_SUBJECT = re.compile(r"(VM|host) ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") (.+)")
"""A problem about one VM or host: "VM 'web01' memory 16 has no unit" (a repr'd name)."""


def aggregate(problems: list[Problem]) -> list[Problem]:
    """``problems`` with those a flag causes alike in many VMs or hosts as one each.

    ``--set 'vm:*.active=200%'`` makes every VM's active memory too large: one error at the
    same position of the flag per VM, 158 identical lines for 158 VMs. They become one that
    counts them and names the first NAMED: ``--set:1:13: error: active memory is above its
    configured memory in 158 VMs: 'backup01', 'dc01', 'dc02' and 155 more``. Problems in
    files, and a flag's problem about one or two subjects, stay as they are.
    """
    keys: list[tuple[str, int, int, str, str] | None] = []
    groups: dict[tuple[str, int, int, str, str], list[str]] = {}
    for p in problems:
        m = _SUBJECT.fullmatch(p.message) if p.file in LOCATED else None
        key = (p.file, p.line, p.column, m.group(1), m.group(3)) if m else None
        keys.append(key)
        if m is not None and key is not None:
            groups.setdefault(key, []).append(m.group(2))
    out: list[Problem] = []
    said: set[tuple[str, int, int, str, str]] = set()
    for p, key in zip(problems, keys, strict=True):
        if key is None or len(groups[key]) < NAMED:
            out.append(p)
            continue
        if key in said:
            continue
        said.add(key)
        names = groups[key]
        kind = key[3]
        listed = ", ".join(names[:NAMED])
        more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
        message = f"{key[4]} in {len(names)} {kind}s: {listed}{more}"
        out.append(Problem(p.file, p.line, p.column, message, p.first))
    return out
