"""JSON output, schema version 1 (docs/json.md): deterministic, sizes in integer bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from rich.console import Console

from memplan.model import Finding, HAResult, Host, HostResult, Location, Report, Severity, VMResult
from memplan.render.base import Renderer, arrivals_dict, counts, forecast_clusters, write_safe

SCHEMA_VERSION = 1


def _loc(loc: Location) -> dict[str, Any]:
    return {"file": loc.file, "line": loc.line, "column": loc.column}


def _ratio(x: float) -> float:
    return round(x, 4)


def _host(r: HostResult) -> dict[str, Any]:
    h = r.host
    return {
        "name": h.name,
        "cluster": h.cluster,
        "esxi": h.esxi,
        "memory_bytes": h.memory,
        "managed_bytes": h.managed,
        "managed_assumed": not h.managed_given,
        "system_reserved_bytes": h.system_reserved,
        "capacity_bytes": r.capacity,
        "min_free_bytes": r.min_free,
        "thresholds": {s.value: edge for s, edge in r.bands},
        "vms_on": r.vms_on,
        "vms_total": r.vms_total,
        "configured_bytes": r.configured,
        "overhead_bytes": r.overhead,
        "reserved_bytes": r.reserved,
        "active_bytes": r.active,
        "demand_bytes": r.demand,
        "free_bytes": r.free,
        "overcommit_ratio": _ratio(r.overcommit_ratio),
        "state": r.state.value,
        "balloonable_bytes": r.balloonable,
        "reclaim_bytes": r.need,
        "balloon_bytes": r.balloon,
        "swap_bytes": r.swap,
        "active_fits": r.active_fits,
        "maintenance": h.maintenance,
        "observed": _observed(h),
        "demand_basis": "observed" if r.observed_demand else "vms",
        "counts_basis": _counts_basis(r),
        "active_basis": "assumed" if r.active_assumed else "vms",
        "verdict": r.verdict.value,
        "ha_verdict": None if r.ha_verdict is None else r.ha_verdict.value,
        "location": _loc(h.location),
    }


def _counts_basis(r: HostResult) -> str:
    """Where vms_on, vms_total, configured_bytes and overcommit_ratio come from:
    ``observed-vms`` when the observation counts the VMs but gives no configured memory for
    the ones the inventory lacks (the last two are then the listed VMs' only)."""
    if r.configured_unknown:
        return "observed-vms"
    return "observed" if r.observed_counts else "vms"


def _observed(h: Host) -> dict[str, Any]:
    """What vCenter observed on the host; every value null when nothing was."""
    o = h.observed
    if o is None:
        return dict.fromkeys(("ballooned_bytes", "configured_bytes", "consumed_bytes", "source",
                              "swapped_bytes", "vms", "vms_total"))  # fmt: skip
    return {
        "consumed_bytes": o.consumed,
        "ballooned_bytes": o.ballooned,
        "swapped_bytes": o.swapped,
        "vms": o.vms,
        "vms_total": o.vms_total,
        "configured_bytes": o.configured,
        "source": o.source,
    }


def _vm(r: VMResult) -> dict[str, Any]:
    vm = r.vm
    return {
        "name": vm.name,
        "host": r.host,
        "cluster": vm.cluster,
        "placed": r.placed,
        "power": "on" if vm.powered_on else "off",
        "vcpus": vm.vcpus,
        "configured_bytes": vm.memory,
        "overhead_bytes": vm.overhead,
        "overhead_estimated": vm.overhead_estimated,
        "reservation_bytes": vm.reservation,
        "limit_bytes": vm.limit,
        "shares": vm.shares,
        "shares_level": vm.shares_level,
        "active_bytes": vm.active,
        "active_assumed": not vm.active_given,
        "consumed_bytes": vm.consumed,
        "consumed_assumed": not vm.consumed_given,
        "balloon_max_bytes": vm.balloon_max,
        "usage_bound_bytes": vm.usage_bound,
        "demand_bytes": r.demand,
        "balloon_bytes": r.balloon,
        "compressed_bytes": r.compressed,
        "swapped_bytes": r.swapped,
        "active_hit_bytes": r.active_hit,
        "entitlement_bytes": r.entitlement,
        "tags": list(vm.tags),
        "verdict": r.verdict.value,
        "location": _loc(vm.location),
    }


_VM_LINE = (
    '{"active_assumed": %s, "active_bytes": %d, "active_hit_bytes": %d, "balloon_bytes": %d, "balloon_max_bytes": %s, '
    '"cluster": %s, "compressed_bytes": %d, "configured_bytes": %d, "consumed_assumed": %s, '
    '"consumed_bytes": %d, "demand_bytes": %d, "entitlement_bytes": %d, "host": %s, '
    '"limit_bytes": %s, "location": {"column": %d, "file": %s, "line": %d}, "name": %s, '
    '"overhead_bytes": %d, "overhead_estimated": %s, "placed": %s, "power": %s, '
    '"reservation_bytes": %d, "shares": %d, "shares_level": %s, "swapped_bytes": %d, '
    '"tags": %s, "usage_bound_bytes": %d, "vcpus": %d, "verdict": %s}'
)
"""``json.dumps(_vm(r), sort_keys=True)``, as a template: a VM is the one row there are
100,000 of, and filling a template is several times faster than building and sorting a
dict for the encoder. tests/test_render.py checks that both give the same bytes."""


class _Texts(dict[str | None, str]):
    """JSON text of strings, memoised (host, cluster, file names and words repeat)."""

    def __missing__(self, value: str | None) -> str:
        text = self[value] = "null" if value is None else _encode_str(value)
        return text


_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps uses (ensure_ascii)
_BOOL = {True: "true", False: "false"}


def _vm_lines(rows: tuple[VMResult, ...], text: _Texts | None = None) -> list[str]:
    """Each VM's JSON object, exactly as ``json.dumps(_vm(r), sort_keys=True)`` writes it.
    The loop body is kept to lookups and conditionals: it runs once per VM. ``text``: the
    memo of JSON strings to share with other calls."""
    b, enc, ok = _BOOL, _encode_str, Severity.OK
    text = _Texts() if text is None else text
    out = []
    for r in rows:
        vm = r.vm
        loc = vm.location
        bmax, limit = vm.balloon_max, vm.limit
        out.append(
            _VM_LINE
            % (
                b[not vm.active_given], vm.active, r.active_hit, r.balloon,
                "null" if bmax is None else bmax, text[vm.cluster], r.compressed, vm.memory,
                b[not vm.consumed_given], vm.consumed, r.demand, r.entitlement, text[r.host],
                "null" if limit is None else limit, loc.column, text[loc.file], loc.line,
                enc(vm.name), vm.overhead, b[vm.overhead_estimated], b[r.placed],
                '"on"' if vm.powered_on else '"off"', vm.reservation, vm.shares,
                text[vm.shares_level], r.swapped,
                "[" + ", ".join(map(enc, vm.tags)) + "]" if vm.tags else "[]",
                vm.usage_bound, vm.vcpus, '"ok"' if r.verdict is ok else text[r.verdict.value],
            )
        )  # fmt: skip
    return out


def _vm_stream(rows: tuple[VMResult, ...], batch: int = 1024) -> Iterator[str]:
    """_vm_lines of ``rows``, made a batch at a time as they are written: the report's
    80 MB of VM lines never sit in memory at once."""
    text = _Texts()
    for i in range(0, len(rows), batch):
        yield from _vm_lines(rows[i : i + batch], text)


def _ha(r: HAResult | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "basis": r.basis,
        "policy": r.policy,
        "admission_control": r.admission_control,
        "placement": r.placement,
        "failures": r.failures,
        "method": r.method,
        "scenarios": r.scenarios,
        "failed_hosts": list(r.failed_hosts),
        "restarted": [{"vm": vm, "host": host} for vm, host in r.restarted],
        "unrestartable_vms": list(r.unrestartable),
        "state_after": r.state_after.value,
        "overcommit_ratio_after": _ratio(r.overcommit_ratio_after) if r.survivors else None,
        "survivors": [
            {"name": s.host.name, "demand_bytes": s.demand, "free_bytes": s.free,
             "state": s.state.value, "balloon_bytes": s.balloon, "swap_bytes": s.swap}
            for s in r.survivors
        ],
        "failover_hosts": list(r.failover_hosts),
        "slots": None if r.slots is None else {
            "slot_bytes": r.slots.slot,
            "slots_per_host": dict(r.slots.slots_per_host),
            "vms_on": r.slots.vms_on,
            "failover_capacity_hosts": r.slots.failover_capacity,
        },
        "percentage": None if r.percentage is None else {
            "capacity_bytes": r.percentage.capacity,
            "reserved_bytes": r.percentage.reserved,
            "failover_capacity": _ratio(r.percentage.failover),
            "required": _ratio(r.percentage.required),
        },
        "verdict": r.verdict.value,
    }  # fmt: skip


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity.value,
        "kind": f.kind,
        "subject": f.subject,
        "message": f.message,
        "location": _loc(f.location),
        "suppressed": f.suppressed,
        "explanation": {
            "formula": f.explanation.formula,
            "inputs": [
                {"name": i.name, "value": i.value, "kind": i.kind} for i in f.explanation.inputs
            ],
            "sources": list(f.explanation.sources),
        },
    }


_FINDING_LINE = (
    '{"explanation": {"formula": %s, "inputs": [%s], "sources": [%s]}, "kind": %s, '
    '"location": {"column": %d, "file": %s, "line": %d}, "message": %s, "name": %s, '
    '"rule": %s, "severity": %s, "subject": %s, "suppressed": %s}'
)
"""``json.dumps(_finding(f), sort_keys=True)``, as a template (as _VM_LINE: a large
report has thousands of findings; tests/test_render_json.py checks both give the same)."""
_INPUT = '{"kind": %s, "name": %s, "value": %s}'


def _finding_lines(findings: Iterable[Finding]) -> Iterator[str]:
    """Each finding's JSON object, exactly as ``json.dumps(_finding(f), sort_keys=True)``."""
    enc, text = _encode_str, _Texts()
    for f in findings:
        e, loc = f.explanation, f.location
        inputs = ", ".join([
            _INPUT % (text[i.kind], text[i.name], _value(i.value)) for i in e.inputs
        ])  # fmt: skip
        yield _FINDING_LINE % (
            text[e.formula], inputs, ", ".join(map(enc, e.sources)), text[f.kind], loc.column,
            text[loc.file], loc.line, enc(f.message), text[f.name], text[f.rule],
            text[f.severity.value], enc(f.subject), text[f.suppressed],
        )  # fmt: skip


def _value(v: int | float | str) -> str:
    """An input's value as the encoder writes it (floats and anything else: by the encoder)."""
    if type(v) is int:
        return str(v)
    return _encode_str(v) if type(v) is str else json.dumps(v)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def to_dict(report: Report, vms: bool = True, findings: bool = True) -> dict[str, Any]:
    """The report as the JSON document of schema version 1 (``vms`` or ``findings`` False:
    an empty list, for a caller that encodes them itself)."""
    p = report.policy
    f = report.forecast
    host_dates = {h.host: h for h in f.hosts} if f else {}
    cluster_dates = {c.cluster: c for c in f.clusters} if f else {}
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "source": report.source,
        "collected": _iso(report.collected),
        "units": "bytes",
        "verdict": report.verdict.value,
        "summary": counts(report),
        "policy": {
            "max_overcommit": p.max_overcommit,
            "reading": p.reading,
            "thresholds": (
                None if p.thresholds is None else {s.value: float(f) for s, f in p.thresholds}
            ),
            "idle_tax": float(p.idle_tax),
        },
        "clusters": [
            {
                "name": c.name,
                "hosts": list(c.hosts),
                "configured_bytes": c.configured,
                "capacity_bytes": c.capacity,
                "demand_bytes": c.demand,
                "free_bytes": c.free,
                "overcommit_ratio": _ratio(c.overcommit_ratio),
                "state": c.state.value,
                "verdict": c.verdict.value,
                "location": _loc(c.location),
                "ha": _ha(c.ha),
                "drs": {"enabled": c.drs.enabled, "automation": c.drs.automation},
            }
            for c in report.clusters
        ],
        "hosts": [_host(r) for r in report.hosts],
        "vms": [_vm(r) for r in report.vms] if vms else [],
        "findings": [_finding(x) for x in report.findings] if findings else [],
        "whatifs": [str(w) for w in report.whatifs],
        "forecast": None if f is None else {
            "as_of": f.as_of.isoformat(),
            "horizon_months": f.horizon_months,
            "until": f.until.isoformat(),
            "window_end": _iso(f.window_end),
            "growth_scope": f.growth_scope,
            "in_vm_vms": f.in_vm,
            "in_vm_full": dict(zip(("full_vms", "growing_vms", "observed_hosts"), f.in_vm_full,
                                   strict=True)),
            "arrivals": [arrivals_dict(a) for a in f.arrivals],
            "clusters": forecast_clusters(f),
            "notes": [n.text for n in f.notes],
        },
    }  # fmt: skip
    for h in doc["hosts"]:
        hf = host_dates.get(h["name"])
        h["balloon_at"] = _iso(hf.balloon_at) if hf else None
        h["swap_at"] = _iso(hf.swap_at) if hf else None
    for c in doc["clusters"]:
        cf = cluster_dates.get(c["name"])
        c["balloon_at"] = _iso(cf.balloon_at) if cf else None
        c["swap_at"] = _iso(cf.swap_at) if cf else None
    return doc


def chunks(
    doc: dict[str, Any], encoded: Mapping[str, Iterable[str]] | None = None
) -> Iterator[str]:
    """Sorted JSON with one host, VM, cluster or finding per line, in pieces to write.

    Readable and diff-friendly like indented JSON, but each item goes through the C
    encoder (``indent`` forces CPython's pure-Python one, several times slower on a
    100,000-VM report). ``encoded`` holds lists whose items are JSON text already (an
    iterator: the items of a non-empty list, made as they are written). The
    pieces are written one after the other, never joined into one 80 MB string.
    """
    sep = "{\n"
    for key in sorted(doc):
        value = doc[key]
        yield f"{sep}  {json.dumps(key)}: "
        sep = ",\n"
        if encoded and encoded.get(key):
            items: Iterable[str] = encoded[key]
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            items = (json.dumps(x, sort_keys=True) for x in value)
        else:
            yield json.dumps(value, sort_keys=True)
            continue
        lead = "[\n    "
        batch: list[str] = []
        for item in items:
            batch.append(item)
            if len(batch) == 1024:
                yield lead + ",\n    ".join(batch)
                lead, batch = ",\n    ", []
        if batch:
            yield lead + ",\n    ".join(batch)
        yield "\n  ]"
    yield "\n}\n"


def dumps(doc: dict[str, Any], encoded: dict[str, list[str]] | None = None) -> str:
    """The JSON text of :func:`chunks`, as one string."""
    return "".join(chunks(doc, encoded))


class JsonRenderer(Renderer):
    """``--format json``."""

    def render(self, report: Report, console: Console) -> None:
        """Write the JSON document followed by a newline."""

        write = console.file.write
        encoded: dict[str, Iterable[str]] = {}
        if report.vms:
            encoded["vms"] = _vm_stream(report.vms)
        if report.findings:
            encoded["findings"] = _finding_lines(report.findings)
        for chunk in chunks(to_dict(report, vms=False, findings=False), encoded):
            if chunk.isascii():
                # The JSON encoder (ensure_ascii) writes printable ASCII only, escaping
                # every other character; the line breaks between items are ours. So ASCII
                # text here holds nothing write_safe escapes, and isascii() is a flag,
                # not a scan: write_safe's search of 80 MB took half a second.
                write(chunk)
            else:
                write_safe(console, chunk)
