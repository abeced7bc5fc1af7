"""govc JSON (host.info -json, vm.info -json, or object.collect -json) into an ImportResult.

Keys are compared in lower case, so govc before 0.31 (PascalCase: HostSystems, Summary,
MemorySize) and later (camelCase) read the same. A VM's runtime.host reference is
resolved against the hosts' self.value; a host's cluster is its parent reference (govc's
JSON does not carry the cluster's name, so the reference, e.g. domain-c7, names it).
"""

from __future__ import annotations

import os
import re
from typing import Any

from memplan.errors import UsageError
from memplan.esxi import DEFAULT_SYSTEM_RESERVED
from memplan.importers.common import (
    ClusterRecord,
    HostRecord,
    ImportResult,
    VMRecord,
    finite,
    load_json,
    mib,
    read_file,
)
from memplan.units import clip

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


def _lower(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _ref(obj: Any) -> str | None:
    value = _get(obj, "value")
    return str(value) if value is not None else None


def _load(path: str) -> Any:
    """The document at ``path``, keys in lower case; bounded in size and nesting."""
    doc = load_json(read_file(path), path)
    try:
        return _lower(doc)
    except RecursionError:
        raise UsageError(f"{path}: JSON nested too deeply") from None


def _kind_of(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")  # fmt: skip


def _objects(doc: Any, kind: str, result: ImportResult) -> list[dict[str, Any]]:
    """host.info / vm.info lists, or object.collect's objects of that type. An item of the
    wrong shape (not an object, a propSet that is not a list) is counted as skipped."""
    found: list[dict[str, Any]] = []
    if isinstance(doc, dict):
        for key in (kind + "s", kind):
            listed = doc.get(key)
            for i, o in enumerate(listed if isinstance(listed, list) else [], 1):
                if isinstance(o, dict):
                    found.append(o)
                else:
                    result.rows_read += 1
                    label = {"hostsystem": "hostSystems", "virtualmachine": "virtualMachines"}.get(
                        kind, kind
                    )
                    what = f"{_kind_of(o)}, not an object"
                    result.skip("skip-bad-shape", f"{label} item #{i}: {what}")
    items = doc if isinstance(doc, list) else []
    for i, o in enumerate(items, 1):
        if not isinstance(o, dict) or str(_get(o, "obj", "type") or "").lower() != kind:
            continue
        propset = o.get("propset")
        if not isinstance(propset, list | None):
            result.rows_read += 1
            result.skip(
                "skip-bad-shape", f"object #{i}: propSet is {_kind_of(propset)}, not a list"
            )
            continue
        props = {str(p.get("name", "")).lower(): p.get("val") for p in propset or []
                 if isinstance(p, dict)}  # fmt: skip
        found.append({"self": o.get("obj"), **_lower(_expand(props))})
    return found


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _expand(props: dict[str, Any]) -> dict[str, Any]:
    """object.collect's dotted property names ('summary.hardware') as nested dicts."""
    out: dict[str, Any] = {}
    for name, value in props.items():
        node = out
        parts = name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _clusters(objects: list[dict[str, Any]], result: ImportResult) -> dict[str, str]:
    """object.collect's ClusterComputeResource objects: each reference's name, and HA and
    DRS as configured (configurationEx.dasConfig / drsConfig) into ``result.clusters``."""
    names: dict[str, str] = {}
    for c in objects:
        ref, name = _ref(_get(c, "self")), _get(c, "name")
        if not ref or not isinstance(name, str) or not name.strip():
            continue
        names[ref] = name.strip()
        config = _dict(_get(c, "configurationex")) or _dict(_get(c, "configuration"))
        record = ClusterRecord(name.strip())
        das = _dict(config.get("dasconfig"))
        if isinstance(das.get("enabled"), bool):
            record.ha_enabled = das["enabled"]
            record.policy = "host-failures"
        if isinstance(das.get("admissioncontrolenabled"), bool):
            record.admission_control = das["admissioncontrolenabled"]
        level = finite(das.get("failoverlevel"))
        policy = _dict(das.get("admissioncontrolpolicy"))
        level = finite(policy.get("failoverlevel")) or level
        if level is not None and level >= 0:
            record.failures = int(level)
        percent = finite(policy.get("memoryfailoverresourcespercent"))
        if policy.get("autocomputepercentages") is False and percent is not None:
            record.policy, record.percentage = "percentage", int(percent)
        drs = _dict(config.get("drsconfig"))
        if isinstance(drs.get("enabled"), bool):
            record.drs_enabled = drs["enabled"]
        if isinstance(drs.get("defaultvmbehavior"), str):
            record.drs_behavior = drs["defaultvmbehavior"]
        result.clusters[record.name] = record
    return names


def _host_state(h: dict[str, Any], record: HostRecord, result: ImportResult) -> None:
    """summary.quickStats.overallMemoryUsage (MB, VMkernel included) as the observed usage;
    runtime.inMaintenanceMode or a connection state other than connected: no capacity."""
    usage = finite(_get(h, "summary", "quickstats", "overallmemoryusage"))
    if usage is not None and usage >= 0:
        record.observed_consumed = min(mib(usage), record.installed or 0)
        record.observed_source = "govc quickStats"
    runtime = _get(h, "runtime") or _get(h, "summary", "runtime") or {}
    state = str(_get(runtime, "connectionstate") or "connected")
    if _get(runtime, "inmaintenancemode") is True:
        record.maintenance = True
        result.repair(
            "host-maintenance",
            f"{record.source} ({record.name}): in maintenance mode; planned with no capacity",
        )
    elif state.lower() != "connected":
        record.maintenance = True
        result.repair(
            "host-disconnected",
            f"{record.source} ({record.name}): connection state {state}; planned with no capacity",
        )


def read(paths: list[str]) -> ImportResult:
    """Import govc host.info and vm.info JSON (two files, or one holding both)."""
    docs = [_load(p) for p in paths]
    result = ImportResult(", ".join(os.path.basename(p) for p in paths))
    hosts = [h for d in docs for h in _objects(d, "hostsystem", result)]
    vms = [v for d in docs for v in _objects(d, "virtualmachine", result)]
    named = _clusters([c for d in docs for c in _objects(d, "clustercomputeresource", result)],
                      result)  # fmt: skip
    if not hosts and not vms and not result.skipped:
        raise UsageError(f"{result.source}: no HostSystems or VirtualMachines in the JSON")
    by_ref: dict[str, str] = {}
    for i, h in enumerate(hosts, 1):
        result.rows_read += 1
        where = f"host #{i}"
        name = _get(h, "name") or _get(h, "summary", "config", "name")
        given = _get(h, "summary", "hardware", "memorysize") or _get(h, "hardware", "memorysize")
        if not name:
            result.skip("skip-no-name", f"{where}: no name")
            continue
        if not isinstance(name, str):
            result.skip("skip-bad-value", f"{where}: name is {_kind_of(name)}, not text")
            continue
        size = finite(given)
        if given is not None and size is None:
            result.skip("skip-bad-value", f"{where} ({name}): summary.hardware.memorySize"
                        f" {clip(str(given), 40)} is not a finite number")  # fmt: skip
            continue
        if size is None or size <= 0:
            result.skip("skip-no-memory", f"{where} ({name}): no summary.hardware.memorySize")
            continue
        if size <= DEFAULT_SYSTEM_RESERVED:
            result.skip("skip-no-room", f"{where} ({name}): {size} bytes leaves nothing for VMs")
            continue
        version = _VERSION.search(str(_get(h, "summary", "config", "product", "version") or ""))
        parent = _get(h, "parent")
        cluster = (
            _ref(parent) if str(_get(parent, "type") or "").lower().startswith("cluster") else None
        )
        cluster = named.get(cluster, cluster) if cluster is not None else None
        if any(h.name == name for h in result.hosts):  # vCenter's host names are unique
            result.skip("skip-duplicate", f"{where} ({name}): duplicate host; the first is kept")
            continue
        record = HostRecord(
            str(name), None, int(size), cluster, version.group(1) if version else None, where
        )
        _host_state(h, record, result)
        if not result.keep_host(record):
            continue
        ref = _ref(_get(h, "self"))
        if ref:
            by_ref[ref] = str(name)
    clusters = {h.name: h.cluster for h in result.hosts}
    for i, v in enumerate(vms, 1):
        result.rows_read += 1
        where = f"VM #{i}"
        name = _get(v, "name") or _get(v, "config", "name")
        config = _dict(_get(v, "config"))
        given = _get(config, "hardware", "memorymb")
        if not name:
            result.skip("skip-no-name", f"{where}: no name")
            continue
        if not isinstance(name, str):
            result.skip("skip-bad-value", f"{where}: name is {_kind_of(name)}, not text")
            continue
        memory = finite(given)
        if given is not None and memory is None:
            result.skip("skip-bad-value", f"{where} ({name}): config.hardware.memoryMB"
                        f" {clip(str(given), 40)} is not a finite number")  # fmt: skip
            continue
        if memory is None or memory <= 0:
            result.skip("skip-no-memory", f"{where} ({name}): no config.hardware.memoryMB")
            continue
        vm = VMRecord(str(name), memory=mib(memory), source=where)
        cpus = _get(config, "hardware", "numcpu")
        if cpus is not None and not (finite(cpus) or 0) >= 1:
            result.repair("no-cpus", f"{where} ({name}): numCPU {clip(str(cpus), 40)} is not"
                          " a CPU count; assumed 1")  # fmt: skip
        vm.vcpus = int(min(finite(cpus) or 1, 1 << 16)) if (finite(cpus) or 0) >= 1 else 1
        vm.template = bool(_get(config, "template"))
        uuid = _get(config, "instanceuuid") or _get(v, "summary", "config", "instanceuuid")
        vm.uuid = str(uuid) if uuid else None
        vm.power = str(_get(v, "runtime", "powerstate") or "poweredOn").lower() == "poweredon"
        alloc = _dict(_get(config, "memoryallocation"))
        reservation = finite(_get(alloc, "reservation"))
        vm.reservation = mib(reservation) if reservation is not None and reservation > 0 else None
        limit = finite(_get(alloc, "limit"))
        vm.limit = mib(limit) if limit is not None and limit >= 0 else None
        level = str(_get(alloc, "shares", "level") or "").lower()
        vm.shares_level = level if level in ("low", "normal", "high", "custom") else None
        shares = finite(_get(alloc, "shares", "shares"))
        vm.shares = int(shares) if shares is not None else None
        stats = _get(v, "summary", "quickstats")
        if stats is not None and not isinstance(stats, dict):
            result.repair("bad-quickstats", f"{where} ({name}): summary.quickStats is"
                          f" {_kind_of(stats)}, not an object; no usage imported")  # fmt: skip
        stats = _dict(stats)
        if vm.power and not vm.template:
            for key, field in (("guestmemoryusage", "active"), ("hostmemoryusage", "consumed"),
                               ("balloonedmemory", "ballooned"), ("swappedmemory", "swapped")):  # fmt: skip
                value = finite(stats.get(key))
                if value is not None and value >= 0:
                    setattr(vm, field, mib(value))
            overhead = finite(stats.get("consumedoverheadmemory"))
            if overhead is not None and overhead > 0:
                vm.overhead = mib(overhead)
                if vm.consumed is not None:  # hostMemoryUsage includes the overhead
                    vm.consumed = max(0, vm.consumed - vm.overhead)
        ref = _ref(_get(v, "runtime", "host"))
        if ref is None or ref not in by_ref:
            result.skip(
                "skip-unknown-host", f"{where} ({name}): runtime.host {ref} is not among the hosts"
            )
            continue
        vm.host = by_ref[ref]
        vm.cluster = clusters.get(vm.host)
        if vm.active is not None and vm.active > (vm.memory or 0):
            vm.active = vm.memory
        result.keep_vm(vm)
    result.distinct_names()
    if any(h.cluster and h.cluster not in result.clusters for h in result.hosts):
        result.repair(
            "cluster-by-ref",
            "clusters are named by their govc reference (e.g. domain-c7): govc's JSON has no"
            " cluster names; rename them in the YAML if you like",
        )
    return result
