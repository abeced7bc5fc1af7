"""Whether an importer's records write an inventory that validates, decided on the records.

``memplan import`` and ``memplan collect`` promise that what they write passes ``memplan
validate``. Writing the YAML and parsing it back keeps that promise, and costs as much as
the rest of an import (0.9 s of an RVTools export of 20,000 VMs). ``writes_valid`` applies
the validator's rules, for what ``importers.common.to_yaml`` writes, to the records
themselves, and conservatively: True only when every name is plain printable text within
the limits, every size a whole number of bytes within them, and so on. Anything else
(False) sends the caller back to parsing the YAML, so that an importer bug still ends in
the validator's own messages at their lines. tests/test_import_valid.py pins the
direction that matters: for arbitrary records, True means the written YAML validates and
reads back the same names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeGuard

from memplan.esxi import DEFAULT_SYSTEM_RESERVED, parse_version
from memplan.importers.common import ClusterRecord, HostRecord, ImportResult, VMRecord
from memplan.inventory.fields import (
    HA_POLICIES,
    MAX_COUNT,
    MAX_HA_FAILURES,
    MAX_NAME_CHARS,
    MAX_VCPUS,
)
from memplan.units import GIB, MAX_SIZE


def writes_valid(result: ImportResult, header: str) -> bool:
    """True when ``to_yaml(result, header)`` surely passes validation; False when it may not
    (then parse it back to find out and say why)."""
    if not all(_plain(line) for line in header.splitlines()):  # "# line" comments
        return False
    hosts: dict[str, HostRecord] = {}
    for h in result.hosts:
        if not _name(h.name) or h.name in hosts or not _host(h):
            return False
        hosts[h.name] = h
    members: dict[str, set[str]] = {}
    for h in result.hosts:
        if h.cluster:
            members.setdefault(h.cluster, set()).add(h.name)
    clusters = set(members) | {v.cluster for v in result.vms if v.cluster and v.host not in hosts}
    if not all(isinstance(c, str) and _name(c) for c in clusters):
        return False
    for name in clusters:
        c = result.clusters.get(name)
        if c is not None and not _cluster(c, members.get(name, set())):
            return False
    vm_names: set[str] = set()
    for v in result.vms:  # every VM, also one to_yaml leaves out: at worst a needless parse
        if not _name(v.name) or v.name in vm_names or not _vm(v):
            return False
        vm_names.add(v.name)
    return True


def _plain(text: object) -> TypeGuard[str]:
    """Text YAML reads back as written inside double quotes, with nothing escaped: no
    control, format, private-use or unassigned characters, no separator but the space
    (Python's isprintable() is a subset of YAML's printable characters and has none of
    YAML 1.1's line breaks, U+0085, U+2028 and U+2029)."""
    return type(text) is str and text.isprintable()


def _name(text: object) -> bool:
    return _plain(text) and 0 < len(text) <= MAX_NAME_CHARS


def _size(value: object) -> TypeGuard[int]:
    return type(value) is int and 0 <= value <= MAX_SIZE


def _sizes(values: Iterable[object]) -> bool:
    for v in values:  # noqa: SIM110 - a loop, not all() of a generator: 140,000 values
        if v is not None and not (type(v) is int and 0 <= v <= MAX_SIZE):
            return False
    return True


def _whole(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _host(h: HostRecord) -> bool:
    if h.installed is not None:
        installed = h.installed
    elif type(h.managed) is int:
        installed = math.ceil(h.managed / GIB) * GIB
    else:
        return False
    if not _size(installed) or installed == 0:
        return False
    managed = installed
    if h.managed is not None:
        if not _size(h.managed) or h.managed > installed:
            return False
        managed = h.managed or installed
    if managed <= DEFAULT_SYSTEM_RESERVED:  # the validator's system_reserved >= managed
        return False
    if h.esxi:
        if not _plain(h.esxi):
            return False
        try:
            if parse_version(h.esxi) < (3,):
                return False
        except ValueError:
            return False
    seen = (h.observed_consumed, h.observed_ballooned, h.observed_swapped)
    if all(v is None for v in seen):
        return True  # nothing else of observed is written
    return (
        _sizes((*seen, h.observed_configured))
        and all(v is None or _whole(v, 0, MAX_COUNT) for v in (h.observed_vms,
                                                              h.observed_vms_total))
        and (not h.observed_source or _plain(h.observed_source))
    )  # fmt: skip


def _cluster(c: ClusterRecord, members: set[str]) -> bool:
    if c.policy is None:
        return not c.ha_enabled or _whole(c.failures or 1, 0, MAX_HA_FAILURES)
    if not c.ha_enabled:
        return True  # written as {policy: disabled}
    if c.policy not in HA_POLICIES:
        return False
    if not _whole(c.failures or 1, 0, MAX_HA_FAILURES):
        return False
    if c.policy == "percentage" and not _whole(c.percentage or 0, 0, 100):
        return False
    if c.policy == "dedicated":
        return bool(c.failover_hosts) and all(_plain(f) and f in members for f in c.failover_hosts)
    return True


def _vm(v: VMRecord) -> bool:
    memory = v.memory
    if not _size(memory) or memory == 0:
        return False
    if v.vcpus and not _whole(v.vcpus, 1, MAX_VCPUS):
        return False
    if not _sizes((v.reservation, v.limit, v.consumed, v.overhead, v.ballooned, v.swapped,
                   v.balloon_max)):  # fmt: skip
        return False
    reservation, limit = v.reservation or 0, v.limit
    if reservation > memory or (limit is not None and reservation > limit):
        return False
    if v.active is not None and not (type(v.active) is int and v.active >= 0):
        return False
    if v.shares_level == "custom" and v.shares and not _whole(v.shares, 1, MAX_COUNT):
        return False
    return (not v.uuid or _plain(v.uuid)) and (not v.seen_on or _plain(v.seen_on))
