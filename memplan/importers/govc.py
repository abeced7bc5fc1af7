"""govc JSON (host.info -json, vm.info -json, or object.collect -json) into an ImportResult.

Keys are compared in lower case, so govc before 0.31 (PascalCase: HostSystems, Summary,
MemorySize) and later (camelCase) read the same. A VM's runtime.host reference is
resolved against the hosts' self.value; a host's cluster is its parent reference (govc's
JSON does not carry the cluster's name, so the reference, e.g. domain-c7, names it).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from memplan.errors import UsageError
from memplan.esxi import DEFAULT_SYSTEM_RESERVED
from memplan.importers.common import HostRecord, ImportResult, VMRecord, mib

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
    try:
        with open(path, encoding="utf-8") as fh:
            return _lower(json.load(fh))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not readable govc JSON ({exc})") from None


def _objects(doc: Any, kind: str) -> list[dict[str, Any]]:
    """host.info / vm.info lists, or object.collect's objects of that type."""
    found: list[dict[str, Any]] = []
    if isinstance(doc, dict):
        for key in (kind + "s", kind):
            if isinstance(doc.get(key), list):
                found += [o for o in doc[key] if isinstance(o, dict)]
    items = doc if isinstance(doc, list) else []
    for o in items:
        if isinstance(o, dict) and str(_get(o, "obj", "type") or "").lower() == kind:
            props = {str(p.get("name", "")).lower(): p.get("val") for p in o.get("propset") or []
                     if isinstance(p, dict)}  # fmt: skip
            found.append({"self": o.get("obj"), **_lower(_expand(props))})
    return found


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


def _host_state(h: dict[str, Any], record: HostRecord, result: ImportResult) -> None:
    """summary.quickStats.overallMemoryUsage (MB, VMkernel included) as the observed usage;
    runtime.inMaintenanceMode or a connection state other than connected: no capacity."""
    usage = _get(h, "summary", "quickstats", "overallmemoryusage")
    if isinstance(usage, int | float) and not isinstance(usage, bool) and usage >= 0:
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
    hosts = [h for d in docs for h in _objects(d, "hostsystem")]
    vms = [v for d in docs for v in _objects(d, "virtualmachine")]
    if not hosts and not vms:
        raise UsageError(f"{result.source}: no HostSystems or VirtualMachines in the JSON")
    by_ref: dict[str, str] = {}
    for i, h in enumerate(hosts, 1):
        result.rows_read += 1
        where = f"host #{i}"
        name = _get(h, "name") or _get(h, "summary", "config", "name")
        size = _get(h, "summary", "hardware", "memorysize") or _get(h, "hardware", "memorysize")
        if not name:
            result.skip("skip-no-name", f"{where}: no name")
            continue
        if not isinstance(size, int | float) or size <= 0:
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
        config = _get(v, "config") or {}
        memory = _get(config, "hardware", "memorymb")
        if not name:
            result.skip("skip-no-name", f"{where}: no name")
            continue
        if not isinstance(memory, int | float) or memory <= 0:
            result.skip("skip-no-memory", f"{where} ({name}): no config.hardware.memoryMB")
            continue
        vm = VMRecord(str(name), memory=mib(memory), source=where)
        vm.vcpus = int(_get(config, "hardware", "numcpu") or 1)
        vm.template = bool(_get(config, "template"))
        uuid = _get(config, "instanceuuid") or _get(v, "summary", "config", "instanceuuid")
        vm.uuid = str(uuid) if uuid else None
        vm.power = str(_get(v, "runtime", "powerstate") or "poweredOn").lower() == "poweredon"
        alloc = _get(config, "memoryallocation") or {}
        reservation = _get(alloc, "reservation")
        vm.reservation = (
            mib(reservation) if isinstance(reservation, int | float) and reservation > 0 else None
        )
        limit = _get(alloc, "limit")
        vm.limit = mib(limit) if isinstance(limit, int | float) and limit >= 0 else None
        level = str(_get(alloc, "shares", "level") or "").lower()
        vm.shares_level = level if level in ("low", "normal", "high", "custom") else None
        shares = _get(alloc, "shares", "shares")
        vm.shares = int(shares) if isinstance(shares, int | float) else None
        stats = _get(v, "summary", "quickstats") or {}
        if vm.power and not vm.template:
            for key, field in (("guestmemoryusage", "active"), ("hostmemoryusage", "consumed"),
                               ("balloonedmemory", "ballooned"), ("swappedmemory", "swapped")):  # fmt: skip
                value = stats.get(key)
                if isinstance(value, int | float) and value >= 0:
                    setattr(vm, field, mib(value))
            overhead = stats.get("consumedoverheadmemory")
            if isinstance(overhead, int | float) and overhead > 0:
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
    if any(h.cluster for h in result.hosts):
        result.repair(
            "cluster-by-ref",
            "clusters are named by their govc reference (e.g. domain-c7): govc's JSON has no"
            " cluster names; rename them in the YAML if you like",
        )
    return result
