"""What importers share: the intermediate records, the report of repairs, the YAML writer."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from memplan.errors import LimitError, Problem, UsageError
from memplan.model import Note
from memplan.units import GIB, MAX_SIZE, MIB, format_size_input, plural


@dataclass(slots=True)
class VMRecord:
    """One VM as an importer found it; sizes in bytes, None when unknown."""

    name: str
    memory: int | None = None
    vcpus: int | None = None
    power: bool = True
    template: bool = False
    host: str | None = None
    cluster: str | None = None
    reservation: int | None = None
    limit: int | None = None
    shares_level: str | None = None
    shares: int | None = None
    active: int | None = None
    consumed: int | None = None
    overhead: int | None = None
    ballooned: int | None = None
    swapped: int | None = None
    source: str = ""
    uuid: str | None = None
    """vCenter's instance UUID."""
    balloon_max: int | None = None
    """sched.mem.maxmemctl in bytes; None when absent or unlimited."""
    seen_on: str | None = None
    """The host the source names, when it lists no such host (the VM stays in its cluster)."""


@dataclass(slots=True)
class HostRecord:
    """One host as an importer found it."""

    name: str
    managed: int | None = None
    installed: int | None = None
    cluster: str | None = None
    esxi: str | None = None
    source: str = ""
    observed_consumed: int | None = None
    """Host memory in use as vCenter observed it, bytes (VMkernel included)."""
    observed_ballooned: int | None = None
    observed_swapped: int | None = None
    observed_vms: int | None = None
    """Powered-on VMs on the host (RVTools vHost "# VMs")."""
    observed_vms_total: int | None = None
    """VMs on the host, powered off included (RVTools vHost "# VMs total")."""
    observed_configured: int | None = None
    """Configured memory of its powered-on VMs, bytes (RVTools vHost "vRAM")."""
    observed_source: str = ""
    """Where the observed figures come from, e.g. "RVTools vHost"."""
    maintenance: bool = False
    """In maintenance mode or not connected."""


@dataclass
class ClusterRecord:
    """HA settings of a cluster, when the source has them."""

    name: str
    ha_enabled: bool | None = None
    failures: int | None = None
    policy: str | None = None
    """Admission-control policy as memplan names it, when the source says which."""
    admission_control: bool | None = None
    percentage: int | None = None
    """Memory percentage of the percentage policy."""
    failover_hosts: tuple[str, ...] = ()
    drs_enabled: bool | None = None
    drs_behavior: str | None = None


@dataclass
class ImportResult:
    """An imported inventory and everything the importer had to say about it."""

    source: str
    vms: list[VMRecord] = field(default_factory=list)
    hosts: list[HostRecord] = field(default_factory=list)
    clusters: dict[str, ClusterRecord] = field(default_factory=dict)
    skipped: list[Note] = field(default_factory=list)
    """Rows not imported, text 'sheet row N (name): reason' (``skip`` adds one)."""
    repairs: list[Note] = field(default_factory=list)
    """Rows imported with a value filled in, resolved or chosen: 'sheet row N (name): what'
    (``repair`` adds one)."""
    rows_read: int = 0
    """Non-blank data rows read from the sheets that define VMs and hosts."""
    collected: datetime | None = None
    """When the source was written (RVTools vMetaData, as the export says it) or read
    (vCenter's clock, UTC)."""

    def skip(self, kind: str, text: str) -> None:
        """Report a row not imported; ``kind`` groups it (render/notes.py has the headings)."""
        self.skipped.append(Note(kind, text))

    def repair(self, kind: str, text: str) -> None:
        """Report a row imported with a value filled in, resolved or chosen."""
        self.repairs.append(Note(kind, text))

    def notes(self) -> list[Note]:
        """Every skipped and repaired row, then the summary line: what an import prints."""
        return [*self.skipped, *self.repairs, Note("import-summary", self.summary())]

    def keep_vm(self, vm: VMRecord) -> bool:
        """Import ``vm``, or report it skipped when a size is implausible; True if kept.

        Every importer hands its records over here, so nothing it writes can fail
        validation on a size."""
        return self._keep(vm, self.vms)

    def keep_host(self, host: HostRecord) -> bool:
        """Import ``host``, or report it skipped when a size is implausible; True if kept."""
        return self._keep(host, self.hosts)

    def _keep(self, record: VMRecord | HostRecord, into: list[Any]) -> bool:
        if "\x00" in record.name:
            self.skip("skip-bad-value", f"{record.source}: the name contains a NUL character")
            return False
        if not record.name.isascii():  # a lone surrogate (JSON "\\ud800") cannot be written
            record.name = record.name.encode("utf-8", "replace").decode("utf-8")
        if len(record.name) > MAX_NAME_CHARS:
            raise LimitError(
                f"{record.source}: a name of {len(record.name):,} characters; the limit is"
                f" {MAX_NAME_CHARS} (a DNS name's length)"
            )
        too_big = implausible(record)
        if too_big:
            self.skip("skip-implausible", f"{record.source} ({record.name}): {too_big}")
            return False
        into.append(record)
        return True

    no_hosts: str | None = None
    """Why the import has no host, when its source should have given some (RVTools: no
    vHost tab, or none of its rows usable): VMs with no host to hold them are no plan."""

    def distinct_names(self) -> None:
        """Settle VMs that share a name, as vSphere allows in different folders: those with
        distinct UUIDs are distinct VMs, kept and renamed ``NAME (UUID)`` (one repair per
        name says so); a later one with the UUID of one kept, or with no UUID to tell it
        from them, is skipped as a duplicate. The order of ``vms`` is kept."""
        groups: dict[str, list[VMRecord]] = {}
        for vm in self.vms:
            groups.setdefault(vm.name, []).append(vm)
        if len(groups) == len(self.vms):
            return
        dropped: set[int] = set()
        for name, vms in groups.items():
            if len(vms) < 2:
                continue
            kept: list[VMRecord] = []
            for vm in vms:
                same = next((k for k in kept if k.uuid == vm.uuid), None) if vm.uuid else None
                if (vm.uuid is None and kept) or same is not None:
                    why = (
                        f"the same UUID as {same.source}" if same is not None
                        else f"no UUID to tell it from {kept[0].source}"
                    )  # fmt: skip
                    self.skip(
                        "skip-duplicate", f"{vm.source} ({name}): duplicate VM name, {why}; the"
                        " first is kept",
                    )  # fmt: skip
                    dropped.add(id(vm))
                else:
                    kept.append(vm)
            renamed = [vm for vm in kept if vm.uuid is not None and len(kept) > 1]
            for vm in renamed:
                vm.name = f"{name} ({vm.uuid})"
            if renamed:
                self.repair(
                    "vm-renamed",
                    f"{', '.join(vm.source for vm in kept)}: {len(kept)} VMs named {name} with"
                    f" distinct UUIDs (vSphere allows it in different folders); kept each,"
                    f" {'each' if len(renamed) == len(kept) else 'those with a UUID'} named"
                    f" '{name} (UUID)'",
                )
        if dropped:
            self.vms = [vm for vm in self.vms if id(vm) not in dropped]

    def nothing_imported(self) -> str | None:
        """Why an import without VMs, or (``no_hosts``) without hosts, is an error, or None.
        Hosts alone are a plan (headroom for an empty cluster); rows read and all skipped,
        nothing at all, or VMs without the hosts their source should list are not."""
        if self.vms and not self.hosts and self.no_hosts:
            return self.no_hosts
        if self.vms or (self.hosts and not self.skipped):
            return None
        if self.rows_read:
            return (
                f"no VM imported: {plural(self.rows_read, 'row')} read, none usable"
                " (the 'import:' lines say why)"
            )
        return "no VM imported: the export has no VM rows"

    def summary(self) -> str:
        """The one summary line."""
        clusters = {h.cluster for h in self.hosts if h.cluster} | {
            v.cluster for v in self.vms if v.cluster
        }
        return (
            f"imported {plural(len(self.vms), 'VM')}, {plural(len(self.hosts), 'host')},"
            f" {plural(len(clusters), 'cluster')} from {self.source};"
            f" {plural(len(self.skipped), 'row')} skipped, {plural(len(self.repairs), 'repair')}"
        )


MAX_NAME_CHARS = 255
"""Longest VM or host name imported (inventory/fields.py has the same limit and why)."""
MAX_FILE_BYTES = 128 * 1024 * 1024
"""Largest file memplan reads (128 MiB), whatever it is: an inventory, an export, govc
JSON, a baseline. A 100,000-VM inventory is about 15 MB, its JSON report about 80 MB."""


MAX_WORKBOOK_BYTES = 512 * 1024 * 1024
"""Largest .xlsx read (512 MiB compressed): RVTools writes 25 tabs, most unread by memplan."""


def read_file(path: str, label: str | None = None, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or a UsageError that says
    what is wrong, prefixed with ``label`` (default: the path). A FIFO, a device
    (/dev/zero) or a directory is refused before anything is read."""
    where = label or path
    too_big = check_file(path, label, limit)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{where}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:  # it grew while we read it
        raise UsageError(too_big)
    return data


def check_file(path: str, label: str | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """Check that ``path`` is a regular file of at most ``limit`` bytes (a UsageError
    otherwise); returns the message for a file that grew past the limit."""
    import stat

    where = label or path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{where}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{where}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(
            f"{where}: is not a regular file (a FIFO, socket or device); memplan reads files only"
        )
    too_big = f"{where}: file is larger than {limit} bytes ({limit // MIB} MiB), the limit"
    if st.st_size > limit:
        raise UsageError(too_big)
    return too_big


def where_of(message: str, default: str) -> tuple[str, str]:
    """(file, rest) of an importer's message 'FILE: what is wrong', the file being one that
    exists; (default, message) otherwise. For FILE:1:1: error: lines."""
    head, sep, rest = message.partition(": ")
    if sep and head and os.path.exists(head):
        return head, rest
    return default, message


_AT = re.compile(r"^line (\d+): |\bline (\d+) column (\d+)\b")
"""Where a message says its problem is: 'line 7: ...' (CSV) or '... (Expecting value: line
1 column 5 (char 4))' (JSON)."""


def problem_of(message: str, paths: list[str]) -> Problem:
    """The FILE:LINE:COLUMN problem of an importer's message 'FILE: what is wrong' about
    one of ``paths`` (the first when it names none); a leading 'line N: ' becomes the
    line, and JSON's 'line N column M' the position."""
    named = [p for p in paths if message.startswith(f"{p}: ")]  # one that does not exist too
    if named:
        file, rest = named[0], message[len(named[0]) + 2 :]
    else:
        file, rest = where_of(message, paths[0] if paths else "")
    at = _AT.search(rest)
    if at is None:
        return Problem(file, 1, 1, rest)
    if at[1]:
        return Problem(file, int(at[1]), 1, rest[at.end() :])
    return Problem(file, int(at[2]), int(at[3]), rest)


def load_json(data: bytes, where: str) -> Any:
    """Parse JSON; one line saying what is wrong otherwise. Nesting deeper than Python's
    recursion allows (5,000 brackets) is refused, not a crash; NaN, Infinity and numbers
    beyond a float (1e400) parse as non-finite floats, which ``finite`` rejects."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where}: not UTF-8 (byte {exc.start}); JSON must be UTF-8") from None
    except RecursionError:
        raise UsageError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:
        raise UsageError(f"{where}: not valid JSON ({exc})") from None


def finite(value: object) -> float | int | None:
    """``value`` when it is a finite number (not a bool, not NaN or infinite), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and value.bit_length() > 64:
        return None
    return value


def mib(value: float) -> int:
    """MiB (possibly fractional) as bytes; ``value`` finite. A number of MiB whose bytes
    are beyond a float (1.7e302 MiB) is converted exactly, never to infinity: the bounds
    on sizes then report it as every other too large size."""
    size = value * MIB
    if size - size == 0:  # finite (inf - inf is NaN): the common case
        return round(size)
    return round(value) * MIB


SIZE_FIELDS = (
    "memory",
    "reservation",
    "limit",
    "active",
    "consumed",
    "overhead",
    "ballooned",
    "swapped",
)


def implausible(record: VMRecord | HostRecord) -> str | None:
    """The first size of ``record`` above the 1 PiB memplan accepts, described, or None."""
    fields = (
        SIZE_FIELDS
        if isinstance(record, VMRecord)
        else (
            "managed",
            "installed",
            "observed_ballooned",
            "observed_swapped",
            "observed_configured",
        )
    )
    for name in fields:
        value = getattr(record, name)
        if value is not None and value > MAX_SIZE:
            return f"{name} {_count(value // MIB)} MiB is above 1 PiB"
    return None


def _count(n: int) -> str:
    """``n`` as written, or from 16 digits on as ``1.71441e+302`` (6 significant digits),
    as a float's ``:g`` writes it: a 300-digit number is no help in a note. Decimal, so
    that ints no float can hold (govc JSON gives ints of any size) are written too."""
    if n < 10**15:
        return str(n)
    from decimal import Decimal  # rare: not worth its import at every start

    mantissa, exponent = f"{Decimal(n):.5e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"


def _q(text: str) -> str:
    """``text`` as a double-quoted JSON string (JSON strings are valid YAML scalars)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # what json.dumps writes for it, without its cost (40,000 names)
    if not text.isascii():  # a lone surrogate (JSON "\\ud800") cannot be written: '?', as names
        text = text.encode("utf-8", "replace").decode("utf-8")
    return json.dumps(text, ensure_ascii=False)


_SIZES: dict[int, str] = {}
"""Sizes written before: an export repeats a few hundred sizes thousands of times."""


def _size(n: int) -> str:
    text = _SIZES.get(n) if type(n) is int else None  # 8.0 equals 8 but is written 8.0B
    if text is None:
        text = format_size_input(n)
        if type(n) is int and len(_SIZES) < 65536:
            _SIZES[n] = text
    return text


def _vm_line(v: VMRecord, with_host: bool) -> str:
    # One string grown in place (CPython appends to a string no one else holds), not a
    # list of parts joined: 40% less time for the 20,000 lines of an export.
    memory = v.memory
    line = "{name: " + _q(v.name) + ", memory: " + _size(memory or 0)
    if v.vcpus and v.vcpus != 1:
        line += f", vcpus: {v.vcpus}"
    if not v.power or v.template:
        line += ", power: 'off'"
    if v.reservation:
        line += ", reservation: " + _size(v.reservation)
    if v.limit is not None:
        line += ", limit: " + _size(v.limit)
    level = v.shares_level
    if level in ("low", "high"):
        line += ", shares: " + level
    elif level == "custom" and v.shares:
        line += f", shares: {v.shares}"
    if v.consumed is not None and memory:
        line += ", consumed: " + _size(v.consumed)
    if v.active is not None and memory:
        line += ", active: " + _size(min(v.active, memory))
    if v.overhead:
        line += ", overhead: " + _size(v.overhead)
    if v.ballooned:
        line += ", ballooned: " + _size(v.ballooned)
    if v.swapped:
        line += ", swapped: " + _size(v.swapped)
    if v.balloon_max is not None:
        line += ", balloon_max: " + _size(v.balloon_max)
    if v.template:
        line += ", tags: [template]"
    if with_host and v.host:
        line += ", host: " + _q(v.host)
    if v.uuid:
        line += ", uuid: " + _q(v.uuid)
    if v.seen_on and not v.host:
        line += ", seen_on: " + _q(v.seen_on)
    return line + "}"


_BY_NAME = attrgetter("name")


def _host_lines(h: HostRecord, vms: list[VMRecord], indent: str) -> list[str]:
    installed = h.installed or math.ceil((h.managed or 0) / GIB) * GIB
    lines = [f"{indent}- name: {_q(h.name)}", f"{indent}  memory: {_size(installed)}"]
    if h.managed and h.managed != installed:
        lines.append(f"{indent}  managed: {_size(h.managed)}")
    if h.esxi:
        lines.append(f"{indent}  esxi: {_q(h.esxi)}")
    if h.maintenance:
        lines.append(f"{indent}  maintenance: true")
    seen = [
        f"{key}: {_size(min(value, installed) if key == 'consumed' else value)}"
        for key, value in (("consumed", h.observed_consumed), ("ballooned", h.observed_ballooned),
                           ("swapped", h.observed_swapped))
        if value is not None
    ]  # fmt: skip
    if seen:  # counts only beside a reading: observed needs consumed, ballooned or swapped
        seen += [f"{key}: {value}" for key, value in (("vms", h.observed_vms),
                 ("vms_total", h.observed_vms_total)) if value is not None]  # fmt: skip
        if h.observed_configured is not None:
            seen.append(f"configured: {_size(h.observed_configured)}")
        source = f", source: {_q(h.observed_source)}" if h.observed_source else ""
        lines.append(f"{indent}  observed: {{{', '.join(seen)}{source}}}")
    if vms:
        lines.append(f"{indent}  vms:")
        lines += [f"{indent}    - {_vm_line(v, False)}" for v in sorted(vms, key=_BY_NAME)]
    return lines


def _ha(c: ClusterRecord) -> str:
    """A cluster's ha: as configured (flow style)."""
    if not c.ha_enabled:
        return "{policy: disabled}"
    parts = [f"policy: {c.policy}"]
    if c.policy in ("host-failures", "slots") or (c.policy == "percentage" and c.failures):
        parts.append(f"failures: {c.failures or 1}")
    if c.policy == "percentage":
        parts.append(f"percentage: {c.percentage or 0}%")
    if c.policy == "dedicated":
        parts.append(f"failover_hosts: [{', '.join(_q(h) for h in c.failover_hosts)}]")
    if c.admission_control is False:
        parts.append("admission_control: false")
    return "{" + ", ".join(parts) + "}"


DRS_LEVELS = {
    "fullyAutomated": "fully-automated",
    "partiallyAutomated": "partially-automated",
    "manual": "manual",
}
"""vSphere's DrsBehavior values as the inventory's drs.automation spells them."""


def _drs(c: ClusterRecord) -> str:
    """A cluster's drs: as configured (flow style)."""
    if not c.drs_enabled:
        return "{enabled: false}"
    level = DRS_LEVELS.get(c.drs_behavior or "", "fully-automated")
    return f"{{enabled: true, automation: {level}}}"


def to_yaml(result: ImportResult, header: str) -> str:
    """The inventory v1 YAML of ``result``: stable order, sizes with units, a comment header."""
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    out += ["version: 1"]
    if result.collected is not None:
        out.append(f"collected: {result.collected.replace(microsecond=0).isoformat()}")
    hosts = {h.name: h for h in result.hosts}
    on_host: dict[str, list[VMRecord]] = {}
    loose: dict[str, list[VMRecord]] = {}
    for v in result.vms:
        if v.host in hosts:
            on_host.setdefault(v.host, []).append(v)
        else:
            loose.setdefault(v.cluster or "", []).append(v)
    names = sorted({h.cluster for h in result.hosts if h.cluster} | {c for c in loose if c})
    if names:
        out.append("clusters:")
    for name in names:
        out.append(f"  - name: {_q(name)}")
        c = result.clusters.get(name)
        if c is not None and c.policy is not None:
            out.append(f"    ha: {_ha(c)}")
        elif c is not None and c.ha_enabled is not None:
            if c.ha_enabled:
                out.append(f"    ha: {{policy: host-failures, failures: {c.failures or 1}}}")
            else:
                out.append("    ha: {policy: disabled}")
        if c is not None and c.drs_enabled is not None:
            out.append(f"    drs: {_drs(c)}")
        members = sorted((h for h in result.hosts if h.cluster == name), key=_BY_NAME)
        out.append("    hosts:" if members else "    hosts: []")
        for h in members:
            out += _host_lines(h, on_host.get(h.name, []), "      ")
        if loose.get(name):
            out.append("    vms:  # host unknown (seen_on: the host the source names, not listed)")
            out += [f"      - {_vm_line(v, False)}" for v in sorted(loose[name], key=_BY_NAME)]
    standalone = sorted((h for h in result.hosts if not h.cluster), key=_BY_NAME)
    if standalone:
        out.append("hosts:")
        for h in standalone:
            out += _host_lines(h, on_host.get(h.name, []), "  ")
    return "\n".join(out) + "\n"
