"""Hosts and VMs: their fields, defaults, and VM shapes read once."""

from __future__ import annotations

from typing import Any

import yaml

from memplan import esxi
from memplan.inventory.fields import (
    HOST_FIELDS,
    HOST_STATE_FIELDS,
    HOST_VALUE_FIELDS,
    MAX_COUNT,
    MAX_NAME_CHARS,
    MAX_VCPUS,
    OBSERVED_FIELDS,
    POWER_WORDS,
    SHARE_LEVELS,
    STR_TAG,
    VM_FIELDS,
    VM_VALUE_FIELDS,
)
from memplan.inventory.nodes import (
    Node,
    NodeReader,
    Pct,
    Word,
    describe,
    null_node,
)
from memplan.inventory.vmlines import NULLS, VMRun, compose_fields, scalar_text, slow
from memplan.model import (
    VM,
    Host,
    Location,
    Observed,
    builder,
)


class HostsAndVMs(NodeReader):
    """Reads hosts and their VMs."""

    def defaults(self, node: Node | None) -> tuple[dict[str, Node], dict[str, Node]]:
        if node is None:
            return {}, {}
        d = self.mapping(node, ("host", "vm"), "defaults")
        if d is None:
            return {}, {}
        host = self.mapping(d["host"], HOST_VALUE_FIELDS, "defaults.host") if "host" in d else {}
        vm = self.mapping(d["vm"], VM_VALUE_FIELDS, "defaults.vm") if "vm" in d else {}
        host, vm = host or {}, vm or {}
        # Each default is checked where it is written, whether or not a host or VM takes
        # it: a wrong default that every entry overrides is still the user's mistake. A
        # node found wrong is in self._wrong, so the entries that take it do not report it
        # again.
        for key in ("memory", "managed", "system_reserved"):
            if key in host:
                self._host_size(host, host, key, "defaults.host")
        if "esxi" in host:
            self._esxi(host["esxi"], "defaults.host")
        for key, n in vm.items():
            self._vm_field_once(key, n, "defaults.vm")
        return host, vm

    def host(
        self,
        node: Node,
        defaults: dict[str, Node],
        cluster: str | None,
        extra: tuple[str, ...] = (),
        state: bool = True,
    ) -> tuple[Host | None, list[Node]]:
        """The host (None when invalid) and its VM nodes, which are validated either way.
        ``state``: whether ``observed:`` and ``maintenance:`` may be given (not for a
        planned host, which vCenter has not seen yet)."""
        allowed = (
            HOST_FIELDS if state else tuple(f for f in HOST_FIELDS if f not in HOST_STATE_FIELDS)
        )
        h = self.mapping(node, (*allowed, *extra), "a host")
        if h is None:
            return None, []
        name = self.required_text(h, node, "name", "host")
        fields = {**defaults, **{k: v for k, v in h.items() if k in HOST_VALUE_FIELDS}}
        vm_nodes = self.sequence(h.get("vms", null_node()), f"vms of host {name!r}")
        if "growth" in h:
            self.growth(h["growth"], f"host {name!r} growth")
        if name is None:
            return None, vm_nodes
        ok = True  # after a problem, the other fields are still read and checked
        if name in self._host_names:
            first = self._host_names[name].start_mark.line + 1
            self.error(h["name"], f"duplicate host name {name!r} (first at line {first})")
            ok = False
        else:
            self._host_names[name] = h["name"]
        what = f"host {name!r}"
        memory = None
        if "memory" not in fields:
            self.error(node, f"{what} has no 'memory' (installed memory, e.g. '512GiB')")
            ok = False
        else:
            memory = self._host_size(fields, defaults, "memory", what)
        managed = (
            self._host_size(fields, defaults, "managed", what) if "managed" in fields else memory
        )
        reserved = (
            self._host_size(fields, defaults, "system_reserved", what)
            if "system_reserved" in fields
            else esxi.DEFAULT_SYSTEM_RESERVED
        )
        version = esxi.DEFAULT_ESXI
        if "esxi" in fields:
            version = self._esxi(fields["esxi"], what) or version
        maintenance = False
        if "maintenance" in h:
            flag = self.scalar(h["maintenance"])
            if isinstance(flag, bool):
                maintenance = flag
            else:
                self.error(
                    h["maintenance"],
                    f"{what} maintenance must be true or false, not {describe(h['maintenance'])}",
                )
        observed = None
        if "observed" in h:
            observed = self.observed(h["observed"], what, memory)
            ok = ok and observed is not None
        if not ok or memory is None or managed is None or reserved is None:
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
            name, memory, managed, "managed" in fields, reserved, version, cluster, self.loc(node),
            observed, maintenance,
        )  # fmt: skip
        return host, vm_nodes

    def _esxi(self, vnode: Node, what: str) -> str | None:
        """A host's ``esxi`` version (None after reporting a problem, once per node: a wrong
        defaults.host esxi is one problem, not one per host)."""
        if id(vnode) in self._wrong:
            return None
        raw = self.scalar(vnode)
        text = vnode.value if isinstance(vnode, yaml.ScalarNode) else None
        try:
            if isinstance(raw, bool) or text is None or esxi.parse_version(text) < (3,):
                raise ValueError(text)
        except ValueError:
            self.error(
                vnode,
                f"{what} esxi must be a version such as '8.0' or '7.0.3', not {describe(vnode)}",
            )
            self._wrong.add(id(vnode))
            return None
        return str(text)

    def _host_size(
        self, fields: dict[str, Node], defaults: dict[str, Node], key: str, what: str
    ) -> Any:
        """A host's size field; a wrong value in defaults.host is reported once, as
        defaults.host's, not once per host."""
        node = fields[key]
        if id(node) in self._wrong:
            return None
        value = self.size(node, f"{'defaults.host' if defaults.get(key) is node else what} {key}")
        if value is None:
            self._wrong.add(id(node))
        return value

    def observed(self, node: Node, what: str, memory: int | None) -> Observed | None:
        """``observed: {consumed, ballooned, swapped, source}``; a consumed percentage is of
        the installed memory, as vCenter's "memory usage %" is. None after reporting."""
        o = self.mapping(node, OBSERVED_FIELDS, f"{what} observed")
        if o is None:
            return None
        if not any(k in o for k in ("consumed", "ballooned", "swapped")):
            if len(o) == len(getattr(node, "value", ())):  # else an unknown key was reported
                self.error(node, f"{what} observed needs consumed, ballooned or swapped")
            return None
        ok = True
        sizes: dict[str, int | None] = {}
        for key in ("consumed", "ballooned", "swapped"):
            sizes[key] = None
            if key not in o:
                continue
            value = self.size(o[key], f"{what} observed.{key}", (), key == "consumed")
            if value is None:
                ok = False
            elif isinstance(value, Pct):
                if value.fraction > 1:
                    self.error(o[key], f"{what} observed.consumed is above 100%")
                    ok = False
                elif memory is not None:
                    sizes[key] = resolve_size(value, memory)
            else:
                sizes[key] = value
        configured = None
        if "configured" in o:
            configured = self.size(o["configured"], f"{what} observed.configured", ())
            ok = ok and configured is not None
        counts: dict[str, int | None] = {}
        for key in ("vms", "vms_total"):
            counts[key] = None
            if key not in o:
                continue
            counts[key] = self.integer(o[key], f"{what} observed.{key}", 0, MAX_COUNT)
            ok = ok and counts[key] is not None
        consumed = sizes["consumed"]
        if consumed is not None and memory is not None and consumed > memory:
            self.error(o["consumed"], f"{what} observed.consumed is above its installed memory")
            ok = False
        source = "inventory"
        if "source" in o:
            text = self.text(o["source"], f"{what} observed.source")
            if text is None:
                ok = False
            else:
                source = text
        if not ok:
            return None
        return Observed(
            consumed, sizes["ballooned"], sizes["swapped"], source,
            counts["vms"], counts["vms_total"], configured,
        )  # fmt: skip

    def vm(
        self,
        node: Node,
        defaults: dict[str, Node],
        host: str | None,
        cluster: str | None,
        inherited_growth: Node | None = None,
        extra: tuple[str, ...] = (),
    ) -> VM | None:
        """A VM; growth comes from the VM, else its host or cluster (a demand rate), else
        defaults.vm."""
        if type(node) is VMRun:  # pragma: no cover - a caller that does not expect runs
            slow()
        v = self.mapping(node, (*VM_FIELDS, *extra) if extra else VM_FIELDS, "a VM")
        if v is None:
            return None
        name = self.required_text(v, node, "name", "VM")
        if name is None:  # its fields' problems too, in the same run
            for k, n in v.items():
                if k in VM_VALUE_FIELDS:
                    self._vm_field_once(k, n, "a VM without a name:")
            return None
        ok = True  # after a problem, the other fields are still read and checked
        if name in self._vm_names:
            first = self._vm_names[name].start_mark.line + 1
            self.error(v["name"], f"duplicate VM name {name!r} (first at line {first})")
            ok = False
        else:
            self._vm_names[name] = v["name"]
        if "host" in v:
            what = f"VM {name!r}"
            pin = self.text(v["host"], f"{what} host")
            if pin is None:
                ok = False
            elif host and pin != host:  # "": the host has no usable name, already reported
                self.error(
                    v["host"], f"{what} is listed under host {host!r} but says host: {pin!r}"
                )
                ok = False
            elif (
                host is None and cluster is None
            ):  # pragma: no cover - standalone VMs nest under hosts
                return None
            else:
                host = pin
        seen_on = None
        if "seen_on" in v:
            seen_on = self.text(v["seen_on"], f"VM {name!r} seen_on")
            if seen_on is None:
                ok = False
            elif host is not None:
                self.error(
                    v["seen_on"],
                    f"VM {name!r} has a host; seen_on names a host the inventory does not list,"
                    " for a cluster VM without host:",
                )
                ok = False
        uuid = None
        if "uuid" in v:
            uuid = self.text(v["uuid"], f"VM {name!r} uuid")
            if uuid is None:
                ok = False
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
                for k, n in f.items():  # the other fields' problems, in the same run
                    self._vm_field_once(k, n, "defaults.vm" if defaults.get(k) is n else what)
                return None
            parsed = self._vm_values(f, what, defaults)
            if parsed is None:
                return None
            if key is not None and len(self._shapes) < _MAX_SHAPES:
                self._shapes[key] = parsed
        if not ok:
            return None
        (memory, vcpus, power, res, lim, shares, level, act, act_given, cons, cons_given, ovh,
         est, bmax, tags, growth, ballooned, swapped) = parsed  # fmt: skip
        demand = "growth" not in v and inherited_growth is not None  # a host's or cluster's rate
        return _VM(
            name, memory, vcpus, power, res, lim, shares, level, act, act_given, cons, cons_given,
            ovh, est, bmax, tags, host, cluster, self.loc(node), growth, ballooned, swapped, uuid,
            demand, seen_on,
        )  # fmt: skip

    def vms(
        self,
        nodes: list[Node],
        defaults: dict[str, Node],
        host: str | None,
        cluster: str | None,
        inherited_growth: Node | None = None,
    ) -> list[VM]:
        """The valid VMs of ``nodes`` (VM nodes and runs of VM lines), as vm() reads each."""
        out: list[VM] = []
        for node in nodes:
            if type(node) is VMRun:
                out += self.vm_run(node, defaults, host, cluster, inherited_growth)
            else:
                vm = self.vm(node, defaults, host, cluster, inherited_growth)
                if vm is not None:
                    out.append(vm)
        return out

    def vm_run(
        self,
        run: VMRun,
        defaults: dict[str, Node],
        host: str | None,
        cluster: str | None,
        growth: Node | None,
    ) -> list[VM]:
        """The VMs of a run of VM lines (vmlines), as vm() reads their nodes; Slow at any
        problem. The loop body runs once per VM: lookups and conditionals."""
        names, shapes, path, build, where = (
            self._vm_names,
            self._line_shapes,
            self.path,
            _VM,
            _LOCATION,
        )
        context = (id(defaults), growth if growth is None else self._growth_key(growth))
        line, column = run.start + 1, run.column
        out = []
        for m in run.matches:
            token, fields, uuid, seen_on = m.group(2, 3, 4, 5)
            name = token[1:-1] if token[0] in "\"'" else token  # scalar_text(), inlined
            if not name or token in NULLS or len(name) > MAX_NAME_CHARS or name in names:
                slow()
            names[name] = run  # its position is not asked for: a duplicate is a problem
            if uuid is not None:
                uuid = self._line_text(uuid)
            if seen_on is not None:
                if host is not None:
                    slow()
                seen_on = self._line_text(seen_on)
            shape = shapes.get((fields, context))
            if shape is None:
                shape = self._line_shape(fields, defaults, growth)
                if len(shapes) < _MAX_SHAPES:
                    shapes[(fields, context)] = shape
            (memory, vcpus, power, res, lim, shares, level, act, act_given, cons, cons_given,
             ovh, est, bmax, tags, rate, ballooned, swapped, demand) = shape  # fmt: skip
            out.append(build(
                name, memory, vcpus, power, res, lim, shares, level, act, act_given, cons,
                cons_given, ovh, est, bmax, tags, host, cluster, where(path, line, column),
                rate, ballooned, swapped, uuid, demand, seen_on,
            ))  # fmt: skip
            line += 1
        return out

    @staticmethod
    def _line_text(token: str) -> str:
        """The text of a uuid or seen_on scalar, as text() reads it; Slow when it is none."""
        if token in NULLS:
            slow()
        return scalar_text(token) or slow()

    @staticmethod
    def _growth_key(growth: Node) -> tuple[str, Any]:
        if type(growth) is not yaml.ScalarNode:
            slow()
        return growth.tag, growth.value

    def _line_shape(
        self, fields: str, defaults: dict[str, Node], growth: Node | None
    ) -> tuple[Any, ...]:
        """What vm() reads from a VM's ``fields`` (the text after its name, each field after
        ', ') with ``defaults`` and the host's or cluster's ``growth``, and whether that is
        demand growth. The fields are read once per defaults, whatever the growth: a growth
        inherited only stands in for defaults.vm's. Slow at any problem."""
        base = self._line_bases.get((fields, id(defaults)))
        if base is None:
            base = self._line_base(fields, defaults)
            self._line_bases[(fields, id(defaults))] = base
            self._line_defaults[id(defaults)] = defaults  # so that its id stays its own
        parsed, own_growth = base
        if own_growth or growth is None:
            return (*parsed, False)
        key = self._growth_key(growth)  # a scalar: vm_run() made its key of it
        rate = self._inherited_rates.get(key)
        if rate is None:  # once per rate written, not once per shape it meets
            rate = self._vm_field_once("growth", growth, "")
            if rate is None:  # pragma: no cover - a problem raised Slow already
                slow()
            self._inherited_rates[key] = rate
        return (*parsed[:15], rate, *parsed[16:], True)

    def _line_base(self, fields: str, defaults: dict[str, Node]) -> tuple[tuple[Any, ...], bool]:
        """What vm() reads from ``fields`` with ``defaults`` and no growth inherited, and
        whether the fields give a growth of their own."""
        if self._field_nodes is None:
            try:
                self._field_nodes = compose_fields(self.line_fields)
            except (yaml.YAMLError, RecursionError):  # pragma: no cover - LINE matched each
                slow()
        node = self._field_nodes.get(fields)
        v = self.mapping(node, VM_FIELDS, "a VM") if node is not None else None
        if v is None:  # pragma: no cover - a problem raised Slow already
            slow()
        f = defaults.copy()
        for k, n in v.items():
            f[k] = n  # LINE lets only VM_VALUE_FIELDS through
        if "memory" not in f:
            slow()
        parsed = self._vm_values(f, "VM", defaults)
        if parsed is None:  # pragma: no cover - a problem raised Slow already
            slow()
        return parsed, "growth" in v

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
            if k not in _PER_VM:  # per VM, not part of its shape
                if type(n) is not yaml.ScalarNode:
                    return None
                key.append((k, n.tag, n.value))
        return tuple(key)

    def _vm_values(
        self, f: dict[str, Node], what: str, defaults: dict[str, Node]
    ) -> tuple[Any, ...] | None:
        """The VM's fields after its name, in VM's order, without host, cluster and location
        (which come after tags); None after reporting every problem. A value taken from
        ``defaults`` is reported as defaults.vm's, once."""
        values = _VM_DEFAULTS.copy()
        bad: set[str] = set()  # fields reported wrong; the others are still read and checked
        for key, n in f.items():
            value = self._vm_field_once(key, n, "defaults.vm" if defaults.get(key) is n else what)
            if value is None:
                bad.add(key)
            values[key] = value
        memory, vcpus, power = values["memory"], values["vcpus"], values["power"]
        reservation, limit, shares = values["reservation"], values["limit"], values["shares"]
        active, consumed, overhead = values["active"], values["consumed"], values["overhead"]
        balloon_max, tags, growth = values["balloon_max"], values["tags"], values["growth"]
        ballooned, swapped = values["ballooned"], values["swapped"]
        if "memory" in bad:
            return None  # nothing to compare the others with
        if memory == 0:
            self.error(f["memory"], f"{what} memory must be above 0")
            return None
        ok = not bad
        res = memory if isinstance(reservation, Word) else reservation  # all
        lim = None if isinstance(limit, Word) else limit  # unlimited
        if "reservation" not in bad and res > memory:
            self.error(f["reservation"], f"{what} reservation is above its configured memory")
            ok = False
        if not bad & {"reservation", "limit"} and lim is not None and res > lim:
            self.error(f["reservation"], f"{what} reservation is above its limit")
            ok = False
        if not bad & {"active", "consumed"}:
            cons = memory if consumed is None else resolve_size(consumed, memory)
            act = min(cons, memory) if active is None else resolve_size(active, memory)
            if act > memory:
                self.error(f["active"], f"{what} active memory is above its configured memory")
                ok = False
        if not ok:
            return None
        act_given = active is not None
        if isinstance(shares, str):
            share_count = esxi.SHARES_PER_MIB[shares] * memory // (1 << 20)
            level = shares
        else:
            share_count, level = shares, "custom"
        est = overhead is None
        ovh = esxi.estimate_overhead(memory, vcpus) if est else overhead
        bmax = None if isinstance(balloon_max, Word) else balloon_max  # unlimited
        return (
            memory, vcpus, power, res, lim, share_count, level, act, act_given, cons,
            consumed is not None, ovh, est, bmax, tags, growth, ballooned, swapped,
        )  # fmt: skip

    def _vm_field_once(self, key: str, node: Node, what: str) -> Any:
        """As _vm_field, and a node found wrong is not read (nor reported) again: a wrong
        value in defaults.vm, or a host's or cluster's growth, is one problem, not one per
        VM that uses it."""
        if id(node) in self._wrong:
            return None
        value = self._vm_field(key, node, what)
        if value is None:
            self._wrong.add(id(node))
        return value

    def _vm_field(self, key: str, node: Node, what: str) -> Any:
        """One field of a VM (None after reporting a problem); sizes seen before are free."""
        size = _VM_SIZES.get(key)
        if size is not None:
            if node.tag == STR_TAG:
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
        if isinstance(value, str) and value.strip().lower() in POWER_WORDS:
            return POWER_WORDS[value.strip().lower()]
        self.error(node, f"{what} power must be 'on' or 'off', not {describe(node)}")
        return None

    def shares(self, node: Node, what: str) -> str | int | None:
        value = self.scalar(node)
        if isinstance(value, str) and value.strip().lower() in SHARE_LEVELS:
            return value.strip().lower()
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_COUNT:
            return value
        self.error(
            node,
            f"{what} shares must be low, normal, high or a positive number of shares, not {describe(node)}",
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


_VM = builder(VM)
_LOCATION = builder(Location)

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
    "vcpus": 1, "power": True, "reservation": 0, "limit": Word("unlimited"), "shares": "normal",
    "active": None, "consumed": None, "overhead": None, "balloon_max": Word("unlimited"),
    "tags": (), "growth": 0.0, "ballooned": 0, "swapped": 0,
}  # fmt: skip
"""What a VM field is when neither the VM nor defaults.vm gives it."""


_PER_VM = frozenset(("name", "host", "uuid", "seen_on"))
"""VM fields that are the VM's own, never part of a shape shared with others."""

_MAX_SHAPES = 65536
"""Most distinct VM shapes remembered (a bound on memory; more are read one by one)."""


def _scalars(fields: tuple[tuple[str, Node], ...]) -> tuple[tuple[str, str, str], ...] | None:
    """(key, tag, text) of each field, or None when one is not a scalar."""
    if any(type(n) is not yaml.ScalarNode for _, n in fields):
        return None
    return tuple((k, n.tag, n.value) for k, n in fields)


def resolve_size(value: int | Pct, memory: int) -> int:
    """A size, or a percentage of ``memory`` rounded to the nearest byte (ties to even, as
    ``round(Fraction)``), in integer arithmetic."""
    if isinstance(value, Pct):
        q, r = divmod(value.fraction.numerator * memory, value.fraction.denominator)
        twice = 2 * r
        den = value.fraction.denominator
        return q + 1 if twice > den or (twice == den and q & 1) else q
    return value


def name_of(host: Host | None, node: Node) -> str:
    """The host's name; for a host with errors, the name its node gives (so that messages
    about its VMs name it), or "" when it has none (its VMs are validated anyway)."""
    if host is not None:
        return host.name
    name = node.value if isinstance(node, yaml.MappingNode) else []
    given = next((v for k, v in name if getattr(k, "value", None) == "name"), None)
    return (
        given.value if isinstance(given, yaml.ScalarNode) and isinstance(given.value, str) else ""
    )
